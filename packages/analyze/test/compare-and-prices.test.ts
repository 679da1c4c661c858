import { describe, expect, it } from "vitest";
import { GlacierError, LineageGraph, Provider, type ServerlessOptions } from "@glacier/core";
import { analyzeGraph, compareAnalyses, pricesFor, renderComparison } from "../src/index.js";
import { tempDir } from "./fixtures/examples.js";

const temp = tempDir("glacier-analyze-compare-");

/** raw (1 GB declared) → clean on Lambda → daily on Lambda, optionally with a third step and a schedule. */
function graph(lambda: ServerlessOptions, extra = false): LineageGraph {
  const provider = new Provider({ cloud: "aws", region: "eu-west-1" });
  const fn = provider.serverless(lambda);
  const raw = provider.bucket({
    bucket: "acme-lake",
    path: "raw/events.parquet",
    expectedSize: { bytes: 1e9 },
  });
  const clean = raw
    .transform(fn.sql("clean", "SELECT * FROM input WHERE amount > 0"))
    .to(provider.bucket({ bucket: "acme-lake", path: "clean/events.parquet" }));
  const daily = clean
    .transform(fn.sql("daily", "SELECT day, SUM(amount) FROM input GROUP BY day"))
    .to(provider.bucket({ bucket: "acme-lake", path: "daily/totals.parquet" }))
    .withName("daily")
    .withSchedule("rate(1 day)");
  if (!extra) return LineageGraph.from({ daily });
  const top = clean
    .transform(fn.sql("top", "SELECT * FROM input ORDER BY amount DESC LIMIT 10"))
    .to(provider.bucket({ bucket: "acme-lake", path: "top/orders.parquet" }))
    .withName("top");
  return LineageGraph.from({ daily, top });
}

const options = { offline: true, projectDir: temp.dir } as const;

describe("compareAnalyses", () => {
  it("reports the resource and cost delta as a Markdown table", async () => {
    const before = await analyzeGraph(graph({ memory: 1769 }), options);
    const after = await analyzeGraph(graph({ memory: 3538 }, true), options);
    const diff = compareAnalyses(before, after);

    expect(diff.resources.changed.map((r) => r.type)).toEqual(["bucket", "function", "function"]);
    expect(diff.resources.changed.filter((r) => r.type === "function").map((r) => r.changes)).toEqual([
      ["memory: 1769 → 3538"],
      ["memory: 1769 → 3538"],
    ]);
    expect(diff.resources.added.map((r) => r.type).sort()).toEqual([
      "function",
      "log-group",
      "role",
      "role",
      "state-machine",
    ]);
    expect(diff.resources.removed).toEqual([]);
    expect(diff.steps.map((s) => [s.name, s.status])).toEqual([
      ["clean", "changed"],
      ["daily", "changed"],
      ["top", "added"],
    ]);
    expect(diff.perRun.deltaUsd).toBeCloseTo(after.report.cost.perRunUsd - before.report.cost.perRunUsd, 15);
    expect(renderComparison(diff)).toMatchSnapshot();
  });

  it("an unchanged pipeline has no changes", async () => {
    const a = await analyzeGraph(graph({ memory: 2048 }), options);
    const b = await analyzeGraph(graph({ memory: 2048 }), options);
    const diff = compareAnalyses(a, b);
    expect(diff.steps.every((s) => s.status === "unchanged")).toBe(true);
    expect(renderComparison(diff)).toContain("No resource changes.");
  });
});

describe("schedules and price overrides", () => {
  it("multiplies a scheduled pipeline's per-run cost by its runs per month", async () => {
    const { report } = await analyzeGraph(graph({ memory: 1769 }), options);
    const daily = report.pipelines.find((p) => p.name === "daily");
    expect(daily?.runsPerMonth).toBeCloseTo(730 / 24, 9);
    expect(daily?.monthlyUsd).toBeCloseTo((daily?.perRunUsd ?? 0) * (730 / 24), 12);
    expect(report.monthly.scheduledUsd).toBeCloseTo(daily?.monthlyUsd ?? 0, 12);
  });

  it("overrides figures from glacier.config.ts prices", async () => {
    const prices = {
      "eu-west-1": { lambdaRequest: 0.001, lambdaGbSecond: { x86_64: 0 } },
      "*": { s3GetRequest: 0 },
    };
    const { report } = await analyzeGraph(graph({ memory: 1769 }), { ...options, prices });
    expect(report.prices.overridden).toEqual(["lambdaGbSecond", "lambdaRequest", "s3GetRequest"]);
    // With duration free, each Lambda step costs exactly its one request.
    expect(report.cost.byService["lambda"]).toBeCloseTo(2 * 0.001, 15);
    expect(pricesFor("eu-west-1", prices).prices.lambdaGbSecond.arm64).toBe(0.0000133334);
  });

  it("rejects an unknown price name with INVALID_CONFIG", () => {
    let error: unknown;
    try {
      pricesFor("eu-west-1", { "eu-west-1": { lambdaSeconds: 1 } });
    } catch (e) {
      error = e;
    }
    expect(GlacierError.is(error) && error.code).toBe("INVALID_CONFIG");
    expect((error as Error).message).toMatchInlineSnapshot(
      `"option "prices": prices.eu-west-1.lambdaSeconds is not a price this analyzer knows. Write prices: { "eu-west-1": { lambdaRequest: 0.0000002 } } or prices: { "*": { … } }, numbers in USD."`,
    );
  });
});
