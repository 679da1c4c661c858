import { afterEach, describe, expect, it } from "vitest";
import type pl from "nodejs-polars";
import { LineageGraph, runGraph } from "@glacier/core";
import { readRun } from "@glacier/engine";
import { salesFrame, testProject, type TestProject } from "./fixtures/project.js";
import { statuses } from "./fixtures/results.js";

let project: TestProject;
afterEach(() => project?.cleanup());

/** Two independent steps; `first` waits until `second` has been called. */
function waitingPair(p: TestProject, secondCalled: Promise<void>, markSecond: () => void) {
  const local = p.provider.local();
  const raw = p.provider.bucket({ bucket: "acme", path: "raw/sales.parquet" });
  const first = local.task(async function first(df: pl.LazyDataFrame) {
    await secondCalled;
    return df.head(10);
  });
  const second = local.task(function second(df: pl.LazyDataFrame) {
    markSecond();
    return df.tail(10);
  });
  return LineageGraph.from([
    raw.transform(first).to(p.provider.bucket({ bucket: "acme", path: "first.parquet" })),
    raw.transform(second).to(p.provider.bucket({ bucket: "acme", path: "second.parquet" })),
  ]);
}

describe("concurrency", () => {
  it("runs independent steps at the same time", async () => {
    project = testProject();
    project.write("acme", "raw/sales.parquet", salesFrame(100));
    let mark!: () => void;
    const called = new Promise<void>((resolve) => (mark = resolve));
    // `first` can only finish because `second` starts while it runs.
    const result = await runGraph(waitingPair(project, called, mark), {
      mode: "local",
      projectDir: project.dir,
      concurrency: 2,
    });
    expect(statuses(result)).toEqual([
      ["first", "succeeded", "never ran"],
      ["second", "succeeded", "never ran"],
    ]);
  });

  it("runs one step at a time with concurrency 1", async () => {
    project = testProject();
    project.write("acme", "raw/sales.parquet", salesFrame(100));
    const local = project.provider.local();
    const raw = project.provider.bucket({ bucket: "acme", path: "raw/sales.parquet" });
    const graph = LineageGraph.from(
      ["a", "b", "c"].map((name) =>
        raw
          .transform(local.task((df: pl.LazyDataFrame) => df.head(5), { name }))
          .to(project.provider.bucket({ bucket: "acme", path: `${name}.parquet` })),
      ),
    );
    const result = await runGraph(graph, { mode: "local", projectDir: project.dir, concurrency: 1 });
    const steps = (await readRun(result.runId, { projectDir: project.dir })).steps;
    // The record lists steps in execution order; one at a time means no two spans overlap.
    const spans = steps
      .map((s) => [Date.parse(s.startedAt as string), Date.parse(s.finishedAt as string)] as const)
      .sort((x, y) => x[0] - y[0]);
    for (let i = 1; i < spans.length; i++) {
      expect(spans[i]?.[0]).toBeGreaterThanOrEqual(spans[i - 1]?.[1] as number);
    }
    expect(steps.map((s) => s.status)).toEqual(["succeeded", "succeeded", "succeeded"]);
  });

  it("admits steps against the memory budget: estimated from input bytes, then from recorded peaks", async () => {
    project = testProject();
    project.write("acme", "raw/sales.parquet", salesFrame(100));
    const local = project.provider.local();
    const raw = project.provider.bucket({ bucket: "acme", path: "raw/sales.parquet" });
    const graph = LineageGraph.from(
      ["a", "b", "c"].map((name) =>
        raw
          .transform(local.task((df: pl.LazyDataFrame) => df.head(5), { name }))
          .to(project.provider.bucket({ bucket: "acme", path: `${name}.parquet` })),
      ),
    );
    // Every step is expected to need more than one byte: they run one at a time, whatever the concurrency.
    const result = await runGraph(graph, {
      mode: "local",
      projectDir: project.dir,
      concurrency: 3,
      memoryBudget: 1,
    });
    const steps = (await readRun(result.runId, { projectDir: project.dir })).steps;
    const spans = steps
      .map((s) => [Date.parse(s.startedAt as string), Date.parse(s.finishedAt as string)] as const)
      .sort((x, y) => x[0] - y[0]);
    for (let i = 1; i < spans.length; i++) {
      expect(spans[i]?.[0]).toBeGreaterThanOrEqual(spans[i - 1]?.[1] as number);
    }
    // What the next run admits them against.
    for (const step of steps) expect(step.peakMemoryBytes).toBeTypeOf("number");
  });

  it("rejects a memory budget that is not a whole number of bytes of at least 1", async () => {
    project = testProject();
    project.write("acme", "raw/sales.parquet", salesFrame(10));
    const local = project.provider.local();
    const raw = project.provider.bucket({ bucket: "acme", path: "raw/sales.parquet" });
    const copy = local.task(function copy(df: pl.LazyDataFrame) {
      return df;
    });
    const out = raw.transform(copy).to(project.provider.bucket({ bucket: "acme", path: "out.parquet" }));
    await expect(
      out.run({ mode: "local", projectDir: project.dir, memoryBudget: 0.5 }),
    ).rejects.toMatchObject({
      code: "INVALID_OPTION",
      message:
        'option "memoryBudget": 0.5 is not a whole number of bytes ≥ 1. Pass memoryBudget in bytes (for example 8 * 2 ** 30 for 8 GiB), or leave it out to admit steps against the largest step\'s expected peak.',
    });
    expect(Object.keys(project.files())).toEqual(["acme/raw/sales.parquet"]);
  });

  it("rejects a concurrency that is not a whole number of at least 1", async () => {
    project = testProject();
    project.write("acme", "raw/sales.parquet", salesFrame(10));
    const local = project.provider.local();
    const raw = project.provider.bucket({ bucket: "acme", path: "raw/sales.parquet" });
    const copy = local.task(function copy(df: pl.LazyDataFrame) {
      return df;
    });
    const out = raw.transform(copy).to(project.provider.bucket({ bucket: "acme", path: "out.parquet" }));
    await expect(out.run({ mode: "local", projectDir: project.dir, concurrency: 0 })).rejects.toMatchObject({
      code: "INVALID_OPTION",
      message: 'option "concurrency": 0 is not a whole number ≥ 1. Pass --concurrency 1 or more.',
    });
    expect(Object.keys(project.files())).toEqual(["acme/raw/sales.parquet"]);
  });
});
