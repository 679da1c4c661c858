/**
 * The pipeline with Glacier: a daily-partitioned bucket, one local task, run by `@glacier/local` as a user runs
 * it. Every partition whose events are there runs (the default selection), or is skipped when up to date.
 *
 *   node bench/partitions/glacier.mjs DIR CONCURRENCY
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { daily, Provider } from "@glacier/core";
import pl from "nodejs-polars";

const [dir, concurrency] = process.argv.slice(2);
const { start, end } = JSON.parse(readFileSync(join(dir, "..", "days.json"), "utf8"));
const provider = new Provider({ cloud: "local", basePath: dir });
const days = daily({ start, end });
const events = provider.bucket({ bucket: "acme", path: "events/{day}.parquet", partitions: days });
const cleaned = provider.bucket({ bucket: "acme", path: "clean/{day}.parquet", partitions: days });
const clean = provider.local().task(function clean(df, ctx) {
  return df.filter(pl.col("amount").gt(0)).withColumns(pl.lit(ctx.partition).alias("day"));
});
const result = await events
  .transform(clean)
  .to(cleaned)
  .run({ mode: "local", projectDir: dir, concurrency: Number(concurrency) });
if (result.status !== "succeeded")
  throw new Error(`the run failed: ${JSON.stringify(result.steps.find((s) => s.error))}`);
console.log(JSON.stringify({ partitions: result.steps.length }));
