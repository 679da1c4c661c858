/**
 * The tiny input every many-steps benchmark reads: 1,000 rows, two columns, written once per output directory.
 * Tiny on purpose: each step's Polars work is a few milliseconds, so what a run spends beyond it is overhead.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";

/** Writes `<dir>/raw/tiny.parquet` and returns its path. */
export function writeTinyInput(pl, dir) {
  mkdirSync(join(dir, "raw"), { recursive: true });
  const path = join(dir, "raw", "tiny.parquet");
  const ids = Array.from({ length: 1000 }, (_, i) => i);
  pl.DataFrame({ id: ids, v: ids.map((i) => (i * 7) % 13) }).writeParquet(path);
  return path;
}

/** One step's work, the same for Glacier and the loop: a filter and a derived column. */
export function tinyWork(pl, df) {
  return df.filter(pl.col("v").gtEq(0)).withColumns(pl.col("v").add(1).alias("v"));
}

/** The step names of a shape: `chain` (s0 → s1 → …) or `fanout` (raw → each of s0…sN-1). */
export function stepNames(count) {
  return Array.from({ length: count }, (_, i) => `s${String(i).padStart(4, "0")}`);
}
