/**
 * What the code fingerprint costs. Not a test: prints numbers.
 *
 *   node --disable-warning=ExperimentalWarning --conditions=source --import tsx packages/local/bench/code-fingerprint.ts
 *
 * Node's type stripper's first use; then for each example pipeline the first parse of its module (type
 * stripping, acorn, eslint-scope), the median parse of copies of it (the cache is per file), the median time to
 * fingerprint every step's task once the module is cached, and a cache hit (one stat). The graphs are loaded
 * first, so loading the modules is not counted.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { stripTypeScriptTypes } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { LineageGraph } from "@glacier/core";
import { loadModule } from "../src/code-module.js";
import { taskCodeFingerprint } from "../src/task-code-fingerprint.js";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const EXAMPLES = ["simple", "complete", "multi-source"];
const scratch = mkdtempSync(join(tmpdir(), "glacier-bench-code-"));

const graphs = new Map<string, LineageGraph>();
for (const name of EXAMPLES) {
  const file = join(REPO, "examples", name, "pipeline.ts");
  graphs.set(file, LineageGraph.from((await import(file)) as Record<string, unknown>));
}

const median = (values: number[]): string =>
  `${([...values].sort((a, b) => a - b)[values.length >> 1] as number).toFixed(2)} ms`;
const timed = (fn: () => void): number => {
  const start = performance.now();
  fn();
  return performance.now() - start;
};

// Node loads its type stripper (a WebAssembly build of SWC) on first use: once per process.
const init = timed(() => stripTypeScriptTypes("const a: number = 1;"));
console.log(`type stripper, first use in the process: ${init.toFixed(1)} ms`);
const ROUNDS = 15;
for (const [file, graph] of graphs) {
  const name = EXAMPLES.find((e) => file.includes(`/${e}/`)) as string;
  const first = timed(() => loadModule(file));
  // Copies of the same text parse cold (the cache is per file), so the median is a steady-state parse.
  const parses = Array.from({ length: ROUNDS }, (_, i) => {
    const copy = join(scratch, `${name}-${i}.ts`);
    copyFileSync(file, copy);
    return timed(() => loadModule(copy));
  });
  const fingerprints = Array.from({ length: ROUNDS }, () =>
    timed(() => graph.steps.forEach((s) => taskCodeFingerprint(s.task))),
  );
  const cached = timed(() => loadModule(file));
  const lines = readFileSync(file, "utf8").split("\n").length;
  console.log(
    `${file.slice(REPO.length)} (${lines} lines, ${graph.steps.length} steps): first parse ${first.toFixed(2)} ms, ` +
      `parse (median of ${ROUNDS}) ${median(parses)}, all ${graph.steps.length} fingerprints from the cache ` +
      `${median(fingerprints)}, cache hit ${cached.toFixed(3)} ms`,
  );
}
rmSync(scratch, { recursive: true, force: true });
