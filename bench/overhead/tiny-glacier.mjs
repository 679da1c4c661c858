/**
 * N tiny steps run by Glacier's local executor: `node tiny-glacier.mjs --steps N --shape chain|fanout --out DIR
 * [--rerun]`. Prints `{ runMs, steps, statuses }` as one JSON line.
 */
import { parseArgs } from "node:util";
import { LineageGraph, Provider, runGraph } from "@glacier/core";
import pl from "nodejs-polars";
import { stepNames, tinyWork, writeTinyInput } from "./tiny-data.mjs";

const { values } = parseArgs({
  options: {
    steps: { type: "string" },
    shape: { type: "string", default: "chain" },
    out: { type: "string" },
    rerun: { type: "boolean", default: false },
    concurrency: { type: "string" },
  },
});
const count = Number(values.steps);
const out = values.out;
if (!values.rerun) writeTinyInput(pl, out);
const work = new Provider({ cloud: "local", basePath: out });
const local = work.local();
const raw = work.bucket({ bucket: "raw", path: "tiny.parquet" });

let previous = raw;
const targets = [];
for (const name of stepNames(count)) {
  const task = local.task((df) => tinyWork(pl, df), { name });
  const input = values.shape === "chain" ? previous : raw;
  previous = input.transform(task).to(work.bucket({ bucket: "out", path: `${name}.parquet` }));
  targets.push(previous);
}
const pipelines = values.shape === "chain" ? [previous] : targets;
const graph = LineageGraph.from(pipelines);
const started = performance.now();
const result = await runGraph(graph, {
  mode: "local",
  projectDir: out,
  ...(values.concurrency ? { concurrency: Number(values.concurrency) } : {}),
});
const runMs = performance.now() - started;
const expected = values.rerun ? "skipped" : "succeeded";
const wrong = result.steps.filter((s) => s.status !== expected);
if (result.status !== "succeeded" || wrong.length > 0) {
  console.error(JSON.stringify(wrong.slice(0, 3), null, 2));
  throw new Error(`expected every step ${expected}`);
}
console.log(JSON.stringify({ variant: "glacier", runMs: Math.round(runMs), steps: result.steps.length }));
