/**
 * The benchmark harness (`npm run bench`). Generates (or reuses) the dataset, then runs every variant N times,
 * interleaved (each round runs each variant once, starting at a different variant), each as its own process
 * measured from outside. Checks that every run produced the same result, reports medians and ratios against the
 * floor of the same session, writes bench/results/<timestamp>.json and regenerates BENCHMARKS.md.
 *
 *   npm run bench                              30M rows, 3 rounds (pandas: 1 round), rewrites BENCHMARKS.md
 *   npm run bench -- --quick                   1M rows, 1 round, smoke run (BENCHMARKS.md untouched)
 *   npm run bench -- --rows 10000000 --iterations 5 --variants floor,glacier,glacier-noop
 *   npm run bench -- --report-only bench/results/<file>.json      re-render BENCHMARKS.md from a result file
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { checksum, differences } from "./lib/compare.mjs";
import { BENCH_DIR, DATA_DIR, RESULTS_DIR, datasetPaths } from "./lib/dataset.mjs";
import { machineInfo } from "./lib/machine.mjs";
import { breakdown, measure } from "./lib/measure.mjs";
import { renderReport, summarise } from "./lib/report.mjs";
import { DEFAULT_VARIANTS, VARIANTS, VARIANT_NAMES } from "./lib/variants.mjs";

const { values: opts } = parseArgs({
  options: {
    rows: { type: "string" },
    iterations: { type: "string" },
    "pandas-iterations": { type: "string" },
    variants: { type: "string", default: DEFAULT_VARIANTS.join(",") },
    quick: { type: "boolean", default: false },
    build: { type: "boolean", default: true },
    report: { type: "boolean" },
    "report-only": { type: "string" },
    keep: { type: "boolean", default: false },
  },
  allowNegative: true,
});
const REPORT = join(BENCH_DIR, "..", "BENCHMARKS.md");

/** Writes BENCHMARKS.md formatted by the repo's Prettier config, so \`prettier --check .\` stays green. */
async function writeReportFile(results) {
  const prettier = await import("prettier");
  const config = (await prettier.resolveConfig(REPORT)) ?? {};
  writeFileSync(REPORT, await prettier.format(renderReport(results), { ...config, filepath: REPORT }));
  console.log(`wrote ${REPORT}`);
}

if (opts["report-only"]) {
  const stored = JSON.parse(readFileSync(opts["report-only"], "utf8"));
  stored.summary = summarise(stored); // recomputed, so a changed report module applies to old results
  await writeReportFile(stored);
  process.exit(0);
}

const rows = Number(opts.rows ?? (opts.quick ? 1_000_000 : 30_000_000));
const iterations = Number(opts.iterations ?? (opts.quick ? 1 : 3));
// pandas takes ~20x the floor's time at 30M rows; one round keeps a full benchmark under an hour.
const pandasIterations = Number(opts["pandas-iterations"] ?? 1);
const variants = opts.variants.split(",").map((v) => v.trim());
for (const v of variants) if (!VARIANTS[v]) throw new Error(`unknown variant ${v}; known: ${VARIANT_NAMES}`);
if (variants.includes("glacier-noop") && !variants.includes("glacier")) {
  throw new Error("glacier-noop reruns the output of a glacier run: include glacier too");
}
const writeReport = opts.report ?? !opts.quick;

function runOrFail(command, args, label) {
  const result = spawnSync(command, args, {
    stdio: "inherit",
    cwd: join(BENCH_DIR, ".."),
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" },
  });
  if (result.status !== 0) throw new Error(`${label} failed (exit ${result.status})`);
}

if (opts.build && variants.some((v) => v.startsWith("glacier"))) {
  // The Glacier variant imports the built packages (dist), as a user's program would.
  runOrFail(
    "npx",
    ["turbo", "run", "build", "--filter=@glacier/local...", "--output-logs=errors-only"],
    "build",
  );
}
// Whatever a variant needs installed (floor-polars-0.24: the previous nodejs-polars), before any round.
for (const v of variants) VARIANTS[v].prepare?.();
const needsCsv = variants.some((v) => VARIANTS[v].needsCsv);
runOrFail(
  process.execPath,
  [join(BENCH_DIR, "generate.mjs"), "--rows", String(rows), ...(needsCsv ? ["--csv"] : [])],
  "dataset generation",
);
const manifest = JSON.parse(readFileSync(datasetPaths(rows).manifest, "utf8"));
// Read every input once so no variant pays for a cold page cache that another did not.
for (const file of Object.values(manifest.files)) readFileSync(join(datasetPaths(rows).root, file.path));

