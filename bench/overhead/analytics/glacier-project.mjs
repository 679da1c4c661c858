/**
 * Runs the analytical project with Glacier: `node glacier-project.mjs --dir DIR [--tables T] [--expect-runs K]` (tables in `T/raw`, default `DIR/../raw`).
 * Imports `DIR/project.mjs` (the editable copy), so a rerun after an edit sees the edited code. Prints
 * `{ runMs, ran, skipped }`; with `--expect-runs K`, fails unless exactly K steps ran.
 */
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import * as core from "@glacier/core";

const { values } = parseArgs({
  options: {
    dir: { type: "string" },
    "expect-runs": { type: "string" },
    force: { type: "boolean", default: false },
    tables: { type: "string" },
  },
});
const dir = resolve(values.dir);
const project = await import(pathToFileURL(join(dir, "project.mjs")).href);
const graph = core.LineageGraph.from(
  project.glacierTargets(core, resolve(values.tables ?? join(dir, "..")), dir),
);
const started = performance.now();
const result = await core.runGraph(graph, { mode: "local", projectDir: dir, force: values.force });
const runMs = Math.round(performance.now() - started);
const ran = result.steps.filter((s) => s.status === "succeeded").map((s) => s.name);
if (result.status !== "succeeded") {
  console.error(
    JSON.stringify(
      result.steps.filter((s) => s.status === "failed"),
      null,
      2,
    ),
  );
  throw new Error("the Glacier run failed");
}
if (values["expect-runs"] !== undefined && ran.length !== Number(values["expect-runs"])) {
  throw new Error(`expected ${values["expect-runs"]} steps to run, ran ${ran.length}: ${ran.join(", ")}`);
}
console.log(JSON.stringify({ variant: "glacier", runMs, ran, skipped: result.steps.length - ran.length }));
