#!/usr/bin/env node
// Times `glacier visualize --format html`'s layout and page on generated graphs of every shape (fan-out, fan-in,
// chain, grid) and size, each case in its own process, reporting wall time and peak RSS, and the growth ratio
// between sizes (2.0 when doubling the graph doubles the time: linear). Run from the repository root after a
// build: node packages/cli/bench/html-layout.mjs [sizes=250,500,1000] [shapes=fan-out,fan-in,chain,grid]
import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { fileURLToPath, URL } from "node:url";

const sizes = (process.argv[2] ?? "250,500,1000").split(",").map(Number);
const shapes = (process.argv[3] ?? "fan-out,fan-in,chain,grid").split(",");

if (process.env.GLACIER_BENCH_CASE) {
  const [shape, n] = process.env.GLACIER_BENCH_CASE.split(":");
  const { largeGraph } = await import(new URL("../test/fixtures/large-graphs.ts", import.meta.url).href);
  const { renderHtml } = await import(new URL("../dist/html/render-html.js", import.meta.url).href);
  const graph = largeGraph(shape, Number(n));
  const started = performance.now();
  const html = await renderHtml(graph);
  const ms = performance.now() - started;
  const nodes = graph.steps.length + graph.buckets.length;
  process.stdout.write(
    JSON.stringify({ ms, nodes, bytes: html.length, maxRssMb: process.resourceUsage().maxRSS / 1024 }),
  );
  process.exit(0);
}

const script = fileURLToPath(import.meta.url);
console.log(
  `load average before: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`,
);
console.log("shape     steps  nodes      time   ×prev   peak RSS   page");
for (const shape of shapes) {
  let previous;
  for (const n of sizes) {
    const child = spawnSync(process.execPath, ["--stack-size=4000", script], {
      env: { ...process.env, GLACIER_BENCH_CASE: `${shape}:${n}` },
      encoding: "utf8",
      maxBuffer: 1 << 20,
    });
    if (child.status !== 0) {
      console.log(
        `${shape.padEnd(8)} ${String(n).padStart(6)}  failed: ${child.stderr.split("\n").slice(-4).join(" ")}`,
      );
      previous = undefined;
      continue;
    }
    const r = JSON.parse(child.stdout);
    const ratio = previous ? (r.ms / previous).toFixed(1) : "";
    previous = r.ms;
    console.log(
      `${shape.padEnd(8)} ${String(n).padStart(6)} ${String(r.nodes).padStart(6)} ${(r.ms / 1000).toFixed(2).padStart(7)} s ${ratio.padStart(6)} ${r.maxRssMb.toFixed(0).padStart(7)} MB ${(r.bytes / 1e6).toFixed(1).padStart(5)} MB`,
    );
  }
}
