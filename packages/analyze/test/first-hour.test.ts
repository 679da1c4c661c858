import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pl from "nodejs-polars";
import { LineageGraph, Provider, runGraph } from "@glacier/core";
import { readRun, type RunRecord } from "@glacier/engine";
import { analyzeGraph, AGGREGATE_OUTPUT_RATIO, renderAnalysis, type AnalysisReport } from "../src/index.js";
import { tempDir } from "./fixtures/examples.js";

/**
 * What a newcomer does in their first hour: declare the real data's size, run on a small sample, then ask
 * `analyze` what the real thing will cost. The estimate must scale the sample run up to the declared size.
 */

const DECLARED = 12e9;
const temp = tempDir("glacier-analyze-first-hour-");
const sample = join(temp.dir, "sample");
const provider = new Provider({ cloud: "aws", region: "eu-west-1" });
const lambda = provider.serverless({ memory: 2048, timeout: 900 });
const local = provider.local();
const raw = provider.bucket({ bucket: "acme", path: "raw/sales.csv", expectedSize: { bytes: DECLARED } });
const cleaned = provider.bucket({ bucket: "acme", path: "clean/sales.parquet" });
const top = provider.bucket({ bucket: "acme", path: "out/top.csv" });

const cleanSales = lambda.task(function cleanSales(df: pl.LazyDataFrame) {
  return df.filter(pl.col("amount").gt(0));
});
const topTen = local.task(function topTen(df: pl.LazyDataFrame) {
  return df.sort("amount", true).head(10);
});
const graph = LineageGraph.from({
  sales: raw.transform(cleanSales).to(cleaned).transform(topTen).to(top).withName("sales"),
});

let run: RunRecord;
let sampleBytes = 0;
let before: AnalysisReport;
let after: AnalysisReport;

beforeAll(async () => {
  const lines = ["order_id,day,amount"];
  for (let i = 0; i < 20_000; i++)
    lines.push(`${i},2024-01-${String(1 + (i % 28)).padStart(2, "0")},${(i % 97) - 5}`);
  const csv = `${lines.join("\n")}\n`;
  sampleBytes = Buffer.byteLength(csv);
  mkdirSync(join(sample, "acme", "raw"), { recursive: true });
  writeFileSync(join(sample, "acme", "raw", "sales.csv"), csv);
  // Offline: the declared size is what "now" is, whatever credentials this machine has.
  before = (await analyzeGraph(graph, { offline: true, projectDir: temp.dir })).report;
  const result = await runGraph(graph, { mode: "local", projectDir: temp.dir, localStorage: sample });
  expect(result.status).toBe("succeeded");
  run = await readRun(result.runId, { projectDir: temp.dir });
  after = (await analyzeGraph(graph, { offline: true, projectDir: temp.dir })).report;
}, 120_000);
afterAll(() => temp.cleanup());

const recorded = (name: string) => run.steps.find((s) => s.name === name) as RunRecord["steps"][number];

describe("analyze after a sample run, against a declared size", () => {
  it("calibrates throughput from the bytes the run read and its time, and applies it to the declared size", () => {
    const [clean] = after.steps;
    const seconds = (recorded("cleanSales").durationMs as number) / 1000;
    expect(clean?.inputBytes).toBe(DECLARED);
    expect(clean?.duration).toMatchObject({
      basis: "calibrated",
      calibratedFrom: run.runId,
      calibratedOnBytes: sampleBytes,
      startupSeconds: 2,
    });
    // Sample throughput (bytes / s on one vCPU), applied to 12 GB on 2048 / 1769 vCPUs.
    const throughput = sampleBytes / seconds;
    expect(clean?.duration.seconds).toBeCloseTo(2 + DECLARED / throughput / (2048 / 1769), 6);
    // Not the sample's own time: before the fix it was that, a few seconds for 12 GB.
    expect(clean?.duration.seconds).toBeGreaterThan(before.steps[0]?.duration.seconds ?? Infinity);
  });

  it("scales the outputs by the ratio the run measured", () => {
    const [clean, daily] = after.steps;
    const ratio = (recorded("cleanSales").bytes as number) / sampleBytes;
    expect(clean?.output.size).toMatchObject({ source: "calibrated", bytes: Math.round(DECLARED * ratio) });
    const topRatio = (recorded("topTen").bytes as number) / (recorded("cleanSales").bytes as number);
    expect(daily?.output.size).toMatchObject({
      source: "calibrated",
      bytes: Math.round((clean?.output.size.bytes as number) * topRatio),
    });
  });

  it("says the calibrating run was a small sample", () => {
    expect(after.notes.join("\n")).toMatch(
      /^Calibrated from runs on over 100× less input than estimated now: cleanSales \(.* in run \S+, 11\.2 GiB now\)/m,
    );
  });
});

describe("analyze before any run", () => {
  it("estimates an aggregate's output far below its input (the documented default), not at its size", () => {
    const [clean, daily] = before.steps;
    const input = clean?.output.size.bytes as number;
    expect(daily?.output.size).toMatchObject({
      source: "estimated",
      // head(10) aggregates; Parquet in, CSV out: × 4 for the text format.
      bytes: Math.round(input * AGGREGATE_OUTPUT_RATIO * 4),
      detail: `× ${AGGREGATE_OUTPUT_RATIO * 4} of input (aggregates: head)`,
    });
  });
});

describe("the report's names", () => {
  it("shows the artefacts bucket with a placeholder for the account, not Terraform's interpolation", () => {
    const text = renderAnalysis(before, "text");
    expect(text).toMatch(/^ {2}artefact-bucket {2}glacier-artefacts-<account>-eu-west-1$/m);
    expect(text).not.toContain("${");
    expect(JSON.stringify(before.resources)).not.toContain("${");
  });

  it("says a graph on a local provider is local, not in us-east-1", async () => {
    const home = new Provider({ cloud: "local", basePath: join(temp.dir, "home") });
    const copy = home
      .bucket({ bucket: "b", path: "in.csv", expectedSize: { bytes: 1000 } })
      .transform(home.local().sql("copy", "SELECT * FROM input"))
      .to(home.bucket({ bucket: "b", path: "out.parquet" }));
    const { report } = await analyzeGraph(LineageGraph.from({ copy }), {
      offline: true,
      projectDir: temp.dir,
    });
    expect(report.region).toBe("local");
    const text = renderAnalysis(report, "text");
    expect(text.split("\n")[0]).toBe(
      "Analysis of 1 step on a local provider (no AWS region: nothing runs in the cloud), offline",
    );
    expect(text).not.toContain("us-east-1");
  });
});
