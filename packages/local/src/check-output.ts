import { checkFailure, stepChecks, type BucketNode, type CheckResult, type StepNode } from "@glacier/core";
import type { ContentFile } from "./content-fingerprint.js";
import { listContentFiles } from "./content-files.js";
import { scanWritten } from "./materialize.js";
import type { OutputTarget } from "./output-target.js";
import { loadPolars, type LazyFrame, type Polars } from "./polars.js";
import { runChecks } from "./run-checks.js";
import { openSource } from "./scan.js";
import type { ResolvedLocation, StorageOptions } from "./storage.js";
import { resolveLocation } from "./storage.js";

/** Where a bucket is and which files it holds: how the caller lists storage (a run's cache, or directly). */
export interface BucketAccess {
  readonly location: (bucket: BucketNode) => ResolvedLocation;
  readonly files: (bucket: BucketNode) => Promise<readonly ContentFile[]>;
}

/** Lists buckets directly (a Lambda, `glacier check`): no run context, no cache. */
export function directAccess(storage?: StorageOptions): BucketAccess {
  return {
    location: (bucket) => resolveLocation(bucket, storage),
    files: (bucket) => listContentFiles(bucket, resolveLocation(bucket, storage), storage),
  };
}

/** A stored bucket as a lazy frame, its schema read now so a missing or unreadable one fails here, named. */
export async function openStored(pl: Polars, bucket: BucketNode, access: BucketAccess): Promise<LazyFrame> {
  const location = access.location(bucket);
  return openSource(pl, bucket, location, await access.files(bucket), { probe: true }).frame;
}

/**
 * Runs a step's checks (its own, then its output bucket's) on its written, uncommitted result. Returns the
 * results when no blocking check failed; otherwise throws CHECK_FAILED (carrying them), and the caller
 * discards the written output, so the previous one stays as it was.
 */
export async function checkWritten(
  pl: Polars,
  step: StepNode,
  target: OutputTarget,
  access: BucketAccess,
): Promise<readonly CheckResult[]> {
  const checks = stepChecks(step);
  if (checks.length === 0) return [];
  const results = await runChecks(pl, scanWritten(pl, step.output.format, target), checks, {
    openBucket: (bucket) => openStored(pl, bucket, access),
  });
  const failure = checkFailure(step.name, results);
  if (failure) throw failure;
  return results;
}

/**
 * Runs a step's checks on its output as stored (committed earlier): what a run does when only the checks
 * changed since the output was written. Returns the results when no blocking check failed; otherwise throws
 * CHECK_FAILED carrying them. Nothing is written.
 *
 * @example
 * ```ts
 * await checkCommitted(pl, step, directAccess({ localStorage: "./data" }));
 * // [{ name: "unique(id)", status: "passed", failing: 0, … }]
 * ```
 */
export async function checkCommitted(
  pl: Polars,
  step: StepNode,
  access: BucketAccess,
): Promise<readonly CheckResult[]> {
  const checks = stepChecks(step);
  if (checks.length === 0) return [];
  const results = await runChecks(pl, await openStored(pl, step.output, access), checks, {
    openBucket: (bucket) => openStored(pl, bucket, access),
  });
  const failure = checkFailure(step.name, results, "stored");
  if (failure) throw failure;
  return results;
}

/**
 * {@link checkCommitted} for an interpreter outside this package (the cloud executor rechecks a step's S3 output
 * from the run's process): the step's checks on its stored output, with polars loaded here.
 */
export async function checkCommittedOutput(
  step: StepNode,
  storage?: StorageOptions,
): Promise<readonly CheckResult[]> {
  return checkCommitted(await loadPolars(), step, directAccess(storage));
}
