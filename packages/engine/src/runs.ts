import { readdir, stat } from "node:fs/promises";
import { countChecks, GlacierError, type CheckCounts } from "@glacier/core";
import { ownerState } from "./process-identity.js";
import type { ExecutorMode, RunRecord, RunStatus } from "./run-record.js";
import { readJson, RunStore } from "./run-store.js";

/** One line of `glacier runs`. */
export interface RunSummary {
  readonly runId: string;
  readonly mode: ExecutorMode;
  readonly status: RunStatus;
  readonly startedAt: string;
  readonly finishedAt?: string;
  readonly durationMs?: number;
  readonly pipeline?: string;
  readonly resumeOf?: string;
  readonly steps: {
    readonly total: number;
    readonly succeeded: number;
    readonly skipped: number;
    readonly failed: number;
    readonly notRun: number;
  };
  /** The data checks of its steps, counted (absent when no step ran a check). */
  readonly checks?: CheckCounts;
  /** The run's directory: `run.json` and `log.jsonl`. */
  readonly recordPath: string;
}

/**
 * A record as readers see it: one whose process died mid-run reads as `interrupted`, and one written before
 * records had a mode is a local run's.
 */
function withLiveness(stored: RunRecord): RunRecord {
  const record: RunRecord = stored.mode === undefined ? { ...stored, mode: "local" } : stored;
  // A recycled pid (the run's own pid reused by a later process) is not the run: pid, start time and boot.
  if (record.status === "running" && ownerState(record) === "dead") {
    return { ...record, status: "interrupted" };
  }
  return record;
}

/**
 * Reads a run's record, local or cloud. A run whose process died before finishing has status `interrupted`.
 *
 * @example
 * ```ts
 * const run = await readRun("20240131T120000Z-3f2a", { projectDir: "." });
 * run.steps.map((s) => `${s.name}: ${s.status}`); // ["clean: succeeded", "daily: failed"]
 * ```
 */
export async function readRun(
  runId: string,
  options: { readonly projectDir?: string } = {},
): Promise<RunRecord> {
  const store = new RunStore(options.projectDir);
  const path = store.recordPath(runId);
  const read = /^[\w-]+$/.test(runId) ? await readJson<RunRecord>(path) : null;
  const record = read && typeof read === "object" && Array.isArray(read.steps) ? read : null;
  if (!record && /^[\w-]+$/.test(runId) && (await exists(path))) {
    // The run exists: its record was cut short (a full disk, a killed write) or edited into something else.
    throw new GlacierError(
      "RUN_RECORD_INVALID",
      `the record ${path} exists but is not a readable run record.`,
      {
        subject: { kind: "run", name: runId },
        hint: "Restore the file from a backup, or delete the run's directory and start a new run (glacier run without --resume).",
      },
    );
  }
  if (!record) {
    throw new GlacierError("RUN_NOT_FOUND", `no run with this id in ${store.runsDir()}.`, {
      subject: { kind: "run", name: runId },
      hint: "List recent runs with `glacier runs`.",
    });
  }
  return withLiveness(record);
}

/**
 * The project's recent runs, newest first (run ids start with their UTC start time).
 *
 * @example
 * ```ts
 * await listRuns({ limit: 2 });
 * // [{ runId: "20240131T120500Z-9b1c", status: "failed", steps: { total: 3, succeeded: 1, failed: 1, … } }, …]
 * ```
 */
export async function listRuns(
  options: { readonly projectDir?: string; readonly limit?: number } = {},
): Promise<RunSummary[]> {
  const store = new RunStore(options.projectDir);
  let ids: string[];
  try {
    ids = (await readdir(store.runsDir(), { withFileTypes: true }))
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
  } catch {
    return [];
  }
  const summaries: RunSummary[] = [];
  for (const runId of ids.sort().reverse()) {
    if (options.limit !== undefined && summaries.length >= options.limit) break;
    const record = await readJson<RunRecord>(store.recordPath(runId));
    if (record) summaries.push(summarize(withLiveness(record), store.runDir(runId)));
  }
  // Ids have one-second resolution; the records' start times order runs started within one second.
  return summaries.sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0));
}

function summarize(record: RunRecord, recordPath: string): RunSummary {
  const count = (status: string) => record.steps.filter((s) => s.status === status).length;
  const checks = record.steps.flatMap((s) => s.checks ?? []);
  return {
    runId: record.runId,
    mode: record.mode,
    status: record.status,
    startedAt: record.startedAt,
    ...(record.finishedAt === undefined ? {} : { finishedAt: record.finishedAt }),
    ...(record.durationMs === undefined ? {} : { durationMs: record.durationMs }),
    ...(record.pipeline === undefined ? {} : { pipeline: record.pipeline }),
    ...(record.resumeOf === undefined ? {} : { resumeOf: record.resumeOf }),
    steps: {
      total: record.steps.length,
      succeeded: count("succeeded"),
      skipped: count("skipped"),
      failed: count("failed"),
      notRun: count("not-run"),
    },
    ...(checks.length === 0 ? {} : { checks: countChecks(checks) }),
    recordPath,
  };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
