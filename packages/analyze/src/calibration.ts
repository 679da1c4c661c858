import { access } from "node:fs/promises";
import { join } from "node:path";

/** What a recorded run measured for one step. */
export interface StepObservation {
  readonly runId: string;
  readonly durationMs: number;
  /** Bytes the step wrote. */
  readonly bytes: number;
  readonly rows?: number;
  /** Where the run happened: `local` runs have one vCPU per step. */
  readonly executor: "local";
}

/** The latest observation of each step id, from the project's recorded runs. */
export type Observations = ReadonlyMap<string, StepObservation>;

/** How many recent runs to search for a step's latest successful execution. */
export const CALIBRATION_RUNS = 20;

/**
 * Reads the project's recorded local runs (`.glacier/runs`, through `@glacier/engine`'s run store) and keeps,
 * per step, the newest succeeded execution with its duration and output size. Cloud runs are left out: their
 * durations include dispatch and start-up on other hardware. No runs: an empty map.
 *
 * @example
 * ```ts
 * const observed = await loadObservations(".");
 * observed.get("cleanSales->glacier-example-sales/clean/sales.parquet");
 * // { runId: "20261122T011342Z-d883", durationMs: 340, bytes: 22582, rows: 3616, executor: "local" }
 * ```
 */
export async function loadObservations(projectDir: string): Promise<Observations> {
  const observed = new Map<string, StepObservation>();
  try {
    await access(join(projectDir, ".glacier", "runs"));
  } catch {
    return observed;
  }
  // Loaded only when runs exist.
  const { listRuns, readRun } = await import("@glacier/engine");
  for (const summary of await listRuns({ projectDir, limit: CALIBRATION_RUNS })) {
    if (summary.mode !== "local") continue;
    const run = await readRun(summary.runId, { projectDir });
    for (const step of run.steps) {
      if (observed.has(step.id) || step.status !== "succeeded") continue;
      if (step.durationMs === undefined || step.bytes === undefined) continue;
      observed.set(step.id, {
        runId: run.runId,
        durationMs: step.durationMs,
        bytes: step.bytes,
        ...(step.rows === undefined ? {} : { rows: step.rows }),
        executor: "local",
      });
    }
  }
  return observed;
}
