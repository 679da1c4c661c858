import { afterAll, describe, expect, it } from "vitest";
import { LineageGraph, Provider } from "@glacier/core";
import { analyzeGraph, DEFAULT_PRICES } from "../src/index.js";
import { fargateSizeFor } from "../src/container-advice.js";
import { fargateCost } from "../src/cost-formulas.js";
import { tempDir } from "./fixtures/examples.js";

const temp = tempDir("glacier-analyze-fargate-");
afterAll(() => temp.cleanup());

const prices = DEFAULT_PRICES["us-east-1"]!;

describe("Fargate's price", () => {
  it("bills vCPU-hours and GB-hours per second with a one-minute minimum, by architecture", () => {
    // 4 vCPU / 30 GB x86 for 30 min: 2 vCPU-h × $0.04048 + 15 GB-h × $0.004445
    const half = fargateCost(
      { cpu: 4, memory: 30, ephemeralStorage: 20, architecture: "x86_64" },
      1800,
      prices,
    );
    expect(half.map((i) => [i.service, i.unit, i.quantity])).toEqual([
      ["fargate", "vCPU-h", 2],
      ["fargate", "GB-h", 15],
    ]);
    expect(half.reduce((a, i) => a + i.usd, 0)).toBeCloseTo(2 * 0.04048 + 15 * 0.004445, 12);
    // 10 s is billed as 60 s; ARM is cheaper.
    const short = fargateCost({ cpu: 1, memory: 2, ephemeralStorage: 20, architecture: "arm64" }, 10, prices);
    expect(short[0]).toMatchObject({ quantity: 1 / 60, unitPriceUsd: 0.03238 });
    expect(short[1]).toMatchObject({ quantity: 2 / 60, unitPriceUsd: 0.00356 });
  });

  it("bills storage beyond the free 20 GB only", () => {
    const items = fargateCost(
      { cpu: 1, memory: 2, ephemeralStorage: 120, architecture: "x86_64" },
      3600,
      prices,
    );
    expect(items.at(-1)).toMatchObject({
      usage: "storage > 20 GB",
      quantity: 100,
      unit: "GB-h",
      unitPriceUsd: 0.000111,
    });
  });
});

describe("a container step in the analysis", () => {
  it("runs on ECS Fargate and is priced there, with its start-up time", async () => {
    const provider = new Provider({ cloud: "aws", region: "us-east-1" });
    const fargate = provider.container({ cpu: 2, memory: 8 });
    const raw = provider.bucket({ bucket: "acme-raw", path: "events.parquet", expectedSize: { bytes: 1e9 } });
    const out = provider.bucket({ bucket: "acme-raw", path: "clean.parquet" });
    const graph = LineageGraph.from({
      clean: raw.transform(fargate.sql("clean", "SELECT * FROM input")).to(out),
    });
    const { report } = await analyzeGraph(graph, { offline: true, projectDir: temp.dir });
    const step = report.steps[0]!;
    expect(step.runsOn).toBe("ecs-fargate");
    // 60 s start + 1e9 / (50e6 × 2 vCPU) = 70 s
    expect(step.duration).toMatchObject({ seconds: 70, vcpus: 2, basis: "default" });
    const fargate$ = step.cost.items.filter((i) => i.service === "fargate").reduce((a, i) => a + i.usd, 0);
    expect(fargate$).toBeCloseTo((70 / 3600) * (2 * 0.04048 + 8 * 0.004445), 12);
    expect(report.resources?.counts).toMatchObject({ ecsClusters: 1, taskDefinitions: 1, logGroups: 1 });
    expect(report.resources?.items.find((i) => i.type === "task-definition")?.config).toEqual({
      architecture: "x86_64",
      cpu: 2,
      ephemeralStorage: 20,
      memory: 8,
      step: step.id,
      timeout: 3600,
    });
  });
});

describe("container() advice", () => {
  const analyse = async (bytes: number, memory = 10240, timeout = 900) => {
    const provider = new Provider({ cloud: "aws", region: "us-east-1" });
    const lambda = provider.serverless({ memory, timeout });
    const raw = provider.bucket({ bucket: "acme-raw", path: "events.parquet", expectedSize: { bytes } });
    const out = provider.bucket({ bucket: "acme-raw", path: "joined.parquet" });
    const graph = LineageGraph.from({
      big: raw.transform(lambda.sql("bigJoin", "SELECT * FROM input")).to(out),
    });
    return (await analyzeGraph(graph, { offline: true, projectDir: temp.dir })).report.notes;
  };

  it("recommends a Fargate size when a serverless step's memory estimate exceeds Lambda's 10,240 MB", async () => {
    // 4 GB of Parquet: 300 MB + 4 × 3815 MiB ≈ 15,559 MB; 10240 MB ≈ 5.79 vCPU → 2 + 4e9 / 2.9e8 ≈ 16 s
    const notes = await analyse(4e9);
    expect(notes.filter((n) => n.includes("provider.container"))).toEqual([
      "bigJoin: estimated 15,559 MB of memory exceeds Lambda's 10,240 MB — run it on provider.container({ cpu: 2, memory: 16 }) (ECS on Fargate): the task needs no change.",
    ]);
  });

  it("recommends it when the duration estimate exceeds Lambda's 900 s", async () => {
    // 1 GB at 128 MB of memory: 0.072 vCPU → 2 + 1e9 / 3.62e6 ≈ 278 s; 4 GB: 2 + 4e9 / 3.62e6 ≈ 1108 s
    const notes = await analyse(1e9, 128, 900);
    expect(notes.some((n) => n.includes("provider.container"))).toBe(false);
    const slow = await analyse(4e9, 128, 900);
    expect(slow.find((n) => n.includes("provider.container"))).toBe(
      "bigJoin: estimated 15,559 MB of memory exceeds Lambda's 10,240 MB and estimated 1108 s exceeds Lambda's 900 s limit — run it on provider.container({ cpu: 2, memory: 16 }) (ECS on Fargate): the task needs no change.",
    );
  });

  it("says nothing for a step that fits Lambda", async () => {
    expect((await analyse(1e8)).some((n) => n.includes("provider.container"))).toBe(false);
  });

  it("picks the smallest Fargate size that holds the memory", () => {
    expect(fargateSizeFor(400)).toEqual({ cpu: 0.25, memory: 0.5 });
    expect(fargateSizeFor(10_241)).toEqual({ cpu: 2, memory: 11 });
    expect(fargateSizeFor(40_000)).toEqual({ cpu: 8, memory: 40 });
    expect(fargateSizeFor(500_000)).toEqual({ cpu: 16, memory: 120 });
  });
});
