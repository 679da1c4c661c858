import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import pl from "nodejs-polars";
import { INLINE_INPUT_BYTES, INLINE_RECORDED_MS } from "../src/attempt-step.js";
import { WorkerPool } from "../src/worker-pool.js";
import { salesFrame, testProject, type TestProject } from "./fixtures/project.js";
import { statuses } from "./fixtures/results.js";

let project: TestProject;
afterEach(() => project?.cleanup());

const threads = WorkerPool.shared("thread");
const processes = WorkerPool.shared("process");

/** `acme/raw/sales.parquet` → `clean` → `acme/clean.parquet`; with a timeout, its query runs in a child process. */
function cleanPipeline(p: TestProject, options: { readonly timeout?: number } = {}) {
  const clean = p.provider.local().task(function clean(df: pl.LazyDataFrame) {
    return df
      .filter(pl.col("amount").gt(0))
      .withColumns(pl.col("amount").mul(2).alias("doubled"))
      .sort("order_id");
  }, options);
  return p.provider
    .bucket({ bucket: "acme", path: "raw/sales.parquet" })
    .transform(clean)
    .to(p.provider.bucket({ bucket: "acme", path: "clean.parquet" }));
}

describe("a lone step over tiny inputs", () => {
  it("runs its query on the main thread, writing the bytes a worker writes", async () => {
    project = testProject();
    const input = project.write("acme", "raw/sales.parquet", salesFrame(2000));
    expect(readFileSync(input).byteLength).toBeLessThan(INLINE_INPUT_BYTES);

    const jobs = threads.jobs;
    const inline = await cleanPipeline(project).run({ mode: "local", projectDir: project.dir });
    expect(statuses(inline)).toEqual([["clean", "succeeded", "never ran"]]);
    expect(threads.jobs - jobs).toBe(0);
    const onMainThread = project.hashes()["acme/clean.parquet"];

    // The same plan in a child process (a task with a timeout never runs on the main thread): the same bytes,
    // so where a step ran never makes its consumers rerun.
    project.cleanup();
    project = testProject();
    project.write("acme", "raw/sales.parquet", salesFrame(2000));
    const processJobs = processes.jobs;
    const isolated = await cleanPipeline(project, { timeout: 60 }).run({
      mode: "local",
      projectDir: project.dir,
    });
    expect(statuses(isolated)).toEqual([["clean", "succeeded", "never ran"]]);
    expect(processes.jobs - processJobs).toBe(1);
    expect(project.hashes()["acme/clean.parquet"]).toBe(onMainThread);
    expect(project.read("acme", "clean.parquet").height).toBeGreaterThan(0);
  }, 90_000);

  it("goes to a worker when its inputs are larger, its plan has a join, or its last run was slow", async () => {
    project = testProject();
    // Larger than the limit: a worker thread.
    project.write("acme", "raw/sales.parquet", salesFrame(40_000));
    expect(readFileSync(project.path("acme", "raw/sales.parquet")).byteLength).toBeGreaterThan(
      INLINE_INPUT_BYTES,
    );
    let jobs = threads.jobs;
    expect(statuses(await cleanPipeline(project).run({ mode: "local", projectDir: project.dir }))).toEqual([
      ["clean", "succeeded", "never ran"],
    ]);
    expect(threads.jobs - jobs).toBe(1);
    project.cleanup();

    // Tiny inputs, but a join (a cross join here: 16M rows from 4,000): a worker, from the first run.
    project = testProject();
    project.write("acme", "raw/sales.parquet", salesFrame(4000));
    const cross = project.provider.local().task(function cross(df: pl.LazyDataFrame) {
      const keys = df.select(pl.col("order_id").alias("k"));
      return df
        .join(keys, { how: "cross" })
        .groupBy(pl.col("k").modulo(5).alias("g"))
        .agg(pl.col("amount").mul(pl.col("k")).sum().alias("total"))
        .sort("g");
    });
    jobs = threads.jobs;
    const crossed = await project.provider
      .bucket({ bucket: "acme", path: "raw/sales.parquet" })
      .transform(cross)
      .to(project.provider.bucket({ bucket: "acme", path: "cross.parquet" }))
      .run({ mode: "local", projectDir: project.dir });
    expect(statuses(crossed)).toEqual([["cross", "succeeded", "never ran"]]);
    expect(threads.jobs - jobs).toBe(1);
    expect(project.read("acme", "cross.parquet").height).toBe(5);
    project.cleanup();

    // A step whose last run was slow (5M rows then) goes to a worker though its input is tiny now.
    project = testProject();
    const ids = (n: number) =>
      pl.DataFrame({
        id: Array.from({ length: n }, (_, i) => (i * 7919) % n),
        v: Array.from({ length: n }, (_, i) => i),
      });
    project.write("acme", "raw/ids.parquet", ids(5_000_000));
    const ordered = () => {
      const order = project.provider.local().task(function order(df: pl.LazyDataFrame) {
        return df.sort("id").withColumns(pl.col("v").cumSum().alias("running"));
      });
      return project.provider
        .bucket({ bucket: "acme", path: "raw/ids.parquet" })
        .transform(order)
        .to(project.provider.bucket({ bucket: "acme", path: "ordered.parquet" }));
    };
    const slow = await ordered().run({ mode: "local", projectDir: project.dir });
    expect(statuses(slow)).toEqual([["order", "succeeded", "never ran"]]);
    expect(slow.steps[0]?.durationMs).toBeGreaterThan(INLINE_RECORDED_MS);
    project.write("acme", "raw/ids.parquet", ids(100));
    jobs = threads.jobs;
    const small = await ordered().run({ mode: "local", projectDir: project.dir });
    expect(statuses(small)).toEqual([["order", "succeeded", "input changed"]]);
    expect(threads.jobs - jobs).toBe(1);
    expect(project.read("acme", "ordered.parquet").getColumn("running").toArray().at(-1)).toBe(4950);
  }, 120_000);
});
