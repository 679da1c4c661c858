import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import type pl from "nodejs-polars";

/**
 * Shared by the examples' sample-data generators: a seeded random source (so every machine writes the same
 * bytes) and a writer that puts a frame at `<dir>/<bucket>/<path>` in the format its extension names.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    // mulberry32: tiny, fast, and good enough for sample data.
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Writes `frame` to `<dir>/<bucket>/<path>` and returns the file's path. */
export function writeFrame(dir: string, bucket: string, path: string, frame: pl.DataFrame): string {
  const file = join(dir, bucket, path);
  mkdirSync(dirname(file), { recursive: true });
  if (path.endsWith(".csv")) frame.writeCSV(file);
  else if (path.endsWith(".ndjson") || path.endsWith(".jsonl")) frame.writeJSON(file, { format: "lines" });
  else frame.writeParquet(file);
  return file;
}

/** A day in January 2024, as `YYYY-MM-DD`. */
export function januaryDay(random: () => number): string {
  return `2024-01-${String(1 + Math.floor(random() * 31)).padStart(2, "0")}`;
}
