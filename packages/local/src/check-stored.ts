import {
  checkResultsOf,
  GlacierError,
  stepChecks,
  type BucketNode,
  type CheckNode,
  type CheckResult,
  type LineageGraph,
} from "@glacier/core";
import { directAccess, openStored } from "./check-output.js";
import { messageOf } from "./errors.js";
import { runStorage } from "./interpret.js";
import { loadPolars } from "./polars.js";
import { runChecks } from "./run-checks.js";
import { describeLocation } from "./storage.js";

/** The checks of one stored location, and how they went. */
export interface StoredChecks {
  /** The bucket id checked. */
  readonly bucket: string;
  /** Where it is stored, as read. */
  readonly location: string;
  /** The step writing it (absent for a source bucket with checks of its own). */
  readonly step?: string;
  readonly results: readonly CheckResult[];
}

/** What `glacier check` found. */
export interface StoredCheckReport {
  /** `failed` when a blocking check failed or could not be evaluated. */
  readonly status: "passed" | "failed";
  readonly checked: readonly StoredChecks[];
}

/** Every check result of `checks` as `error`: the data they read could not be opened. */
function unreadable(checks: readonly CheckNode[], error: unknown): CheckResult[] {
  return checks.map((c) => ({
    name: c.name,
    type: c.type,
    severity: c.severity,
    status: "error",
    failing: 0,
    message: `the data cannot be read: ${messageOf(error, true)}`,
  }));
}

/**
 * Runs the checks of a graph against what is stored now, running no task and writing nothing: each step's
 * checks on its output, and the checks declared on source buckets on their data. A location that is not
 * there yet is an `error` result for each of its checks.
 *
 * @example
 * ```ts
 * await checkStored(graph, { localStorage: "./data" });
 * // { status: "failed", checked: [{ bucket: "acme/clean/orders.parquet", step: "clean",
 * //   location: "./data/acme/clean/orders.parquet", results: [{ name: "unique(id)", status: "failed", … }] }] }
 * ```
 */
export async function checkStored(
  graph: LineageGraph,
  options: { readonly localStorage?: string } = {},
): Promise<StoredCheckReport> {
  const storage = await runStorage(graph, options.localStorage);
  const access = directAccess(storage);
  const pl = await loadPolars();
  const targets: { bucket: BucketNode; step?: string; checks: readonly CheckNode[] }[] = [
    ...graph.executionOrder().map((s) => ({ bucket: s.output, step: s.name, checks: stepChecks(s) })),
    ...graph.sources().map((bucket) => ({ bucket, checks: bucket.checks ?? [] })),
  ].filter((t) => t.checks.length > 0);
  const checked: StoredChecks[] = [];
  for (const target of targets) {
    let results: readonly CheckResult[];
    try {
      const frame = await openStored(pl, target.bucket, access);
      results = await runChecks(pl, frame, target.checks, {
        openBucket: (bucket) => openStored(pl, bucket, access),
      });
    } catch (error) {
      if (!GlacierError.is(error) || checkResultsOf(error)) throw error;
      results = unreadable(target.checks, error);
    }
    checked.push({
      bucket: target.bucket.id,
      location: describeLocation(access.location(target.bucket)),
      ...(target.step === undefined ? {} : { step: target.step }),
      results,
    });
  }
  const failed = checked.some((c) =>
    c.results.some((r) => r.severity === "blocking" && r.status !== "passed"),
  );
  return { status: failed ? "failed" : "passed", checked };
}
