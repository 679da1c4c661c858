import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pl from "nodejs-polars";
import { mkdirSync } from "node:fs";
import { ensureBuilt, glacier, tempProject } from "./helpers/cli.js";

/** A 5-day partitioned pipeline run through the built `glacier` binary: --partition, backfill, the summary. */
const PIPELINE = `import pl from "nodejs-polars";
import { daily, Provider } from "@glacier/core";

const provider = new Provider({ cloud: "local", basePath: "data" });
const local = provider.local();
const days = daily({ start: "2026-11-01", end: "2026-11-05" });
const events = provider.bucket({ bucket: "acme", path: "events/{day}.parquet", partitions: days });
const cleaned = provider.bucket({ bucket: "acme", path: "clean/{day}.parquet", partitions: days });
const total = provider.bucket({ bucket: "acme", path: "total.parquet" });

const clean = local.task(function clean(df: pl.LazyDataFrame, ctx) {
  if (ctx.partition === "2026-11-04") throw new Error("day 4 is broken");
  return df.withColumns(pl.lit(ctx.partition ?? "").alias("day"));
});
const sum = local.task(function sum(df: pl.LazyDataFrame) {
  return df.groupBy("day").agg(pl.col("amount").sum()).sort("day");
});

export const daily_total = events.transform(clean).to(cleaned).transform(sum).to(total).withName("daily_total");
`;

const project = tempProject({ "pipeline.ts": PIPELINE });
const run = (...args: string[]) => glacier([...args, "pipeline.ts", "--cwd", project.dir, "--no-typecheck"]);
/** The summary's lines, cells joined by ` | `, without run ids, sizes and times. */
const cells = (stdout: string) =>
  stdout
    .trimEnd()
    .split("\n")
    .map((line) =>
      line
        .trim()
        .split(/\s{2,}/)
        .filter((cell) => !/^(\d+(\.\d+)? (k|M)?B|\d+\.\d+ s)$/.test(cell))
        .join(" | ")
        .replace(/\d{8}T\d{6}Z-[0-9a-f]+/g, "<id>"),
    );

beforeAll(() => {
  ensureBuilt();
  mkdirSync(join(project.dir, "data/acme/events"), { recursive: true });
  for (let d = 1; d <= 5; d++) {
    pl.DataFrame({ amount: [d, d * 10] }).writeParquet(
      join(project.dir, `data/acme/events/2026-11-0${d}.parquet`),
    );
  }
});
afterAll(project.remove);

describe("glacier run --partition and glacier backfill", () => {
  it("runs one partition, plans and backfills a range, and counts the partitions in the summary", async () => {
    const one = await run("run", "--partition", "2026-11-02");
    expect(one.code).toBe(0);
    expect(cells(one.stdout)).toContain("clean[2026-11-02] | succeeded | 2 | never ran");
    expect(cells(one.stdout)).toContain("partitions of clean: 1 succeeded");

    const plan = await run("run", "--partition", "2026-11-01..2026-11-03", "--plan");
    expect(cells(plan.stdout)).toEqual([
      "plan: 3 steps to run, 1 up to date",
      "clean[2026-11-01] | run | (never ran)",
      "clean[2026-11-02] | skip | (up to date)",
      "clean[2026-11-03] | run | (never ran)",
      "sum | run | (upstream will run)",
    ]);

    const backfill = await run("backfill", "--from", "2026-11-01", "--to", "2026-11-05");
    expect(backfill.code).toBe(1);
    expect(cells(backfill.stdout)).toContain(
      "partitions of clean: 3 succeeded, 1 skipped, 1 failed; failed: 2026-11-04",
    );
    expect(cells(backfill.stdout)).toContain("sum | not-run | upstream failed");

    const list = await glacier(["list", "pipeline.ts", "--cwd", project.dir]);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(
      "acme/clean/{day}.parquet  daily from 2026-11-01 to 2026-11-05 ({day}): 4 materialised, 1 missing (2026-11-04), 1 failed (2026-11-04)",
    );
    expect(list.stdout).toContain(
      "acme/events/{day}.parquet  daily from 2026-11-01 to 2026-11-05 ({day}): 5 materialised, 0 missing",
    );
  }, 300_000);

  it("names a key outside the range, with exit 2 and nothing run", async () => {
    const outside = await run("run", "--partition", "2026-11-09");
    expect(outside.code).toBe(2);
    expect(outside.stderr).toContain(
      '[INVALID_PARTITION] bucket "acme/clean/{day}.parquet": partition "2026-11-09" is outside its range 2026-11-01..2026-11-05.',
    );
    const missingTo = await run("backfill", "--from", "2026-11-01");
    expect(missingTo.code).toBe(2);
    expect(missingTo.stderr).toContain("--to");
  }, 300_000);
});
