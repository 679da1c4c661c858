import { afterAll, describe, expect, it } from "vitest";
import { runGraph } from "@glacier/core";
import { analyzeGraph, renderAnalysis } from "../src/index.js";
import { EXAMPLE_NAMES, loadExample, tempDir } from "./fixtures/examples.js";

const temp = tempDir("glacier-analyze-examples-");
afterAll(() => temp.cleanup());

/** Temporary paths vary per run; the snapshot shows them as <data>. */
const stable = (text: string) => text.replaceAll(temp.dir, "<tmp>");

describe.each(EXAMPLE_NAMES)("the %s example, with its sample data in local storage", (name) => {
  it("renders as a text table and as JSON", async () => {
    const data = `${temp.dir}/${name}-data`;
    const graph = await loadExample(name, data);
    // An empty project directory: no recorded runs, so every estimate uses the defaults.
    const analysis = await analyzeGraph(graph, {
      localStorage: data,
      projectDir: `${temp.dir}/${name}-project`,
    });

    expect(stable(renderAnalysis(analysis, "text"))).toMatchSnapshot("text");
    expect(stable(renderAnalysis(analysis, "json"))).toMatchSnapshot("json");

    const report = analysis.report;
    // Sources were read from disk; nothing is unknown.
    for (const bucket of graph.sources()) {
      const step = report.steps.find((s) => s.inputs.some((i) => i.bucket === bucket.id));
      expect(step?.inputs.find((i) => i.bucket === bucket.id)?.size.source).toBe("measured");
    }
    expect(report.cost.complete).toBe(true);
    expect(report.steps.every((s) => s.duration.basis === "default")).toBe(true);
    // The resources are the infrastructure plan's: one function per serverless step, one application per spark step.
    const kinds = graph.steps.map((s) => s.task.executor.kind);
    expect(report.resources?.counts["functions"]).toBe(kinds.filter((k) => k === "serverless").length);
    expect(report.resources?.counts["emrApplications"]).toBe(kinds.filter((k) => k === "spark").length);
    // JSON is the same object, rounded and key-sorted, and renders identically twice.
    expect(renderAnalysis(analysis.toJSON(), "json")).toBe(renderAnalysis(analysis, "json"));
  });
});

describe('run({ mode: "analyze" })', () => {
  it("loads this package through core and returns an Analysis", async () => {
    const graph = await loadExample("simple", null);
    const analysis = await runGraph(graph, { mode: "analyze", offline: true, projectDir: temp.dir });
    expect(analysis.estimatedCost().totalUsd).toBeGreaterThan(0);
    // Offline without declared sizes, durations are unknown rather than guessed.
    expect(analysis.estimatedDuration()).toMatchObject({ totalSeconds: 0, complete: false });
    expect(Object.keys(analysis.resourceSummary()).sort()).toEqual([
      "artefact-bucket",
      "bucket",
      "function",
      "layer",
      "log-group",
      "role",
      "state-machine",
    ]);
  });
});
