import { readFileSync } from "node:fs";
import { setImmediate as tick } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import pl from "nodejs-polars";
import { LineageGraph, param, runGraph } from "@glacier/core";
import { readRun } from "@glacier/engine";
import { salesFrame, testProject, type TestProject } from "./fixtures/project.js";
import { decisions, rejection, statuses, stepOf } from "./fixtures/results.js";

let project: TestProject;
afterEach(() => project?.cleanup());

/** raw → a → aNext, and raw → b: two independent branches. */
function branches(
  p: TestProject,
  a: (df: pl.LazyDataFrame) => unknown,
  b: (df: pl.LazyDataFrame) => unknown,
) {
  const local = p.provider.local();
  const raw = p.provider.bucket({ bucket: "acme", path: "raw/sales.parquet" });
  const taskA = local.task(a as (df: pl.LazyDataFrame) => pl.LazyDataFrame, { name: "a" });
  const taskB = local.task(b as (df: pl.LazyDataFrame) => pl.LazyDataFrame, { name: "b" });
  const aNext = local.task(function aNext(df: pl.LazyDataFrame) {
    return df.select(pl.len());
  });
  const outA = raw.transform(taskA).to(p.provider.bucket({ bucket: "acme", path: "a.parquet" }));
  return LineageGraph.from([
    outA.transform(aNext).to(p.provider.bucket({ bucket: "acme", path: "a-next.parquet" })),
    raw.transform(taskB).to(p.provider.bucket({ bucket: "acme", path: "b.parquet" })),
  ]);
}

describe("failure semantics", () => {
  it("lets independent branches finish and marks the failed step's downstream not-run", async () => {
    project = testProject();
    project.write("acme", "raw/sales.parquet", salesFrame(50));
    const graph = branches(
      project,
      () => {
        throw new Error("boom");
      },
      (df) => df.head(5),
    );
    const result = await runGraph(graph, { mode: "local", projectDir: project.dir, concurrency: 1 });
    expect(result.status).toBe("failed");
    expect(statuses(result)).toEqual([
      ["a", "failed", "never ran"],
      ["aNext", "not-run", "upstream failed"],
      ["b", "succeeded", "never ran"],
    ]);
    expect(stepOf(result, "aNext").error).toBe('not run: upstream step "a" failed.');
    expect(Object.keys(project.files())).toEqual(["acme/b.parquet", "acme/raw/sales.parquet"]);
    const record = await readRun(result.runId, { projectDir: project.dir });
    expect(record.status).toBe("failed");
    expect(record.steps.find((s) => s.name === "a")?.code).toBe("TASK_FAILED");
  });

  it("says a step that failed last time failed, rather than that it never ran", async () => {
    project = testProject();
    project.write("acme", "raw/sales.parquet", salesFrame(20));
    let broken = true;
    const graph = branches(
      project,
      (df) => {
        if (broken) throw new Error("boom");
        return df;
      },
      (df) => df.head(5),
    );
    const run = () => runGraph(graph, { mode: "local", projectDir: project.dir, concurrency: 1 });
    await run();
    const plan = await runGraph(graph, { mode: "local", projectDir: project.dir, plan: true });
    expect(decisions(plan)).toEqual([
      ["a", "run", "failed last time"],
      ["aNext", "run", "never ran"],
      ["b", "skip", "up to date"],
    ]);
    expect(statuses(await run())).toEqual([
      ["a", "failed", "failed last time"],
      ["aNext", "not-run", "upstream failed"],
      ["b", "skipped", "up to date"],
    ]);
    broken = false;
    expect(statuses(await run())).toEqual([
      ["a", "succeeded", "failed last time"],
      ["aNext", "succeeded", "never ran"],
      ["b", "skipped", "up to date"],
    ]);
  });

  it("with failFast cancels running steps and starts no more", async () => {
    project = testProject();
    project.write("acme", "raw/sales.parquet", salesFrame(50));
    let aFailed!: () => void;
    const failure = new Promise<void>((resolve) => (aFailed = resolve));
    const graph = branches(
      project,
      () => {
        aFailed();
        throw new Error("boom");
      },
      async (df) => {
        await failure;
        await tick();
        return df.head(5);
      },
    );
    const result = await runGraph(graph, {
      mode: "local",
      projectDir: project.dir,
      concurrency: 2,
      failFast: true,
    });
    expect(statuses(result)).toEqual([
      ["a", "failed", "never ran"],
      ["aNext", "not-run", "upstream failed"],
      ["b", "not-run", "cancelled"],
    ]);
    expect(Object.keys(project.files())).toEqual(["acme/raw/sales.parquet"]);
  });

  it("retries a failing task with backoff and records the attempts", async () => {
    project = testProject();
    project.write("acme", "raw/sales.parquet", salesFrame(50));
    let calls = 0;
    const local = project.provider.local();
    const flaky = local.task(
      function flaky(df: pl.LazyDataFrame) {
        calls++;
        if (calls === 1) throw new Error("connection reset");
        return df;
      },
      { retries: 2 },
    );
    const raw = project.provider.bucket({ bucket: "acme", path: "raw/sales.parquet" });
    const out = raw.transform(flaky).to(project.provider.bucket({ bucket: "acme", path: "out.parquet" }));
    const result = await out.run({ mode: "local", projectDir: project.dir });
    expect(result.status).toBe("succeeded");
    expect(calls).toBe(2);
    expect(stepOf(result, "flaky").attempts).toBe(2);
    const log = readFileSync((await readRun(result.runId, { projectDir: project.dir })).logPath, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { level: string; step?: string; msg: string });
    expect(log.find((l) => l.level === "error")).toMatchObject({
      step: "flaky",
      msg: "attempt 1/3 failed: the task threw: connection reset. Fix the task; its stack trace is in the run log.",
    });
  });

  it("does not retry a failure that a retry cannot fix", async () => {
    project = testProject();
    project.write("acme", "raw/sales.parquet", salesFrame(50));
    let calls = 0;
    const local = project.provider.local();
    const wrong = local.task(
      function wrong(df: pl.LazyDataFrame) {
        calls++;
        return df.collectSync() as unknown as pl.LazyDataFrame;
      },
      { retries: 3 },
    );
    const raw = project.provider.bucket({ bucket: "acme", path: "raw/sales.parquet" });
    const result = await raw
      .transform(wrong)
      .to(project.provider.bucket({ bucket: "acme", path: "out.parquet" }))
      .run({ mode: "local", projectDir: project.dir });
    expect(calls).toBe(1);
    expect(stepOf(result, "wrong").code).toBe("TASK_RESULT_INVALID");
  });
});

