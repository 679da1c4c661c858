import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import pl from "nodejs-polars";
import { param } from "@glacier/core";
import { salesFrame, testProject, type TestProject } from "./fixtures/project.js";
import { statuses } from "./fixtures/results.js";

let project: TestProject;
afterEach(() => project?.cleanup());

function build(p: TestProject, cleanVersion: 1 | 2 = 1) {
  const local = p.provider.local();
  const raw = p.provider.bucket({ bucket: "acme", path: "raw/sales.parquet" });
  const clean = p.provider.bucket({ bucket: "acme", path: "clean/sales.parquet" });
  const regions = p.provider.bucket({ bucket: "acme", path: "reports/regions.parquet" });
  const days = p.provider.bucket({ bucket: "acme", path: "reports/days.parquet" });
  const cleanSales =
    cleanVersion === 1
      ? local.task(function cleanSales(df: pl.LazyDataFrame) {
          return df.filter(pl.col("amount").gt(0));
        })
      : local.task(function cleanSales(df: pl.LazyDataFrame) {
          return df.filter(pl.col("amount").gt(1));
        });
  const byRegion = local.task(function byRegion(df: pl.LazyDataFrame) {
    return df.groupBy("region").agg(pl.col("amount").sum()).sort("region");
  });
  const byDay = local.task(
    function byDay(df: pl.LazyDataFrame, ctx) {
      return df.groupBy("day").agg(pl.col("amount").sum()).sort("day").head(ctx.params.top);
    },
    { params: { top: param.integer({ default: 10 }) } },
  );
  const cleaned = raw.transform(cleanSales).to(clean);
  return [cleaned.transform(byRegion).to(regions), cleaned.transform(byDay).to(days)] as const;
}

async function plan(p: TestProject, cleanVersion: 1 | 2 = 1, options: Record<string, unknown> = {}) {
  const { LineageGraph, runGraph } = await import("@glacier/core");
  return runGraph(LineageGraph.from(build(p, cleanVersion)), {
    mode: "local",
    projectDir: p.dir,
    plan: true,
    ...options,
  });
}

async function run(p: TestProject) {
  const { LineageGraph, runGraph } = await import("@glacier/core");
  return runGraph(LineageGraph.from(build(p)), { mode: "local", projectDir: p.dir });
}

/** Every file of the project (data and .glacier) with size and mtime: a plan must change none. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else out[relative(dir, full)] = `${statSync(full).size}@${statSync(full).mtimeMs}`;
    }
  };
  walk(dir);
  return out;
}

describe("--plan", () => {
  it("says every step would run on a fresh project, and writes nothing", async () => {
    project = testProject();
    project.write("acme", "raw/sales.parquet", salesFrame(100));
    const before = snapshot(project.dir);
    const result = await plan(project);
    expect(result.status).toBe("succeeded");
    expect(result.recordPath).toBeUndefined();
    expect(statuses(result)).toEqual([
      ["cleanSales", "not-run", "never ran"],
      ["byDay", "not-run", "never ran"],
      ["byRegion", "not-run", "never ran"],
    ]);
    expect(snapshot(project.dir)).toEqual(before);
    expect(existsSync(join(project.dir, ".glacier"))).toBe(false);
  });

  it("says why each step would run or be skipped, without running anything", async () => {
    project = testProject();
    project.write("acme", "raw/sales.parquet", salesFrame(100));
    await run(project);
    let before = snapshot(project.dir);
    expect(statuses(await plan(project))).toEqual([
      ["cleanSales", "skipped", "up to date"],
      ["byDay", "skipped", "up to date"],
      ["byRegion", "skipped", "up to date"],
    ]);
    expect(statuses(await plan(project, 2))).toEqual([
      ["cleanSales", "not-run", "code changed"],
      ["byDay", "not-run", "upstream will run"],
      ["byRegion", "not-run", "upstream will run"],
    ]);
    expect(statuses(await plan(project, 1, { params: { top: 3 } }))).toEqual([
      ["cleanSales", "skipped", "up to date"],
      ["byDay", "not-run", "parameters changed"],
      ["byRegion", "skipped", "up to date"],
    ]);
    expect(statuses(await plan(project, 1, { force: true })).map(([, s, r]) => [s, r])).toEqual([
      ["not-run", "forced"],
      ["not-run", "forced"],
      ["not-run", "forced"],
    ]);
    expect(snapshot(project.dir)).toEqual(before);

    project.write("acme", "raw/sales.parquet", salesFrame(150));
    rmSync(project.path("acme", "reports/days.parquet"));
    before = snapshot(project.dir);
    expect(statuses(await plan(project))).toEqual([
      ["cleanSales", "not-run", "input changed"],
      ["byDay", "not-run", "output missing"],
      ["byRegion", "not-run", "upstream will run"],
    ]);
    expect(snapshot(project.dir)).toEqual(before);
  });
});
