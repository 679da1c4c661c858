import type { LazyDataFrame } from "nodejs-polars";
import { afterAll, describe, expect, it } from "vitest";
import { daily, GlacierError, LineageGraph, Provider } from "@glacier/core";
import { analyzeGraph } from "../src/index.js";
import { tempDir } from "./fixtures/examples.js";

const temp = tempDir("glacier-analyze-partitions-");
afterAll(() => temp.cleanup());

/** A daily Lambda step (1 GB of events a day, declared) and an aggregate over every day. */
function graph() {
  const provider = new Provider({ cloud: "aws", region: "us-east-1" });
  const lambda = provider.serverless({ memory: 1769, timeout: 900 });
  const days = daily({ start: "2026-11-01", end: "2026-11-30" });
  const events = provider.bucket({
    bucket: "acme-raw",
    path: "events/{day}.parquet",
    partitions: days,
    expectedSize: { bytes: 1_000_000_000, rows: 10_000_000 },
  });
  const clean = provider.bucket({ bucket: "acme-clean", path: "clean/{day}.parquet", partitions: days });
  const total = provider.bucket({ bucket: "acme-clean", path: "total.parquet" });
  const keep = lambda.task(function keep(df: LazyDataFrame) {
    return df;
  });
  const sum = lambda.task(function sum(df: LazyDataFrame) {
    return df;
  });
  return LineageGraph.from({
    total: events.transform(keep).to(clean).transform(sum).to(total).withName("total"),
  });
}

describe("analyze a partitioned graph", () => {
  it("costs the latest partition by default, and a backfill as its partitions times each one's cost", async () => {
    const options = { offline: true, projectDir: temp.dir } as const;
    const { report: latest } = await analyzeGraph(graph(), options);
    expect(latest.partitions).toEqual(["2026-11-30"]);
    expect(latest.steps.map((s) => s.name)).toEqual(["keep[2026-11-30]", "sum"]);
    const { report: week } = await analyzeGraph(graph(), { ...options, partition: "2026-11-01..2026-11-07" });
    expect(week.partitions).toHaveLength(7);
    const keepUsd = (r: typeof week) =>
      r.steps.filter((s) => s.name.startsWith("keep[")).reduce((a, s) => a + (s.cost.usd ?? 0), 0);
    expect(keepUsd(latest)).toBeGreaterThan(0);
    expect(keepUsd(week)).toBeCloseTo(7 * keepUsd(latest), 10);
    // The state machine's Map runs its iterator once per partition.
    const transitions = (r: typeof week) =>
      r.orchestration.find((o) => o.pipeline === "total")?.transitions ?? 0;
    // Each partition enters the iterator's two states (keep's task, "Partition done"): six more partitions, 12.
    expect(transitions(week) - transitions(latest)).toBe(12);
    // One function per step, whatever the partitions.
    expect(week.resources?.items.filter((r) => r.type === "function")).toHaveLength(2);
  });

  it("rejects a range outside the scheme", async () => {
    const error = await analyzeGraph(graph(), {
      offline: true,
      projectDir: temp.dir,
      partition: "2026-10-31",
    }).catch((e: unknown) => e);
    expect(GlacierError.is(error) && error.code).toBe("INVALID_PARTITION");
  });
});
