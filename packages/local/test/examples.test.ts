import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { isBucket, LineageGraph, runGraph, type Bucket } from "@glacier/core";
import { resolveLocation } from "../src/index.js";
import { testProject, type TestProject } from "./fixtures/project.js";

const EXAMPLES = fileURLToPath(new URL("../../../examples/", import.meta.url));
const examples = readdirSync(EXAMPLES, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(EXAMPLES, d.name, "pipeline.ts")))
  .map((d) => d.name)
  .sort();

let project: TestProject;
afterEach(() => project?.cleanup());

describe("examples run locally on their sample data", () => {
  it("has examples to run", () => {
    expect(examples.length).toBeGreaterThan(0);
  });

  it.each(examples)("%s", async (name) => {
    project = testProject(`glacier-example-${name}-`);
    const sample = (await import(join(EXAMPLES, name, "sample-data.ts"))) as {
      writeSampleData(dir: string): string[];
    };
    sample.writeSampleData(project.data);
    const exports = (await import(join(EXAMPLES, name, "pipeline.ts"))) as Record<string, unknown>;
    const buckets = Object.fromEntries(Object.entries(exports).filter(([, v]) => isBucket(v))) as Record<
      string,
      Bucket
    >;
    const graph = LineageGraph.from(buckets).validate();
    const options = { mode: "local", projectDir: project.dir, localStorage: project.data } as const;

    const result = await runGraph(graph, options);
    expect(result.steps.filter((s) => s.status !== "succeeded")).toEqual([]);
    expect(result.status).toBe("succeeded");
    for (const sink of graph.sinks()) {
      const location = resolveLocation(sink, { localStorage: project.data });
      expect(location.kind === "file" && existsSync(location.path)).toBe(true);
    }
    for (const step of result.steps) expect(step.rows).toBeGreaterThan(0);

    const again = await runGraph(graph, options);
    expect(again.steps.map((s) => s.status)).toEqual(result.steps.map(() => "skipped"));
  });
});
