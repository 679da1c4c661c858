import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import pl from "nodejs-polars";
import { param } from "@glacier/core";
import { salesFrame, testProject, type TestProject } from "./fixtures/project.js";
import { decisions } from "./fixtures/results.js";

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
    // A plan, not a run result: no run id, no status, no record.
    expect(Object.keys(result).sort()).toEqual(["kind", "mode", "steps", "version"]);
    expect(result).toMatchObject({ kind: "plan", mode: "local" });
    expect(decisions(result)).toEqual([
      ["cleanSales", "run", "never ran"],
      ["byDay", "run", "never ran"],
      ["byRegion", "run", "never ran"],
    ]);
    expect(snapshot(project.dir)).toEqual(before);
    expect(existsSync(join(project.dir, ".glacier"))).toBe(false);
  });

  it("says why each step would run or be skipped, without running anything", async () => {
    project = testProject();
    project.write("acme", "raw/sales.parquet", salesFrame(100));
    await run(project);
    let before = snapshot(project.dir);
    expect(decisions(await plan(project))).toEqual([
      ["cleanSales", "skip", "up to date"],
      ["byDay", "skip", "up to date"],
      ["byRegion", "skip", "up to date"],
    ]);
    expect(decisions(await plan(project, 2))).toEqual([
      ["cleanSales", "run", "code changed"],
      ["byDay", "run", "upstream will run"],
      ["byRegion", "run", "upstream will run"],
    ]);
    expect(decisions(await plan(project, 1, { params: { top: 3 } }))).toEqual([
      ["cleanSales", "skip", "up to date"],
      ["byDay", "run", "parameters changed"],
      ["byRegion", "skip", "up to date"],
    ]);
    expect(decisions(await plan(project, 1, { force: true })).map(([, s, r]) => [s, r])).toEqual([
      ["run", "forced"],
      ["run", "forced"],
      ["run", "forced"],
    ]);
    expect(snapshot(project.dir)).toEqual(before);

    project.write("acme", "raw/sales.parquet", salesFrame(150));
    rmSync(project.path("acme", "reports/days.parquet"));
    before = snapshot(project.dir);
    expect(decisions(await plan(project))).toEqual([
      ["cleanSales", "run", "input changed"],
      ["byDay", "run", "output missing"],
      ["byRegion", "run", "upstream will run"],
    ]);
    expect(snapshot(project.dir)).toEqual(before);
  });
});