const results = {
  startedAt: new Date().toISOString(),
  options: { rows, iterations, pandasIterations, variants, quick: opts.quick },
  machine: machineInfo(),
  dataset: manifest,
  runs: [],
  checks: {},
};
const runsDir = join(DATA_DIR, "runs");
const stamp = results.startedAt.replace(/[:.]/g, "-");
mkdirSync(RESULTS_DIR, { recursive: true });
results.file = `${stamp}${opts.quick ? "-quick" : ""}.json`;
const resultFile = join(RESULTS_DIR, results.file);
const save = () => writeFileSync(resultFile, `${JSON.stringify(results, null, 2)}\n`);

function verify(variant, out) {
  const o = VARIANTS[variant].outputs(out);
  const args = ["--format", o.format, "--clean", o.clean, "--enriched", o.enriched, "--summary", o.summary];
  const r = spawnSync(process.execPath, [join(BENCH_DIR, "verify.mjs"), ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`verifying ${variant}'s outputs failed:\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

let reference = null;
async function runOnce(variant, iteration) {
  const spec = VARIANTS[variant];
  const out = join(runsDir, spec.reuses ?? variant);
  if (!spec.reuses) rmSync(out, { recursive: true, force: true });
  const load1 = os.loadavg()[0];
  process.stdout.write(`[${iteration + 1}/${iterations}] ${variant.padEnd(18)} `);
  const m = await measure(spec.command, spec.args(rows, out), {
    cwd: join(BENCH_DIR, ".."),
    env: { ...process.env, ...(typeof spec.env === "function" ? spec.env(rows) : spec.env) },
  });
  const verified = verify(variant, out);
  const sum = checksum(verified);
  if (reference === null) reference = { variant, verified };
  const problems = differences(reference.verified, verified);
  results.checks[variant] = sum;
  const peak = Math.max(m.peakRssKiB, m.treePeakRssKiB);
  const step = breakdown(m.stdout);
  results.runs.push({
    variant,
    iteration,
    wallMs: m.wallMs,
    peakRssKiB: m.peakRssKiB,
    treePeakRssKiB: m.treePeakRssKiB,
    anonPeakKiB: m.anonPeakKiB,
    userS: m.userS,
    sysS: m.sysS,
    load1: Math.round(load1 * 100) / 100,
    steps: step?.steps ?? [],
    ...(step?.executorSteps ? { executorSteps: step.executorSteps } : {}),
    checksum: sum.sha256,
    ...(step?.polars ? { polars: step.polars } : {}),
  });
  console.log(
    `${(m.wallMs / 1000).toFixed(2)} s  ${(peak / 1024).toFixed(0)} MiB (anon ${(m.anonPeakKiB / 1024).toFixed(0)})  ` +
      `load ${load1.toFixed(1)}  checksum ${sum.sha256}`,
  );
  if (problems.length > 0) {
    save();
    throw new Error(
      `${variant} disagrees with ${reference.variant}:\n  ${problems.join("\n  ")}\n(results so far: ${resultFile})`,
    );
  }
}

console.log(`\nbenchmark: ${rows.toLocaleString("en")} rows, ${iterations} round(s), variants ${variants}`);
// glacier-noop is not scheduled on its own: it always follows the glacier run it reruns.
const rotation = variants.filter((v) => v !== "glacier-noop");
for (let i = 0; i < iterations; i++) {
  const order = rotation.map((_, k) => rotation[(k + i) % rotation.length]);
  for (const variant of order) {
    if (variant === "pandas" && i >= pandasIterations) continue;
    await runOnce(variant, i);
    if (variant === "glacier" && variants.includes("glacier-noop")) await runOnce("glacier-noop", i);
  }
}
if (!opts.keep) rmSync(runsDir, { recursive: true, force: true });

results.finishedAt = new Date().toISOString();
results.summary = summarise(results);
save();
console.log(`\nresults: ${resultFile}`);
for (const [variant, s] of Object.entries(results.summary.variants)) {
  const ratio = s.wallRatio === null ? "" : ` (${s.wallRatio.toFixed(2)}× floor)`;
  console.log(
    `${variant.padEnd(18)} ${(s.wallMs / 1000).toFixed(2)} s${ratio}  ${(s.peakRssKiB / 1024).toFixed(0)} MiB`,
  );
}
for (const t of results.summary.targets)
  console.log(`${t.met === null ? "n/a " : t.met ? "MET " : "MISS"} ${t.name}: ${t.measured}`);
if (writeReport) await writeReportFile(results);