describe("resume", () => {
  it("reruns what failed and what depends on it, with the resumed run's parameters", async () => {
    project = testProject();
    project.write("acme", "raw/sales.parquet", salesFrame(100));
    let broken = true;
    const local = project.provider.local();
    const raw = project.provider.bucket({ bucket: "acme", path: "raw/sales.parquet" });
    const cleanIt = local.task(function cleanIt(df: pl.LazyDataFrame) {
      return df.filter(pl.col("amount").gt(0));
    });
    const top = local.task(
      function top(df: pl.LazyDataFrame, ctx) {
        if (broken) throw new Error("not yet");
        return df.sort("amount", true).head(ctx.params.n);
      },
      { params: { n: param.integer({ default: 10 }) } },
    );
    const report = raw
      .transform(cleanIt)
      .to(project.provider.bucket({ bucket: "acme", path: "clean.parquet" }))
      .transform(top)
      .to(project.provider.bucket({ bucket: "acme", path: "top.parquet" }));
    const first = await report.run({ mode: "local", projectDir: project.dir, params: { n: 3 } });
    expect(statuses(first)).toEqual([
      ["cleanIt", "succeeded", "never ran"],
      ["top", "failed", "never ran"],
    ]);
    broken = false;
    const resumed = await report.run({ mode: "local", projectDir: project.dir, resume: first.runId });
    expect(statuses(resumed)).toEqual([
      ["cleanIt", "skipped", "resumed"],
      ["top", "succeeded", "failed last time"],
    ]);
    expect(project.read("acme", "top.parquet").height).toBe(3);
    const record = await readRun(resumed.runId, { projectDir: project.dir });
    expect(record.resumeOf).toBe(first.runId);
    expect(record.params).toEqual({ n: 3 });
  });

  it("rejects an unknown run id", async () => {
    project = testProject();
    project.write("acme", "raw/sales.parquet", salesFrame(10));
    const local = project.provider.local();
    const copy = local.task(function copy(df: pl.LazyDataFrame) {
      return df;
    });
    const out = project.provider
      .bucket({ bucket: "acme", path: "raw/sales.parquet" })
      .transform(copy)
      .to(project.provider.bucket({ bucket: "acme", path: "out.parquet" }));
    const error = await rejection(() =>
      out.run({ mode: "local", projectDir: project.dir, resume: "20240101T000000Z-abcd" }),
    );
    expect(error.code).toBe("RUN_NOT_FOUND");
    expect(error.message.replace(project.dir, "<project>")).toMatchInlineSnapshot(
      `"run "20240101T000000Z-abcd": no run with this id in <project>/.glacier/runs. List recent runs with \`glacier runs\`."`,
    );
    expect(Object.keys(project.files())).toEqual(["acme/raw/sales.parquet"]);
  });
});
