/**
 * Writes every example's sample data under one directory (default `./data`), the layout `glacier run
 * --local-storage DIR` reads: `DIR/<bucket>/<path>`. Deterministic, so runs are comparable.
 *
 *   npm run sample-data            # ./data
 *   tsx examples/sample-data.ts DIR
 */
import { pathToFileURL } from "node:url";
import { writeSampleData as complete } from "./complete/sample-data.js";
import { writeSampleData as multiSource } from "./multi-source/sample-data.js";
import { writeSampleData as simple } from "./simple/sample-data.js";

/** Writes the three examples' sources under `dir`; returns the files written. */
export function writeAllSampleData(dir: string): string[] {
  return [...simple(dir), ...complete(dir), ...multiSource(dir)];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const file of writeAllSampleData(process.argv[2] ?? "data")) console.log(`wrote ${file}`);
}
