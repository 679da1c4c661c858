import { dirname } from "node:path";
import type { ExecutorMode, StepRecord } from "./run-record.js";
import type { RunStore } from "./run-store.js";
import { listRuns, readRun } from "./runs.js";

/** How many earlier runs {@link readHistory} looks through. */
export const HISTORY_RUNS = 20;

/** What earlier runs of one mode say about each step, newest run first. */
export interface RunHistory {
  /** How each step ended in the newest run that recorded it: a failed one is "failed last time". */
  readonly statuses: ReadonlyMap<string, StepRecord["status"]>;
  /** Each step's duration in the newest run it succeeded in: the scheduler's weight for its critical path. */
  readonly durations: ReadonlyMap<string, number>;
  /** Each step's peak memory in the newest run that measured it: what the scheduler admits it against. */
  readonly peaks: ReadonlyMap<string, number>;
}

/** No earlier run. */
export const NO_HISTORY: RunHistory = { statuses: new Map(), durations: new Map(), peaks: new Map() };

/**
 * Reads the last {@link HISTORY_RUNS} run records of `mode` (not `exceptRunId`, the run being scheduled) once,
 * for everything the scheduler learns from them: statuses, durations and peak memory per step id. An
 * unreadable record is passed over (it only costs a finer reason or a better estimate).
 *
 * @example
 * ```ts
 * const history = await readHistory(store, "local");
 * history.durations.get("clean->raw_sales.parquet-…"); // 5230 (ms, the last successful run)
 * ```
 */
export async function readHistory(
  store: RunStore,
  mode: ExecutorMode,
  exceptRunId?: string,
): Promise<RunHistory> {
  const projectDir = dirname(store.root);
  const statuses = new Map<string, StepRecord["status"]>();
  const durations = new Map<string, number>();
  const peaks = new Map<string, number>();
  const runs = (await listRuns({ projectDir })).filter((r) => r.mode === mode && r.runId !== exceptRunId);
  for (const run of runs.slice(0, HISTORY_RUNS)) {
    try {
      const record = await readRun(run.runId, { projectDir });
      for (const step of record.steps) {
        if (!statuses.has(step.id)) statuses.set(step.id, step.status);
        if (step.status !== "succeeded") continue;
        if (step.durationMs !== undefined && !durations.has(step.id)) durations.set(step.id, step.durationMs);
        if (step.peakMemoryBytes !== undefined && !peaks.has(step.id))
          peaks.set(step.id, step.peakMemoryBytes);
      }
    } catch {
      // An unreadable earlier record only costs the finer reason and the estimates.
    }
  }
  return { statuses, durations, peaks };
}

/** How each step ended in the newest run of `mode` that recorded it (see {@link readHistory}). */
export async function previousStatuses(
  store: RunStore,
  mode: ExecutorMode,
  exceptRunId?: string,
): Promise<ReadonlyMap<string, StepRecord["status"]>> {
  return (await readHistory(store, mode, exceptRunId)).statuses;
}
