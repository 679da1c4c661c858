import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The benchmark's source: 1,000 numbers, small enough that dispatch, not data, dominates. */
export function writeSampleData(dir: string): string[] {
  mkdirSync(join(dir, "glacier-bench-fanout", "raw"), { recursive: true });
  const file = join(dir, "glacier-bench-fanout", "raw", "numbers.csv");
  writeFileSync(file, `n\n${Array.from({ length: 1000 }, (_, i) => i).join("\n")}\n`);
  return [file];
}
