import { afterAll, describe, expect, it } from "vitest";
import { GlacierError, LineageGraph, Provider } from "@glacier/core";
import { analyzeGraph } from "../src/index.js";
import { loadExample, tempDir } from "./fixtures/examples.js";

const temp = tempDir("glacier-analyze-offline-");
afterAll(() => temp.cleanup());

describe("--offline never reads storage", () => {
  it("marks undeclared sizes unknown: costs are a lower bound naming the steps", async () => {
    const data = `${temp.dir}/data`;
    // The data exists, but offline mode must not read it.
    const graph = await loadExample("simple", data);
    const { report } = await analyzeGraph(graph, { offline: true, localStorage: data, projectDir: temp.dir });

    const [clean, daily] = report.steps;
    expect(clean?.inputs[0]?.size).toEqual({
      bytes: null,
      files: null,
      rows: null,
      source: "unknown",
      detail: "offline; declare expectedSize: { bytes } on glacier-example-sales/raw/sales.csv",
    });
    expect(clean?.duration.basis).toBe("unknown");
    expect(clean?.cost.usd).toBeNull();
    expect(daily?.output.size.source).toBe("unknown");
    expect(report.cost.complete).toBe(false);
    expect(report.cost.unknownSteps).toEqual([clean?.id, daily?.id]);
    expect(report.duration.complete).toBe(false);
    // The request costs and the state machine are still counted.
    expect(report.cost.perRunUsd).toBeGreaterThan(0);
  });

  it("uses declared sizes", async () => {
    const provider = new Provider({ cloud: "aws", region: "us-east-1" });
    const lambda = provider.serverless({ memory: 1769, timeout: 900 });
    // 1 GB of Parquet; 1769 MB = exactly 1 vCPU at 50 MB/s → 2 s start + 1e9 / 5e7 = 22 s
    const raw = provider.bucket({
      bucket: "acme-raw",
      path: "events.parquet",
      expectedSize: { bytes: 1e9, rows: 1e7 },
    });
    const out = provider.bucket({ bucket: "acme-raw", path: "clean.parquet" });
    const graph = LineageGraph.from({
      clean: raw.transform(lambda.sql("clean", "SELECT * FROM input")).to(out),
    });
    const { report } = await analyzeGraph(graph, { offline: true, projectDir: temp.dir });
    const step = report.steps[0];
    expect(step?.inputs[0]?.size).toEqual({ bytes: 1e9, files: 1, rows: 1e7, source: "declared" });
    expect(step?.duration).toMatchObject({ seconds: 22, basis: "default", vcpus: 1 });
    // Lambda: 1769/1024 GB × 22 s = 38.0078125 GB-s × $0.0000166667 + $0.0000002
    const lambda$ = (1769 / 1024) * 22 * 0.0000166667 + 0.0000002;
    const items = step?.cost.items ?? [];
    expect(items.filter((i) => i.service === "lambda").reduce((a, i) => a + i.usd, 0)).toBeCloseTo(
      lambda$,
      12,
    );
  });

  it("a declared output size wins over the default ratio", async () => {
    const provider = new Provider({ cloud: "aws", region: "us-east-1" });
    const lambda = provider.serverless();
    const raw = provider.bucket({ bucket: "acme-raw", path: "events.csv", expectedSize: { bytes: 4e9 } });
    const out = provider.bucket({
      bucket: "acme-raw",
      path: "daily.parquet",
      expectedSize: { bytes: 1e6, rows: 365 },
    });
    const graph = LineageGraph.from({
      daily: raw.transform(lambda.sql("daily", "SELECT 1 FROM input")).to(out),
    });
    const { report } = await analyzeGraph(graph, { offline: true, projectDir: temp.dir });
    expect(report.steps[0]?.output.size).toEqual({ bytes: 1e6, files: 1, rows: 365, source: "declared" });
  });

  it("rejects a malformed expectedSize when the bucket is declared", () => {
    const provider = new Provider({ cloud: "aws", region: "us-east-1" });
    let error: unknown;
    try {
      provider.bucket({ bucket: "acme-raw", path: "events.parquet", expectedSize: { bytes: -1 } });
    } catch (e) {
      error = e;
    }
    expect(GlacierError.is(error) && error.code).toBe("INVALID_BUCKET");
    expect((error as Error).message).toMatchInlineSnapshot(
      `"bucket "acme-raw/events.parquet": expectedSize bytes must be a non-negative whole number, got -1. Write expectedSize: { bytes: 5_000_000_000, rows: 100_000_000 } (non-negative whole numbers)."`,
    );
  });
});
