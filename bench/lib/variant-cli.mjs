/**
 * The contract every JavaScript variant follows: `node bench/variants/<name>.mjs --rows N --out DIR`.
 * It reads the dataset for N rows, writes its materialised outputs into DIR (clean, enriched, summary), and
 * prints one JSON line `{ "variant", "steps": [{ "name", "ms" }] }` on stdout for the per-step breakdown. The
 * harness times the whole process from outside; these in-process step times are only for diagnosis.
 */
import { mkdirSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { datasetPaths } from "./dataset.mjs";

/** Parses `--rows` and `--out` (plus any extra boolean flags) and returns the dataset and output paths. */
export function variantArgs(extraFlags = []) {
  const options = { rows: { type: "string" }, out: { type: "string" } };
  for (const flag of extraFlags) options[flag] = { type: "boolean", default: false };
  const { values } = parseArgs({ options });
  const rows = Number(values.rows);
  if (!Number.isInteger(rows) || !values.out) throw new Error("usage: --rows N --out DIR");
  mkdirSync(values.out, { recursive: true });
  return { rows, out: values.out, data: datasetPaths(rows), flags: values };
}

/** Times named steps and prints the breakdown line at the end. */
export function stepTimer(variant) {
  const steps = [];
  return {
    async step(name, fn) {
      const started = performance.now();
      const result = await fn();
      steps.push({ name, ms: Math.round(performance.now() - started) });
      return result;
    },
    done(extra = {}) {
      console.log(JSON.stringify({ variant, steps, ...extra }));
    },
  };
}
