import { readFileSync, writeFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import pl from "nodejs-polars";
import { daily, GlacierError, Pipeline, type RunResult } from "@glacier/core";
import { partitionSummary, readRun, type StepRecord } from "@glacier/engine";
import { testProject, type TestProject } from "./fixtures/project.js";

let project: TestProject;
afterEach(() => project?.cleanup());

const NOVEMBER = Array.from({ length: 30 }, (_, i) => `2026-11-${String(i + 1).padStart(2, "0")}`);
/** Days whose `clean` throws: how a test makes one partition fail while the others run. */
const failOn = new Set<string>();

function events(day: string, seed: number): pl.DataFrame {
  return pl.DataFrame({
    order_id: pl.Series("order_id", [seed * 10 + 1, seed * 10 + 2, seed * 10 + 3]).cast(pl.Int64),
    region: ["north", "south", "north"],
    amount: pl.Series("amount", [seed + 0.5, -1, 2 * seed]).cast(pl.Float64),
    note: [day, day, day],
  });
}

/** events/day={day}/ → clean/{day}.parquet → (+ regions, read whole) enriched/{day}.parquet → total. */
function build(p: TestProject) {
  const local = p.provider.local();
  const days = daily({ start: "2026-11-01", end: "2026-11-30" });
  const raw = p.provider.bucket({
    bucket: "acme",
    path: "events/day={day}/",
    format: "parquet",
    partitions: days,
  });
  const cleaned = p.provider.bucket({ bucket: "acme", path: "clean/{day}.parquet", partitions: days });
  const enriched = p.provider.bucket({ bucket: "acme", path: "enriched/{day}.parquet", partitions: days });
  const regions = p.provider.bucket({ bucket: "acme", path: "ref/regions.parquet" });
  const total = p.provider.bucket({ bucket: "acme", path: "reports/total.parquet" });
  const clean = local.task(function clean(df: pl.LazyDataFrame, ctx) {
    if (failOn.has(ctx.partition ?? "")) throw new Error(`bad day ${ctx.partition}`);
    return df.filter(pl.col("amount").gt(0)).withColumns(pl.lit(ctx.partition).alias("day"));
  });
  const enrich = local.task(function enrich({
    orders,
    regions,
  }: {
    orders: pl.LazyDataFrame;
    regions: pl.LazyDataFrame;
  }) {
    return orders.join(regions, { on: "region" });
  });
  const sum = local.task(function sum(df: pl.LazyDataFrame) {
    return df
      .groupBy("day")
      .agg(pl.col("amount").sum().alias("amount"), pl.len().alias("orders"))
      .sort("day");
  });
  return Pipeline({ orders: raw.transform(clean).to(cleaned), regions })
    .transform(enrich)
    .to(enriched)
    .transform(sum)
    .to(total)
    .withName("daily");
}

function seed(p: TestProject): void {
  p.write(
    "acme",
    "ref/regions.parquet",
    pl.DataFrame({ region: ["north", "south"], manager: ["ann", "bo"] }),
  );
  NOVEMBER.forEach((day, i) => p.write("acme", `events/day=${day}/part-0.parquet`, events(day, i + 1)));
}

const run = (p: TestProject, options: Record<string, unknown> = {}) =>
  build(p).run({ mode: "local", projectDir: p.dir, concurrency: 4, ...options }) as Promise<RunResult>;
const summary = (result: RunResult) =>
  Object.fromEntries(partitionSummary(result.steps as StepRecord[]).map((s) => [s.step, s]));
const statusOf = (result: RunResult, name: string) => result.steps.find((s) => s.name === name)?.status;
const ran = (result: RunResult) =>
  result.steps.filter((s) => s.status === "succeeded" || s.status === "failed").map((s) => s.name);

describe("a 30-day partitioned pipeline, locally", () => {
  it("runs 3 days, then backfills only the 27 missing ones, then reruns only a changed day and the total", async () => {
    project = testProject();
    seed(project);
    const first = await run(project, { partition: "2026-11-01..2026-11-03" });
    expect(first.status).toBe("succeeded");
    expect(ran(first)).toEqual([
      "clean[2026-11-01]",
      "clean[2026-11-02]",
      "clean[2026-11-03]",
      "enrich[2026-11-01]",
      "enrich[2026-11-02]",
      "enrich[2026-11-03]",
      "sum",
    ]);
    expect(project.read("acme", "reports/total.parquet").getColumn("day").toArray()).toEqual(
      NOVEMBER.slice(0, 3),
    );

    const plan = await run(project, { partition: "2026-11-01..2026-11-30", plan: true });
    expect(plan.steps.filter((s) => s.name.startsWith("clean[")).map((s) => s.reason)).toEqual([
      ...Array(3).fill("up to date"),
      ...Array(27).fill("never ran"),
    ]);

    const backfill = await run(project, { partition: "2026-11-01..2026-11-30" });
    expect(backfill.status).toBe("succeeded");
    expect(summary(backfill)["clean"]).toEqual({
      step: "clean",
      counts: { succeeded: 27, skipped: 3 },
      failed: [],
    });
    expect(summary(backfill)["enrich"]?.counts).toEqual({ succeeded: 27, skipped: 3 });
    expect(statusOf(backfill, "sum")).toBe("succeeded");
    expect(project.read("acme", "reports/total.parquet").getColumn("day").toArray()).toEqual(NOVEMBER);

    // No --partition: every day whose events are there, all up to date now.
    const again = await run(project);
    expect(ran(again)).toEqual([]);
    expect(again.steps).toHaveLength(61);

    project.write("acme", "events/day=2026-11-05/part-0.parquet", events("2026-11-05", 99));
    const changed = await run(project);
    expect(ran(changed)).toEqual(["clean[2026-11-05]", "enrich[2026-11-05]", "sum"]);
    expect(changed.steps.find((s) => s.name === "clean[2026-11-05]")?.reason).toBe("input changed");
    const total = project.read("acme", "reports/total.parquet");
    expect(
      total
        .filter(pl.col("day").eq(pl.lit("2026-11-05")))
        .getColumn("amount")
        .toArray(),
    ).toEqual([99.5 + 198]);
  }, 300_000);

  it("a failing day leaves every other day committed, blocks its own chain and the total, and is all --resume reruns", async () => {
    project = testProject();
    seed(project);
    failOn.add("2026-11-17");
    let failed: RunResult;
    try {
      failed = await run(project);
    } finally {
      failOn.clear();
    }
    expect(failed.status).toBe("failed");
    expect(summary(failed)["clean"]).toEqual({
      step: "clean",
      counts: { succeeded: 29, failed: 1 },
      failed: ["2026-11-17"],
    });
    expect(summary(failed)["enrich"]?.counts).toEqual({ succeeded: 29, "not-run": 1 });
    expect(statusOf(failed, "sum")).toBe("not-run");
    expect(failed.steps.find((s) => s.name === "clean[2026-11-17]")?.error).toContain("bad day 2026-11-17");
    const committed = Object.keys(project.files()).filter((f) => f.startsWith("acme/enriched/"));
    expect(committed).toHaveLength(29);
    expect(committed).not.toContain("acme/enriched/2026-11-17.parquet");
    const record = await readRun(failed.runId, { projectDir: project.dir });
    expect(record.options.partitionKeys).toEqual(NOVEMBER);

    const resumed = await run(project, { resume: failed.runId });
    expect(resumed.status).toBe("succeeded");
    expect(ran(resumed)).toEqual(["clean[2026-11-17]", "enrich[2026-11-17]", "sum"]);
    expect(project.read("acme", "reports/total.parquet").height).toBe(30);
  }, 300_000);

  it("rejects a bad selection or an unreadable day before anything runs, losing nothing", async () => {
    project = testProject();
    seed(project);
    await run(project, { partition: "2026-11-01" });
    const before = project.hashes();
    const attempts: [string, Record<string, unknown>][] = [
      ["INVALID_PARTITION", { partition: "2026-12-01" }],
      ["INVALID_PARTITION", { partition: "2026-11-31" }],
      ["INVALID_PARTITION", { partition: "2026-11-03..2026-11-01" }],
      ["INVALID_PARTITION", { partition: "november" }],
    ];
    for (const [code, options] of attempts) {
      const error = await run(project, options).then(
        () => null,
        (e: unknown) => e,
      );
      expect(GlacierError.is(error) && error.code).toBe(code);
      expect((error as Error).message).toContain('bucket "acme/');
    }
    const truncated = project.path("acme", "events/day=2026-11-02/part-0.parquet");
    writeFileSync(truncated, readFileSync(truncated).subarray(0, 40));
    const withBadDay = project.hashes();
    const unreadable = await run(project, { partition: "2026-11-02" }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(GlacierError.is(unreadable) && unreadable.code).toBe("SOURCE_UNREADABLE");
    expect((unreadable as Error).message).toContain("day=2026-11-02");
    expect(project.hashes()).toEqual(withBadDay);
    expect(
      Object.keys(before).every(
        (f) => f === "acme/events/day=2026-11-02/part-0.parquet" || withBadDay[f] === before[f],
      ),
    ).toBe(true);
  }, 300_000);
});

describe("an aggregate reading every partition of a partitioned bucket", () => {
  it("gets the files' columns only, whatever the layout: no column from day={day}/ directories (hive), as with {day}/ and {day}.parquet", async () => {
    project = testProject();
    const local = project.provider.local();
    const days = daily({ start: "2026-11-01", end: "2026-11-03" });
    const columns: Record<string, string[]> = {};
    for (const [name, path, file] of [
      ["hive", "hive/day={day}/", (day: string) => `hive/day=${day}/part-0.parquet`],
      ["plain", "plain/{day}/", (day: string) => `plain/${day}/part-0.parquet`],
      ["files", "files/{day}.parquet", (day: string) => `files/${day}.parquet`],
    ] as const) {
      NOVEMBER.slice(0, 3).forEach((day, i) => project.write("acme", file(day), events(day, i + 1)));
      const raw = project.provider.bucket({ bucket: "acme", path, format: "parquet", partitions: days });
      const out = project.provider.bucket({ bucket: "acme", path: `reports/${name}.parquet` });
      const all = local.task(function all(df: pl.LazyDataFrame) {
        return df.sort("order_id");
      });
      const result = await raw
        .transform(all)
        .to(out)
        .withName(name)
        .run({ mode: "local", projectDir: project.dir });
      expect(result.status, name).toBe("succeeded");
      const frame = project.read("acme", `reports/${name}.parquet`);
      expect(frame.height, name).toBe(9);
      columns[name] = frame.columns;
    }
    expect(columns).toEqual({
      hive: ["order_id", "region", "amount", "note"],
      plain: ["order_id", "region", "amount", "note"],
      files: ["order_id", "region", "amount", "note"],
    });
  }, 120_000);
});
