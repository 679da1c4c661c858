import type { LineageGraph } from "@glacier/core";
import type { RunState, StepRunState } from "./html/overlay.js";

/** How many recent runs are read to find each step's latest outcome. */
const RECENT_RUNS = 50;

/**
 * For `glacier visualize --format html`: each step's outcome in the latest recorded run that included it (a run
 * of one pipeline leaves the others' last outcome standing), from the run records under `projectDir/.glacier`.
 * Steps no recent run included are `not-run`. Undefined when no recent run includes any of the graph's steps
 * (another project's runs, or none yet): the page then has no status view.
 *
 * @example
 * ```ts
 * await latestStepStates(graph, process.cwd());
 * // { "cleanSales->s3://acme/clean/sales.parquet": { status: "succeeded", runId: "20240131T101500Z-a1b2" },
 * //   "daily->s3://acme/out/daily.parquet": { status: "failed", runId: "…", error: "…" } }
 * ```
 */
export async function latestStepStates(
  graph: LineageGraph,
  projectDir: string,
): Promise<Record<string, StepRunState> | undefined> {
  // The engine reads run records without loading any executor (no polars, no AWS SDK).
  const { listRuns, readRun } = await import("@glacier/engine");
  const runs = await listRuns({ projectDir, limit: RECENT_RUNS });
  if (runs.length === 0) return undefined;
  const wanted = new Set(graph.steps.map((s) => s.id));
  const states: Record<string, StepRunState> = {};
  for (const run of runs) {
    if (wanted.size === 0) break;
    const record = await readRun(run.runId, { projectDir }).catch(() => undefined);
    for (const step of record?.steps ?? []) {
      if (!wanted.delete(step.id)) continue;
      states[step.id] = {
        status: step.status satisfies RunState,
        runId: run.runId,
        ...(step.reason === undefined ? {} : { reason: step.reason }),
        ...(step.error === undefined ? {} : { error: step.error }),
      };
    }
  }
  if (wanted.size === graph.steps.length) return undefined;
  for (const id of wanted) states[id] = { status: "not-run" };
  return states;
}
