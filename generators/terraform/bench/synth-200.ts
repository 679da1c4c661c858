/**
 * Generation speed. Not a test: prints numbers.
 *
 *   node --conditions=source --import tsx generators/terraform/bench/synth-200.ts [--cold-layer]
 *
 * 1. A synthetic 200-step graph (20 chains of 10 steps: Lambda, Spark SQL and local, 20 pipelines):
 *    planInfrastructure, then cdktn synthesis (stand-in zips), three rounds (the first pays for loading cdktn).
 * 2. `generate` of examples/complete end to end (locating, esbuild, zips, synthesis, writing) with the polars
 *    layer cached, and — with --cold-layer — with an empty cache (zipping the ~100 MB binary).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { planInfrastructure } from "@glacier/aws-model";
import { LineageGraph, Provider, type Bucket } from "@glacier/core";
import { generateTerraform } from "../src/index.js";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));

function syntheticGraph(chains: number, length: number): LineageGraph {
  const aws = new Provider({ cloud: "aws", region: "eu-west-1" });
  const lambda = aws.serverless({ memory: 1024 });
  const spark = aws.spark();
  const local = aws.local();
  const targets: Record<string, Bucket> = {};
  for (let c = 0; c < chains; c++) {
    let bucket = aws.bucket({ bucket: `bench-lake-${c % 4}`, path: `c${c}/raw.parquet` });
    for (let s = 0; s < length; s++) {
      const name = `chain${c}Step${s}`;
      const kind = (c * length + s) % 10;
      const next = aws.bucket({ bucket: `bench-lake-${c % 4}`, path: `c${c}/s${s}.parquet` });
      // Each branch keeps its task's own type, as a user's code would.
      bucket =
        kind < 6
          ? bucket.transform(lambda.task((df) => df, { name })).to(next)
          : kind < 9
            ? bucket.transform(spark.sql(name, "SELECT * FROM input")).to(next)
            : bucket.transform(local.task((df) => df, { name })).to(next);
    }
    targets[`chain${c}`] = bucket.withName(`chain${c}`);
  }
  return LineageGraph.from(targets);
}

function ms(from: number): string {
  return `${(performance.now() - from).toFixed(0)} ms`;
}

const fakeZip = { path: "x.zip", sha256: "AAAA", version: "0.24.1" };

let start = performance.now();
const graph = syntheticGraph(20, 10);
console.log(`graph: ${graph.steps.length} steps, ${graph.pipelines.length} pipelines (${ms(start)})`);
start = performance.now();
const { synthesizeStack } = await import("../src/synth/synth-stack.js");
console.log(`load cdktn + provider resources: ${ms(start)}`);
for (let round = 1; round <= 3; round++) {
  start = performance.now();
  const plan = planInfrastructure(graph);
  const planned = performance.now();
  const json = synthesizeStack(plan, {
    functions: Object.fromEntries(plan.functions.map((f) => [f.logicalId, fakeZip])),
    layers: Object.fromEntries(plan.layers.map((l) => [l.logicalId, fakeZip])),
  });
  const text = JSON.stringify(json, null, 2);
  const resources = Object.values(json["resource"] as Record<string, object>).reduce(
    (n, byName) => n + Object.keys(byName).length,
    0,
  );
  console.log(
    `round ${round}: plan ${(planned - start).toFixed(0)} ms, synth ${ms(planned)} ` +
      `(${resources} resources, ${(text.length / 1e6).toFixed(1)} MB JSON), ` +
      `heap ${(process.memoryUsage().heapUsed / 1048576).toFixed(0)} MiB`,
  );
}

async function generateComplete(cacheDir: string): Promise<void> {
  const entry = join(REPO, "examples/complete/pipeline.ts");
  const out = mkdtempSync(join(tmpdir(), "glacier-bench-out-"));
  const from = performance.now();
  try {
    const report = await generateTerraform(
      LineageGraph.from((await import(entry)) as Record<string, never>),
      {
        outputDir: out,
        entry,
        projectDir: REPO,
        cacheDir,
      },
    );
    console.log(
      `generate examples/complete: ${ms(from)} (${report.files.length} files, layer cache hits ${report.layerCacheHits})`,
    );
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const warmCache = join(tmpdir(), "glacier-terraform-test-cache");
await generateComplete(warmCache);
await generateComplete(warmCache);
if (process.argv.includes("--cold-layer")) {
  const cold = mkdtempSync(join(tmpdir(), "glacier-bench-cache-"));
  try {
    await generateComplete(cold);
  } finally {
    rmSync(cold, { recursive: true, force: true });
  }
}
