// Per-step cost of running a step's query in a child process (what a step with a `timeout` does, so it can be
// killed at it) against a worker thread (every other step). A chain of small steps runs forced, several rounds
// interleaved; the medians per step (wall time, and the attempt alone as the run record measures it) and their
// ratio are printed. Only ratios within one run mean anything. After a build: node bench/step-isolation.mjs [steps] [rounds]
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pl from "nodejs-polars";
import { Provider } from "@glacier/core";

const STEPS = Number(process.argv[2] ?? 20);
const ROUNDS = Number(process.argv[3] ?? 5);
const dir = mkdtempSync(join(tmpdir(), "glacier-bench-isolation-"));
const data = join(dir, "data");
mkdirSync(join(data, "acme"), { recursive: true });
pl.DataFrame({ id: Array.from({ length: 1000 }, (_, i) => i) }).writeParquet(
  join(data, "acme", "s0.parquet"),
);

function chain(timeout) {
  const provider = new Provider({ cloud: "local", basePath: data });
  const local = provider.local();
  let bucket = provider.bucket({ bucket: "acme", path: "s0.parquet" });
  for (let i = 1; i <= STEPS; i++) {
    const step = local.task((df) => df.withColumns(pl.col("id").add(1)), {
      name: `s${i}`,
      ...(timeout ? { timeout: 60 } : {}),
    });
    bucket = bucket
      .transform(step)
      .to(provider.bucket({ bucket: "acme", path: `${timeout ? "p" : "t"}${i}.parquet` }));
  }
  return bucket;
}

const chains = { thread: chain(false), process: chain(true) };
const times = { thread: [], process: [] };
const cold = {};
const attempts = {};
for (let round = 0; round <= ROUNDS; round++) {
  // Alternating which goes first, so neither always runs on a warmer machine.
  const order = round % 2 === 0 ? ["thread", "process"] : ["process", "thread"];
  for (const kind of order) {
    const last = chains[kind];
    const started = performance.now();
    const result = await last.run({
      mode: "local",
      projectDir: join(dir, kind),
      force: true,
      concurrency: 1,
    });
    if (result.status !== "succeeded") throw new Error(`${kind}: ${JSON.stringify(result.steps[0])}`);
    const perStep = (performance.now() - started) / STEPS;
    if (round === 0) cold[kind] = perStep;
    else {
      times[kind].push(perStep);
      (attempts[kind] ??= []).push(...result.steps.map((s) => s.durationMs));
    }
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const t = median(times.thread);
const p = median(times.process);
console.log(
  `${STEPS} steps × ${ROUNDS} rounds, per step (median): worker thread ${t.toFixed(2)} ms, child process ${p.toFixed(2)} ms`,
);
console.log(
  `child process − thread: ${(p - t).toFixed(2)} ms per step (×${(p / t).toFixed(2)}); first round (cold, incl. start): thread ${cold.thread.toFixed(1)} ms, process ${cold.process.toFixed(1)} ms per step`,
);
console.log(
  `step attempt (durationMs) median: thread ${median(attempts.thread)} ms, process ${median(attempts.process)} ms`,
);

// The hosts alone: one tiny job at a time in a warm worker thread and a warm child process, interleaved.
const { WorkerPool } = await import("../packages/local/dist/worker-pool.js");
const pools = { thread: new WorkerPool("thread"), process: new WorkerPool("process") };
const plan = pl
  .DataFrame({ id: [1, 2, 3] })
  .lazy()
  .serialize("bincode");
const job = (kind) => {
  const final = join(dir, `${kind}.parquet`);
  return {
    step: "x",
    outputId: "o",
    format: "parquet",
    target: { kind: "file", temp: `${final}.tmp`, final },
    deferHash: true,
  };
};
const jobs = { thread: [], process: [] };
for (const kind of Object.keys(pools)) await pools[kind].run(plan, job(kind));
for (let i = 0; i < 60; i++) {
  for (const kind of i % 2 ? ["thread", "process"] : ["process", "thread"]) {
    const started = performance.now();
    await pools[kind].run(plan, job(kind));
    jobs[kind].push(performance.now() - started);
  }
}
console.log(
  `warm job round trip (median of 60): thread ${median(jobs.thread).toFixed(2)} ms, process ${median(jobs.process).toFixed(2)} ms`,
);
await Promise.all(Object.values(pools).map((pool) => pool.close()));
rmSync(dir, { recursive: true, force: true });
process.exit(0);
