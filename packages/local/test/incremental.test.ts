import { existsSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import pl from "nodejs-polars";
import { Pipeline, param } from "@glacier/core";
import { salesFrame, testProject, type TestProject } from "./fixtures/project.js";
import { statuses } from "./fixtures/results.js";

let project: TestProject;
afterEach(() => project?.cleanup());

/** raw → clean (drop refunds) → byRegion; plus an independent raw → count branch. */
function build(p: TestProject, variant: { clean?: "v1" | "v2"; region?: "plain" | "rounded" } = {}) {
  const local = p.provider.local();
  const raw = p.provider.bucket({ bucket: "acme", path: "raw/sales.parquet" });
  const clean = p.provider.bucket({ bucket: "acme", path: "clean/sales.parquet" });
  const regions = p.provider.bucket({ bucket: "acme", path: "reports/regions.parquet" });
  const cleanSales =
    variant.clean === "v2"
      ? local.task(function cleanSales(df: pl.LazyDataFrame) {
          return df.filter(pl.col("amount").gt(0)).sort("order_id");
        })
      : local.task(function cleanSales(df: pl.LazyDataFrame) {
          return df.filter(pl.col("amount").gt(0));
        });
  const byRegion = local.task(
    function byRegion(df: pl.LazyDataFrame, ctx) {
      return df
        .filter(pl.col("amount").gtEq(ctx.params.min))
        .groupBy("region")
        .agg(pl.col("amount").sum().alias("total"))
        .sort("region");
    },
    { params: { min: param.number({ default: 0 }) } },
  );
  return raw.transform(cleanSales).to(clean).transform(byRegion).to(regions);
}

const run = (p: TestProject, report: ReturnType<typeof build>, options: Record<string, unknown> = {}) =>
  report.run({ mode: "local", projectDir: p.dir, ...options });

describe("incremental runs", () => {
  it("skips every step of an unchanged pipeline", async () => {
    project = testProject();
    project.write("acme", "raw/sales.parquet", salesFrame(200));
    expect(statuses(await run(project, build(project)))).toEqual([
      ["cleanSales", "succeeded", "never ran"],
      ["byRegion", "succeeded", "never ran"],
    ]);
    const files = project.files();
    const again = await run(project, build(project));
    expect(statuses(again)).toEqual([
      ["cleanSales", "skipped", "up to date"],
      ["byRegion", "skipped", "up to date"],
    ]);
    expect(again.status).toBe("succeeded");
    expect(project.files()).toEqual(files);
  });

  it("reruns a step whose code changed, and its consumer only if the output changed", async () => {
    project = testProject();
    project.write("acme", "raw/sales.parquet", salesFrame(200));
    await run(project, build(project));
    // v2 sorts by order_id: the rows are already in that order, so the output is byte-identical.
    const result = await run(project, build(project, { clean: "v2" }));
    expect(statuses(result)).toEqual([
      ["cleanSales", "succeeded", "code changed"],
      ["byRegion", "skipped", "up to date"],
    ]);
  });

  it("reruns what reads a changed input; a touched but identical input changes nothing", async () => {
    project = testProject();
    const source = project.write("acme", "raw/sales.parquet", salesFrame(200));
    await run(project, build(project));
    utimesSync(source, new Date(2030, 0, 1), new Date(2030, 0, 1));
    expect(statuses(await run(project, build(project)))).toEqual([
      ["cleanSales", "skipped", "up to date"],
      ["byRegion", "skipped", "up to date"],
    ]);
    project.write("acme", "raw/sales.parquet", salesFrame(300));
    expect(statuses(await run(project, build(project)))).toEqual([
      ["cleanSales", "succeeded", "input changed"],
      ["byRegion", "succeeded", "input changed"],
    ]);
  });

  it("reruns a step whose parameters changed, and only that step", async () => {
    project = testProject();
    project.write("acme", "raw/sales.parquet", salesFrame(200));
    await run(project, build(project));
    const result = await run(project, build(project), { params: { min: "50" } });
    expect(statuses(result)).toEqual([
      ["cleanSales", "skipped", "up to date"],
      ["byRegion", "succeeded", "parameters changed"],
    ]);
    expect(project.read("acme", "reports/regions.parquet").getColumn("total").min()).toBeGreaterThan(0);
  });

  it("rebuilds a deleted output", async () => {
    project = testProject();
    project.write("acme", "raw/sales.parquet", salesFrame(200));
    await run(project, build(project));
    rmSync(project.path("acme", "reports/regions.parquet"));
    expect(statuses(await run(project, build(project)))).toEqual([
      ["cleanSales", "skipped", "up to date"],
      ["byRegion", "succeeded", "output missing"],
    ]);
  });

  it("rebuilds an output whose content is not what its step wrote, and keeps an output only touched", async () => {
    project = testProject();
    project.write("acme", "raw/sales.parquet", salesFrame(200));
    await run(project, build(project));
    const clean = project.path("acme", "clean/sales.parquet");
    const written = readFileSync(clean);
    // Touched, same bytes (a copy back, a restore from backup): still up to date, hashed once to tell.
    writeFileSync(clean, written);
    expect(statuses(await run(project, build(project)))).toEqual([
      ["cleanSales", "skipped", "up to date"],
      ["byRegion", "skipped", "up to date"],
    ]);
    // Replaced by other data (an edit by hand, or bytes lost to a power cut): rebuilt. Its rebuilt output is
    // byte-identical to what byRegion read, so byRegion stays up to date.
    project.write("acme", "clean/sales.parquet", salesFrame(3));
    expect(statuses(await run(project, build(project)))).toEqual([
      ["cleanSales", "succeeded", "output changed"],
      ["byRegion", "skipped", "up to date"],
    ]);
    expect(readFileSync(clean).equals(written)).toBe(true);
  });

  it("reruns every step with force", async () => {
    project = testProject();
    project.write("acme", "raw/sales.parquet", salesFrame(200));
    await run(project, build(project));
    expect(statuses(await run(project, build(project), { force: true }))).toEqual([
      ["cleanSales", "succeeded", "forced"],
      ["byRegion", "succeeded", "forced"],
    ]);
  });

  it("reruns a step whose output schema (an option) changed", async () => {
    project = testProject();
    project.write("acme", "raw/sales.parquet", salesFrame(50));
    const local = project.provider.local();
    const raw = project.provider.bucket({ bucket: "acme", path: "raw/sales.parquet" });
    const copy = local.task(function copy(df: pl.LazyDataFrame) {
      return df.select("order_id", "amount");
    });
    const plain = project.provider.bucket({ bucket: "acme", path: "out.parquet" });
    const typed = project.provider.bucket({
      bucket: "acme",
      path: "out.parquet",
      schema: { order_id: "int64", amount: "float64" },
    });
    await raw.transform(copy).to(plain).run({ mode: "local", projectDir: project.dir });
    const result = await raw.transform(copy).to(typed).run({ mode: "local", projectDir: project.dir });
    expect(statuses(result)).toEqual([["copy", "succeeded", "options changed"]]);
  });

  it("runs a named pipeline with the upstream steps it needs", async () => {
    project = testProject();
    project.write("acme", "raw/sales.parquet", salesFrame(100));
    const local = project.provider.local();
    const raw = project.provider.bucket({ bucket: "acme", path: "raw/sales.parquet" });
    const clean = project.provider.bucket({ bucket: "acme", path: "clean.parquet" });
    const a = project.provider.bucket({ bucket: "acme", path: "a.parquet" });
    const b = project.provider.bucket({ bucket: "acme", path: "b.parquet" });
    const cleanIt = local.task(function cleanIt(df: pl.LazyDataFrame) {
      return df.filter(pl.col("amount").gt(0));
    });
    const countA = local.task(function countA(df: pl.LazyDataFrame) {
      return df.select(pl.len().alias("n"));
    });
    const sumB = local.task(function sumB(df: pl.LazyDataFrame) {
      return df.select(pl.col("amount").sum());
    });
    const cleaned = raw.transform(cleanIt).to(clean).withName("cleaning");
    const pa = cleaned.transform(countA).to(a).withName("pa");
    const pb = cleaned.transform(sumB).to(b).withName("pb");
    const { runGraph, LineageGraph } = await import("@glacier/core");
    const graph = LineageGraph.from({ cleaned, pa, pb });
    const result = await runGraph(graph, { mode: "local", projectDir: project.dir, pipeline: "pb" });
    expect(statuses(result)).toEqual([
      ["cleanIt", "succeeded", "never ran"],
      ["sumB", "succeeded", "never ran"],
    ]);
    expect(existsSync(project.path("acme", "a.parquet"))).toBe(false);
  });

  it("multi-source steps fingerprint every input", async () => {
    project = testProject();
    project.write("acme", "raw/sales.parquet", salesFrame(100));
    project.write(
      "acme",
      "raw/regions.csv",
      pl.DataFrame({ region: ["north", "south", "east", "west"], manager: ["a", "b", "c", "d"] }),
    );
    const local = project.provider.local();
    const sales = project.provider.bucket({ bucket: "acme", path: "raw/sales.parquet" });
    const regions = project.provider.bucket({ bucket: "acme", path: "raw/regions.csv" });
    const joined = project.provider.bucket({ bucket: "acme", path: "joined.parquet" });
    const attach = local.task(function attach({
      sales,
      regions,
    }: {
      sales: pl.LazyDataFrame;
      regions: pl.LazyDataFrame;
    }) {
      return sales.join(regions, { on: "region" }).sort("order_id");
    });
    const out = Pipeline({ sales, regions }).transform(attach).to(joined);
    await out.run({ mode: "local", projectDir: project.dir });
    expect(project.read("acme", "joined.parquet").columns).toEqual([
      "order_id",
      "region",
      "day",
      "amount",
      "manager",
    ]);
    project.write(
      "acme",
      "raw/regions.csv",
      pl.DataFrame({ region: ["north", "south", "east", "west"], manager: ["a", "b", "c", "z"] }),
    );
    const again = await out.run({ mode: "local", projectDir: project.dir });
    expect(statuses(again)).toEqual([["attach", "succeeded", "input changed"]]);
    expect(readdirSync(join(project.dir, ".glacier", "state", "local")).length).toBe(1);
  });
});
