/**
 * Orchestration overhead of the cloud executor against the loopback emulators (s3rver, the fake Lambda
 * server running the real generated bundles, fake STS), and how N independent steps compare with one.
 *
 *   npx tsx --conditions source packages/aws/bench/cloud-overhead.ts
 *
 * - dispatch overhead per step: the step's time in the orchestrator (Invoke sent → answer parsed → state
 *   file written) minus the time the emulator spent inside the function;
 * - run overhead: a one-step run's wall time (preflight: STS, GetFunction, HeadObject, HeadBucket; S3
 *   metadata for fingerprints; run records locally and in S3) minus the time inside the function;
 * - fan-out: eight independent Lambda steps against one, same data each.
 *
 * On loopback every function is a child process on this machine, so eight at once compete for its cores;
 * `insideFunctionMs` and `effectiveParallelism` show how much of the fan-out time is that contention rather
 * than orchestration. Warm runs only (every execution environment started once before measuring) with `force: true`.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { LineageGraph, runGraph } from "@glacier/core";
import type { CloudRunResult } from "../src/index.js";
import { cloudEnvironment } from "../test/fixtures/cloud-environment.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const ROUNDS = 7;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

const env = await cloudEnvironment({
  entry: join(here, "fanout-pipeline.ts"),
  sampleData: join(here, "fanout-sample-data.ts"),
});
try {
  const { fanout0 } = await import("./fanout-pipeline.js");
  const one = LineageGraph.from({ fanout0 });
  const run = async (graph: LineageGraph) => {
    const before = env.lambda.invocations.length;
    const started = performance.now();
    const result = (await runGraph(graph, {
      mode: "cloud",
      projectDir: env.projectDir,
      force: true,
    })) as CloudRunResult;
    const wall = performance.now() - started;
    if (result.status !== "succeeded") throw new Error(JSON.stringify(result.steps));
    return { wall, result, invocations: env.lambda.invocations.slice(before) };
  };
  await run(env.graph);
  const dispatch: number[] = [];
  const runOverhead: number[] = [];
  const single: number[] = [];
  const fanned: number[] = [];
  const insideOne: number[] = [];
  const insideFanned: number[] = [];
  const overlap: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const a = await run(one);
    const inside = a.invocations[0]?.serverMs ?? 0;
    single.push(a.wall);
    runOverhead.push(a.wall - inside);
    dispatch.push((a.result.steps[0]?.durationMs ?? 0) - inside);
    insideOne.push(inside);
    const b = await run(env.graph);
    fanned.push(b.wall);
    const inside8 = b.invocations.map((x) => x.serverMs ?? 0);
    insideFanned.push(median(inside8));
    overlap.push(inside8.reduce((sum, x) => sum + x, 0) / b.wall);
  }
  console.log(
    JSON.stringify(
      {
        rounds: ROUNDS,
        medianMs: {
          dispatchOverheadPerStep: Math.round(median(dispatch)),
          runOverheadOneStep: Math.round(median(runOverhead)),
          runOneStep: Math.round(median(single)),
          runEightIndependentSteps: Math.round(median(fanned)),
        },
        ratioEightToOne: Number((median(fanned) / median(single)).toFixed(2)),
        insideFunctionMs: {
          alone: Math.round(median(insideOne)),
          amongEight: Math.round(median(insideFanned)),
        },
        /** Σ time inside the eight functions ÷ the run's wall time: how many ran at once. */
        effectiveParallelism: Number(median(overlap).toFixed(2)),
        cores: (await import("node:os")).availableParallelism(),
      },
      null,
      2,
    ),
  );
} finally {
  await env.stop();
}
