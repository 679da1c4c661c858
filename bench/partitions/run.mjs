/**
 * Per-partition overhead: a 1-step daily pipeline over N tiny partitions run by Glacier's local executor
 * (`bucket.run({ mode: "local" })`, one unit per partition: fingerprints, state, records, locks, worker
 * threads), against one hand-written loop over the same partitions doing the same Polars work
 * (scan → filter → add the key → sink Parquet) one after another. Each variant runs in its own process,
 * measured from outside, interleaved round by round; the report is the median of each and the ratios to the
 * loop of the same session (only ratios within one run are comparable).
 *
 *   node bench/partitions/run.mjs                          1,000 partitions, 3 rounds
 *   node bench/partitions/run.mjs --partitions 50 --rounds 1   a smoke run
 *
 * Variants: `loop` (the baseline), `glacier` (every partition runs: never ran) and `glacier-rerun` (a second
 * run over the same outputs: every partition is skipped by its fingerprint — the cost of deciding).
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pl from "nodejs-polars";

const HERE = import.meta.dirname;
const { values: opts } = parseArgs({
  options: {
    partitions: { type: "string", default: "1000" },
    rounds: { type: "string", default: "3" },
    concurrency: { type: "string", default: String(os.availableParallelism()) },
  },
});
const n = Number(opts.partitions);
const rounds = Number(opts.rounds);

/** N consecutive days from 2024-01-01. */
function days(count) {
  const out = [];
  const d = new Date(Date.UTC(2024, 0, 1));
  for (let i = 0; i < count; i++, d.setUTCDate(d.getUTCDate() + 1)) out.push(d.toISOString().slice(0, 10));
  return out;
}

const root = mkdtempSync(join(os.tmpdir(), "glacier-bench-partitions-"));
const source = join(root, "source");
const keys = days(n);
mkdirSync(join(source, "acme", "events"), { recursive: true });
keys.forEach((day, i) => {
  pl.DataFrame({ id: [i * 3, i * 3 + 1, i * 3 + 2], amount: [i, -1, i + 0.5] }).writeParquet(
    join(source, "acme", "events", `${day}.parquet`),
  );
});
writeFileSync(join(root, "days.json"), JSON.stringify({ start: keys[0], end: keys.at(-1) }));

function once(variant, dir) {
  const script = join(HERE, variant === "loop" ? "loop.mjs" : "glacier.mjs");
  const started = performance.now();
  const child = spawnSync(process.execPath, [script, dir, opts.concurrency], { encoding: "utf8" });
  const ms = performance.now() - started;
  if (child.status !== 0) throw new Error(`${variant} failed:\n${child.stdout}\n${child.stderr}`);
  const reported = JSON.parse(child.stdout.trim().split("\n").at(-1));
  if (reported.partitions !== n)
    throw new Error(`${variant} wrote ${reported.partitions} partitions, not ${n}`);
  return ms;
}

const times = { loop: [], glacier: [], "glacier-rerun": [] };
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? ["loop", "glacier"] : ["glacier", "loop"];
  for (const variant of order) {
    const dir = join(root, `${variant}-${round}`);
    cpSync(source, dir, { recursive: true });
    times[variant].push(once(variant, dir));
    if (variant === "glacier") times["glacier-rerun"].push(once("glacier-rerun", dir));
    rmSync(dir, { recursive: true, force: true });
  }
}
rmSync(root, { recursive: true, force: true });

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const loop = median(times.loop);
const result = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: os.availableParallelism(),
  partitions: n,
  rounds,
  concurrency: Number(opts.concurrency),
  medianMs: Object.fromEntries(Object.entries(times).map(([k, v]) => [k, Math.round(median(v))])),
  ratioToLoop: Object.fromEntries(Object.entries(times).map(([k, v]) => [k, +(median(v) / loop).toFixed(2)])),
  overheadMsPerPartition: {
    glacier: +((median(times.glacier) - loop) / n).toFixed(2),
    "glacier-rerun": +(median(times["glacier-rerun"]) / n).toFixed(2),
  },
};
mkdirSync(join(HERE, "..", "results"), { recursive: true });
const file = join(HERE, "..", "results", `partitions-${result.date.replace(/[:.]/g, "-")}.json`);
writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
console.log(`wrote ${file}`);
