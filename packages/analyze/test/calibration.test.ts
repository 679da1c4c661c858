import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runGraph, type LineageGraph } from "@glacier/core";
import { readRun, type RunRecord } from "@glacier/engine";
import { analyzeGraph, renderAnalysis, type AnalysisReport } from "../src/index.js";
import { loadExample, tempDir } from "./fixtures/examples.js";

const temp = tempDir("glacier-analyze-calibration-");
const data = join(temp.dir, "data");
const project = join(temp.dir, "project");
let graph: LineageGraph;
let run: RunRecord;
let report: AnalysisReport;

beforeAll(async () => {
  graph = await loadExample("simple", data);
  // A real recorded run of the simple example with the local executor.
  const result = await runGraph(graph, { mode: "local", projectDir: project, localStorage: data });
  expect(result.status).toBe("succeeded");
  run = await readRun(result.runId, { projectDir: project });
  // Remove the outputs, so their sizes must come from the run record rather than from storage.
  rmSync(join(data, "glacier-example-sales", "clean"), { recursive: true });
  rmSync(join(data, "glacier-example-sales", "reports"), { recursive: true });
  report = (await analyzeGraph(graph, { projectDir: project, localStorage: data })).report;
});
afterAll(() => temp.cleanup());

describe("calibration from a recorded local run", () => {
  it("scales each step's recorded duration by its vCPUs and adds the executor's start-up", () => {
    const recorded = (name: string) => run.steps.find((s) => s.name === name) as RunRecord["steps"][number];
    const [clean, daily] = report.steps;
    // cleanSales ran locally on one vCPU; on Lambda at 2048 MB it has 2048 / 1769 vCPUs, plus a 2 s cold start.
    const cleanMs = recorded("cleanSales").durationMs as number;
    expect(clean?.duration).toMatchObject({
      basis: "calibrated",
      calibratedFrom: run.runId,
      startupSeconds: 2,
    });
    expect(clean?.duration.seconds).toBeCloseTo(2 + cleanMs / 1000 / (2048 / 1769), 9);
    // dailyRevenue is local: the recorded time itself (same input size).
    expect(daily?.duration.seconds).toBeCloseTo((recorded("dailyRevenue").durationMs as number) / 1000, 9);
  });

  it("takes output sizes from the record", () => {
    const [clean, daily] = report.steps;
    expect(clean?.output.size).toMatchObject({ bytes: run.steps[0]?.bytes, source: "calibrated" });
    expect(daily?.inputs[0]?.size.source).toBe("calibrated");
    expect(daily?.output.size).toMatchObject({ bytes: run.steps[1]?.bytes, source: "calibrated" });
  });

  it("says which figures are calibrated in the text", () => {
    const text = renderAnalysis(report, "text");
    expect(text).toMatch(
      /cleanSales\s+lambda\s+0\s+[\d.]+ KiB \(measured\)\s+[\d.]+ KiB \(calibrated\)\s+[\d.]+ s \(calibrated\)/,
    );
  });
});
