import { describe, expect, it } from "vitest";
import { LineageGraph, Pipeline, Provider } from "@glacier/core";
import { analyzeGraph, criticalPath } from "../src/index.js";
import { tempDir } from "./fixtures/examples.js";

/**
 * A diamond: raw → a → x; x → b → y (small Lambda, slow); x → c → z (large Lambda, fast); {y, z} → d → out.
 * Every size is declared (1 GB source; outputs keep their size).
 */
function diamond(): LineageGraph {
  const provider = new Provider({ cloud: "aws", region: "us-east-1" });
  const small = provider.serverless({ memory: 1769, timeout: 900 });
  const large = provider.serverless({ memory: 10240, timeout: 900 });
  const bucket = (path: string) => provider.bucket({ bucket: "acme-lake", path });
  const raw = provider.bucket({ bucket: "acme-lake", path: "raw.parquet", expectedSize: { bytes: 1e9 } });
  const x = raw.transform(large.sql("a", "SELECT * FROM input")).to(bucket("x.parquet"));
  const y = x.transform(small.sql("b", "SELECT * FROM input")).to(bucket("y.parquet"));
  const z = x.transform(large.sql("c", "SELECT * FROM input")).to(bucket("z.parquet"));
  const out = Pipeline({ y, z })
    .transform(large.sql("d", "SELECT * FROM y JOIN z USING (id)"))
    .to(bucket("out.parquet"))
    .withName("diamond");
  return LineageGraph.from({ out });
}

const temp = tempDir("glacier-analyze-diamond-");

describe("the critical path through a diamond", () => {
  it("follows the slower branch; levels show what runs in parallel", () => {
    const graph = diamond();
    const id = (name: string) => graph.step(name).id;
    const result = criticalPath(
      graph,
      new Map([
        [id("a"), 10],
        [id("b"), 5],
        [id("c"), 20],
        [id("d"), 1],
      ]),
    );
    // a → c → d = 10 + 20 + 1 = 31 s; one at a time 36 s.
    expect(result.criticalPath).toEqual([id("a"), id("c"), id("d")]);
    expect(result.totalSeconds).toBe(31);
    expect(result.sequentialSeconds).toBe(36);
    expect(result.levels).toEqual([
      { level: 0, steps: [id("a")], seconds: 10 },
      { level: 1, steps: [id("b"), id("c")], seconds: 20 },
      { level: 2, steps: [id("d")], seconds: 1 },
    ]);
  });

  it("an unknown duration makes the path incomplete", () => {
    const graph = diamond();
    const result = criticalPath(graph, new Map([[graph.step("a").id, null]]));
    expect(result.complete).toBe(false);
  });

  it("from the model: the 1-vCPU branch is the slow one", async () => {
    const graph = diamond();
    const { report } = await analyzeGraph(graph, { offline: true, projectDir: temp.dir });
    // b: 1769 MB = 1 vCPU → 2 s + 1e9 / 50e6 = 22 s; c: 10240 MB = 10240 / 1769 ≈ 5.79 vCPU → 2 + 1e9 / (50e6 × 5.79) ≈ 5.46 s
    const large = 50e6 * (10240 / 1769);
    const seconds = Object.fromEntries(report.steps.map((s) => [s.name, s.duration.seconds]));
    expect(seconds["b"]).toBeCloseTo(22, 9);
    expect(seconds["c"]).toBeCloseTo(2 + 1e9 / large, 9);
    expect(report.duration.criticalPath.map((s) => graph.step(s).name)).toEqual(["a", "b", "d"]);
    // d reads both branches: 2 GB on 5.79 vCPU.
    expect(seconds["d"]).toBeCloseTo(2 + 2e9 / large, 9);
    expect(report.duration.totalSeconds).toBeCloseTo((seconds["a"] ?? 0) + 22 + (seconds["d"] ?? 0), 9);
    temp.cleanup();
  });
});
