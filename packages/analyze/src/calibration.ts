import { access } from "node:fs/promises";
import { join } from "node:path";
import type { LineageGraph } from "@glacier/core";
import { stepInputs } from "@glacier/core/internal";
import { measureBucket } from "./measure-storage.js";

/** What a recorded run measured for one step. */
export interface StepObservation {
  readonly runId: string;
  readonly durationMs: number;
  /** Bytes the step wrote. */
  readonly bytes: number;
  readonly rows?: number;
  /**
   * Bytes the step read in that run: its producers' outputs as the same run recorded them, and its sources as
   * they are where that run read them (the run's `--local-storage` directory, or a local provider's path).
   * Null when that cannot be known (a source the run read from S3).
   */
  readonly inputBytes: number | null;
  /** Where the run happened: `local` runs have one vCPU per step. */
  readonly executor: "local";
}

/** The latest observation of each step id, from the project's recorded runs. */
export type Observations = ReadonlyMap<string, StepObservation>;

/** How many recent runs to search for a step's latest successful execution. */
export const CALIBRATION_RUNS = 20;

/** The shape of a run record this module reads (`@glacier/local`'s `RunRecord`, the fields used). */
interface RecordedRun {
  readonly runId: string;
  readonly options: { readonly localStorage?: string };
  readonly steps: readonly {
    readonly id: string;
    readonly status: string;
    readonly durationMs?: number;
    readonly bytes?: number;
    readonly rows?: number;
  }[];
}

/**
 * The bytes a step read in a recorded run. A source is measured where that run read it — the run's
 * `--local-storage` directory, or a local provider's path — as it is now: the record does not store source
 * sizes, so a sample rewritten since then is read as rewritten. A source the run read from S3 is unknown: what
 * S3 holds now is what the estimate scales *to*, so it cannot also be what the run read.
 */
async function inputBytesOf(graph: LineageGraph, run: RecordedRun, stepId: string): Promise<number | null> {
  const step = graph.steps.find((s) => s.id === stepId);
  if (!step) return null;
  let total = 0;
  for (const [, bucket] of stepInputs(step)) {
    const producer = graph.producerOf(bucket);
    if (producer) {
      const bytes = run.steps.find((s) => s.id === producer.id)?.bytes;
      if (bytes === undefined) return null;
      total += bytes;
      continue;
    }
    const onDisk = bucket.provider.cloud === "local" || run.options.localStorage !== undefined;
    if (!onDisk) return null;
    const size = await measureBucket(
      bucket,
      run.options.localStorage === undefined ? {} : { localStorage: run.options.localStorage },
    );
    if (size.source !== "measured" || size.bytes === null) return null;
    total += size.bytes;
  }
  return total;
}

/**
 * Reads the project's recorded local runs (`.glacier/runs`, through `@glacier/engine`'s run store) and keeps,
 * per step of `graph`, the newest succeeded execution with its duration, output size and the input size it
 * read. Cloud runs are left out: their durations include dispatch and start-up on other hardware. No runs: an
 * empty map.
 *
 * @example
 * ```ts
 * const observed = await loadObservations(".", graph);
 * observed.get("cleanSales->glacier-example-sales/clean/sales.parquet");
 * // { runId: "20261122T011342Z-d883", durationMs: 340, bytes: 22582, rows: 3616, inputBytes: 152344,
 * //   executor: "local" }
 * ```
 */
export async function loadObservations(projectDir: string, graph: LineageGraph): Promise<Observations> {
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
    const run: RecordedRun = await readRun(summary.runId, { projectDir });
    for (const step of run.steps) {
      if (observed.has(step.id) || step.status !== "succeeded") continue;
      if (step.durationMs === undefined || step.bytes === undefined) continue;
      observed.set(step.id, {
        runId: run.runId,
        durationMs: step.durationMs,
        bytes: step.bytes,
        ...(step.rows === undefined ? {} : { rows: step.rows }),
        inputBytes: await inputBytesOf(graph, run, step.id),
        executor: "local",
      });
    }
  }
  return observed;
}
