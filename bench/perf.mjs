/**
 * The orchestration benchmarks (`npm run bench:perf`): what Glacier adds around the Polars work, each as a ratio
 * to a baseline measured in the same round, rounds interleaved (each starts at a different benchmark).
 *
 *   critical   a graph where name order is the worst order (short a1…a8, a slow chain z1→z2→z3), concurrency 2:
 *              a first run (history removed: estimates from input bytes, which here give name order) vs a second
 *              run (durations recorded by an earlier run: critical path); with one polars thread per step (each
 *              in a child process) and with the default threads
 *   tiny       N tiny steps (chain and fan-out) vs a hand-written loop doing the same Polars work; no-op rerun
 *   startup    `glacier visualize` / `validate` (with and without --no-typecheck) on examples/simple vs `node -e 0`
 *   edit       the 12-step analytical project: full run, then one step's code edited and rerun, beside DuckDB and
 *              the hand-written Polars script re-running everything; peak RSS of the full runs
 *
 *   node bench/perf.mjs                                   rows 2,000,000, 1,000 tiny steps, 3 rounds
 *   node bench/perf.mjs --quick                           rows 200,000, 200 tiny steps, 1 round (smoke test)
 *   node bench/perf.mjs --rows 20000000 --rounds 5 --only edit,critical
 *   node bench/perf.mjs --report-only bench/results/perf-<stamp>.json     re-render from a result file
 *
 * Writes bench/results/perf-<stamp>.json and bench/perf.md, and puts perf.md into BENCHMARKS.md between the
 * `perf:begin` / `perf:end` markers (bench/run.mjs carries it over when it regenerates the file).
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { BENCH_DIR, DATA_DIR, RESULTS_DIR } from "./lib/dataset.mjs";
import { machineInfo } from "./lib/machine.mjs";
import { breakdown, measure } from "./lib/measure.mjs";
import { generateTables } from "./overhead/analytics/generate.mjs";

const { values: opts } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    rows: { type: "string" },
    tiny: { type: "string" },
    rounds: { type: "string" },
    only: { type: "string" },
    build: { type: "boolean", default: true },
    "report-only": { type: "string" },
  },
  allowNegative: true,
});
/** `--report-only FILE`: re-render perf.md and BENCHMARKS.md from a stored result file, measuring nothing. */
const stored = opts["report-only"] ? JSON.parse(readFileSync(opts["report-only"], "utf8")) : null;
const rows = stored?.options.rows ?? Number(opts.rows ?? (opts.quick ? 200_000 : 2_000_000));
const tiny = stored?.options.tiny ?? Number(opts.tiny ?? (opts.quick ? 200 : 1_000));
const rounds = stored?.options.rounds ?? Number(opts.rounds ?? (opts.quick ? 1 : 3));
const only = new Set(stored?.options.only ?? (opts.only ?? "critical,tiny,startup,edit").split(","));
const ROOT = join(BENCH_DIR, "..");
const OVERHEAD = join(BENCH_DIR, "overhead");
const node = process.execPath;
const work = join(DATA_DIR, "perf");
/** Hand-written analysis of these benchmarks, kept across regenerations (like bench/notes.md). */
const NOTES = join(BENCH_DIR, "perf-notes.md");

if (opts.build && !stored) {
  const built = spawnSync(
    "npx",
    ["turbo", "run", "build", "--filter=@glacier/cli...", "--output-logs=errors-only"],
    {
      cwd: ROOT,
      stdio: "inherit",
      env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" },
    },
  );
  if (built.status !== 0) throw new Error("build failed");
}
const tablesDir = join(DATA_DIR, `analytics-${rows}`);
if (!stored) {
  generateTables(rows, tablesDir);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
}

/** A fresh directory under the work directory. */
function fresh(name) {
  const dir = join(work, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * Measures `node script args`, returning wall, CPU, peak RSS and the script's JSON line. CPU includes
 * `childCpuS` when the script reports it (child processes it leaves to be killed, which GNU time misses).
 */
async function run(script, args, cwd = ROOT, env = {}) {
  const m = await measure(node, [script, ...args], { cwd, env: { ...process.env, ...env } });
  const out = breakdown(m.stdout);
  return {
    wallMs: m.wallMs,
    cpuS: Math.round((m.userS + m.sysS + (out?.childCpuS ?? 0)) * 100) / 100,
    peakRssMiB: Math.round(Math.max(m.peakRssKiB, m.treePeakRssKiB) / 1024),
    out,
  };
}

/**
 * The critical-path benchmark's two machines. `1 thread/step`: each step in its own child process with one
 * polars thread (`--processes`, POLARS_MAX_THREADS=1), so two running steps use one core each — a machine with
 * as many cores as the concurrency. (Worker threads of one process share one polars pool: with
 * POLARS_MAX_THREADS=1 two steps would take turns on one thread.) `default threads`: the default, worker
 * threads sharing polars' pool of one thread per core.
 */
const CRITICAL_CONFIGS = [
  { key: "one", label: "1 thread/step", processes: true, env: { POLARS_MAX_THREADS: "1" } },
  { key: "default", label: "default threads", processes: false, env: {} },
];
let criticalRounds = 0;
const criticalArgs = (config, dir) => [
  "--dir",
  dir,
  "--raw",
  tablesDir,
  ...(config.processes ? ["--processes"] : []),
];

/** Each benchmark: a list of measurements per round, in the order they must run (later ones may need earlier). */
const BENCHMARKS = {
  critical: {
    title: "Critical-path scheduling",
    async prepare() {
      // Per configuration, one run records every step's duration; each round copies its directory.
      const bases = {};
      for (const config of CRITICAL_CONFIGS) {
        bases[config.key] = fresh(`critical-base-${config.key}`);
        await run(
          join(OVERHEAD, "critical-glacier.mjs"),
          criticalArgs(config, bases[config.key]),
          ROOT,
          config.env,
        );
      }
      return bases;
    },
    async round(bases) {
      const result = {};
      // Which of the pair goes first alternates by round, so a change of load does not always favour one.
      const swap = criticalRounds++ % 2 === 1;
      for (const config of CRITICAL_CONFIGS) {
        // First run: the history removed, every step estimated from its input bytes. Second run: the history
        // of the prepared run, durations recorded.
        const first = fresh(`critical-first-${config.key}`);
        cpSync(bases[config.key], first, { recursive: true });
        rmSync(join(first, ".glacier", "runs"), { recursive: true, force: true });
        const second = fresh(`critical-second-${config.key}`);
        cpSync(bases[config.key], second, { recursive: true });
        const script = join(OVERHEAD, "critical-glacier.mjs");
        const runs = [
          [`${config.label}: first run`, first],
          [`${config.label}: second run`, second],
        ];
        for (const [variant, dir] of swap ? runs.reverse() : runs) {
          result[variant] = await run(script, criticalArgs(config, dir), ROOT, config.env);
        }
      }
      // In table order, whichever ran first.
      return Object.fromEntries(
        CRITICAL_CONFIGS.flatMap((c) => [`${c.label}: first run`, `${c.label}: second run`]).map((v) => [
          v,
          result[v],
        ]),
      );
    },
    ratios: CRITICAL_CONFIGS.map((c) => [`${c.label}: second run`, `${c.label}: first run`]),
    // Result files before 2026-12-07 20:30 had one pair of variants.
    legacyRatios: [["critical path", "name order"]],
  },
  tiny: {
    title: `${tiny.toLocaleString("en")} tiny steps`,
    async round() {
      const result = {};
      for (const shape of ["chain", "fanout"]) {
        const loopDir = fresh(`tiny-loop-${shape}`);
        const glacierDir = fresh(`tiny-glacier-${shape}`);
        const args = (dir) => ["--steps", String(tiny), "--shape", shape, "--out", dir];
        result[`loop ${shape}`] = await run(join(OVERHEAD, "tiny-loop.mjs"), args(loopDir));
        result[`glacier ${shape}`] = await run(join(OVERHEAD, "tiny-glacier.mjs"), args(glacierDir));
        result[`glacier ${shape} no-op rerun`] = await run(join(OVERHEAD, "tiny-glacier.mjs"), [
          ...args(glacierDir),
          "--rerun",
        ]);
      }
      return result;
    },
    ratios: [
      ["glacier chain", "loop chain"],
      ["glacier fanout", "loop fanout"],
    ],
    perStep: true,
  },
  startup: {
    title: "Start-up",
    async round() {
      const example = join(ROOT, "examples", "simple");
      const cli = join(ROOT, "packages", "cli", "bin", "glacier.js");
      const time = async (args) => {
        const m = await measure(node, args, { cwd: example });
        return {
          wallMs: m.wallMs,
          cpuS: Math.round((m.userS + m.sysS) * 100) / 100,
          peakRssMiB: Math.round(m.peakRssKiB / 1024),
        };
      };
      return {
        "node -e 0": await time(["-e", "0"]),
        "glacier visualize": await time([cli, "visualize", "pipeline.ts"]),
        "glacier validate --no-typecheck": await time([cli, "validate", "--no-typecheck", "pipeline.ts"]),
        "glacier validate": await time([cli, "validate", "pipeline.ts"]),
      };
    },
    ratios: [
      ["glacier visualize", "node -e 0"],
      ["glacier validate --no-typecheck", "node -e 0"],
      ["glacier validate", "node -e 0"],
    ],
  },
  edit: {
    title: "Edit-rerun loop (12-step analytical project)",
    async round() {
      const dir = fresh("edit");
      const project = join(dir, "project.mjs");
      cpSync(join(OVERHEAD, "analytics", "project.mjs"), project);
      const glacier = join(OVERHEAD, "analytics", "glacier-project.mjs");
      const result = {};
      const at = ["--dir", dir, "--tables", tablesDir];
      result["glacier full run"] = await run(glacier, [...at, "--expect-runs", "12"]);
      // The edit: one leaf step's filter threshold. Only that step reruns.
      writeFileSync(
        project,
        readFileSync(project, "utf8").replace("const THRESHOLD = 1;", "const THRESHOLD = 2;"),
      );
      result["glacier after editing one step"] = await run(glacier, [...at, "--expect-runs", "1"]);
      result["glacier no-op rerun"] = await run(glacier, [...at, "--expect-runs", "0"]);
      result["duckdb full script"] = await run(join(OVERHEAD, "analytics", "duckdb-project.mjs"), at);
      result["polars full script"] = await run(join(OVERHEAD, "analytics", "polars-project.mjs"), at);
      return result;
    },
    ratios: [
      ["glacier full run", "polars full script"],
      ["glacier after editing one step", "glacier full run"],
      ["glacier after editing one step", "duckdb full script"],
      ["glacier after editing one step", "polars full script"],
      ["duckdb full script", "polars full script"],
    ],
    memory: [["glacier full run", "polars full script"]],
  },
};

const results = stored ?? {
  startedAt: new Date().toISOString(),
  options: { rows, tiny, rounds, only: [...only], quick: opts.quick },
  machine: machineInfo(),
  rounds: [],
};
const selected = Object.keys(BENCHMARKS).filter((name) => only.has(name));
const prepared = {};
for (const name of stored ? [] : selected) prepared[name] = await BENCHMARKS[name].prepare?.();
for (let r = 0; r < (stored ? 0 : rounds); r++) {
  const round = { load: os.loadavg().map((l) => Math.round(l * 10) / 10), results: {} };
  // Interleaved: each round starts at a different benchmark.
  for (let k = 0; k < selected.length; k++) {
    const name = selected[(r + k) % selected.length];
    console.log(`round ${r + 1}/${rounds}: ${name}`);
    round.results[name] = await BENCHMARKS[name].round(prepared[name]);
  }
  round.loadAfter = os.loadavg().map((l) => Math.round(l * 10) / 10);
  results.rounds.push(round);
}

// ---- summary ----
const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s.at(-1) };
};
const fmt = (n, digits = 2) => (n === undefined ? "—" : n.toFixed(digits));
const range = ({ min, median, max }, digits = 2, unit = "") =>
  `${fmt(median, digits)}${unit} (${fmt(min, digits)}–${fmt(max, digits)})`;
const table = (head, body) =>
  [
    `| ${head.join(" | ")} |`,
    `| ${head.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`,
    ...body.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");

const sections = [];
for (const name of selected) {
  const bench = BENCHMARKS[name];
  const perRound = results.rounds.map((r) => r.results[name]);
  const variants = Object.keys(perRound[0]);
  const lines = [`### ${bench.title}`, ""];
  lines.push(
    table(
      ["variant", "wall s, median (min–max)", "CPU s, median", "peak RSS MiB, median"],
      variants.map((v) => [
        v,
        range(stats(perRound.map((p) => p[v].wallMs / 1000))),
        fmt(stats(perRound.map((p) => p[v].cpuS)).median),
        fmt(stats(perRound.map((p) => p[v].peakRssMiB)).median, 0),
      ]),
    ),
  );
  lines.push(
    "",
    table(
      ["ratio (per round, same round)", "wall, median (min–max)", "CPU, median (min–max)"],
      (bench.ratios.every(([a]) => variants.includes(a)) ? bench.ratios : bench.legacyRatios).map(
        ([a, b]) => [
          `${a} ÷ ${b}`,
          range(stats(perRound.map((p) => p[a].wallMs / p[b].wallMs)), 2, "×"),
          range(stats(perRound.map((p) => p[a].cpuS / Math.max(p[b].cpuS, 0.01))), 2, "×"),
        ],
      ),
    ),
  );
  if (bench.memory) {
    lines.push(
      "",
      table(
        ["peak RSS ratio (per round)", "median (min–max)"],
        bench.memory.map(([a, b]) => [
          `${a} ÷ ${b}`,
          range(stats(perRound.map((p) => p[a].peakRssMiB / p[b].peakRssMiB)), 2, "×"),
        ]),
      ),
    );
  }
  if (bench.perStep) {
    // Overhead per step: Glacier's run() time minus the loop's, both timed inside the process (start-up excluded).
    lines.push(
      "",
      table(
        [
          "per step (in-process run time)",
          "Glacier ms/step",
          "loop ms/step",
          "overhead ms/step, median (min–max)",
          "CPU overhead ms/step (start-up included), median (min–max)",
        ],
        ["chain", "fanout"].map((shape) => [
          shape,
          fmt(stats(perRound.map((p) => p[`glacier ${shape}`].out.runMs / tiny)).median),
          fmt(stats(perRound.map((p) => p[`loop ${shape}`].out.runMs / tiny)).median),
          range(
            stats(
              perRound.map((p) => (p[`glacier ${shape}`].out.runMs - p[`loop ${shape}`].out.runMs) / tiny),
            ),
          ),
          range(
            stats(
              perRound.map((p) => ((p[`glacier ${shape}`].cpuS - p[`loop ${shape}`].cpuS) * 1000) / tiny),
            ),
          ),
        ]),
      ),
    );
    lines.push(
      "",
      `No-op rerun: ${["chain", "fanout"].map((shape) => `${shape} ${fmt(stats(perRound.map((p) => p[`glacier ${shape} no-op rerun`].out.runMs / tiny)).median)} ms/step`).join(", ")} (run() time).`,
    );
  }
  if (name === "critical") lines.push("", ...criticalNotes(perRound));
  sections.push(lines.join("\n"));
}
/** The critical-path benchmark's start orders and idle slots (result files before 2026-12-07 20:30: orders only). */
function criticalNotes(perRound) {
  const variants = Object.keys(perRound[0]);
  if (!variants.some((v) => v.endsWith(": first run"))) {
    const orders = perRound.map(
      (p) => `${p["critical path"].out.order.join(" ")} ∣ ${p["name order"].out.order.join(" ")}`,
    );
    return [`Start order (critical path ∣ name order), round 1: ${orders[0]}.`];
  }
  const byName = (order) => [...order].sort().join(" ") === order.join(" ");
  const notes = [
    "Short steps a1…a8 and a slow chain z1 → z2 → z3, concurrency 2, forced. First run: no run history, each step weighted by its input bytes — the short steps read the orders table, the chain the small customers and products tables, so the chain ranks last: name order, the worst order here (unless the short steps are still deciding 250 ms into the run, when the chain takes a free slot). Second run: the durations recorded by an earlier run — critical path. `1 thread/step`: each step in its own child process (a task timeout) with POLARS_MAX_THREADS=1, a machine with as many cores as the concurrency; `default threads`: worker threads sharing polars' pool of one thread per core, where one step can use both cores.",
  ];
  for (const config of CRITICAL_CONFIGS) {
    const [first, second] = [`${config.label}: first run`, `${config.label}: second run`];
    if (!variants.includes(first)) continue;
    const inNameOrder = perRound.filter((p) => byName(p[first].out.order)).length;
    const idle = (v) => range(stats(perRound.map((p) => p[v].out.idleSlotMs / 1000)), 1, " s");
    notes.push(
      `${config.label}, start order in round 1 — first run: ${perRound[0][first].out.order.join(" ")} (name order in ${inNameOrder} of ${perRound.length} rounds); second run: ${perRound[0][second].out.order.join(" ")}. Slot time left idle while steps remained (2 slots; median (min–max)): first run ${idle(first)}, second run ${idle(second)}.`,
    );
  }
  return notes.flatMap((n) => [n, ""]).slice(0, -1);
}

const loads = results.rounds.map((r) => `${r.load[0]}→${r.loadAfter[0]}`).join(", ");
const m = results.machine;
const stamp = results.startedAt.replace(/[:.]/g, "-");
if (!stored) {
  results.file = `perf-${stamp}${opts.quick ? "-quick" : ""}.json`;
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, results.file), `${JSON.stringify(results, null, 2)}\n`);
}
const markdown = `## Orchestration overhead, scheduling and the edit-rerun loop

<!-- Generated by \`node bench/perf.mjs\` from bench/results/${results.file}. -->

Run of ${results.startedAt.slice(0, 16).replace("T", " ")} UTC on commit \`${m.commit}\`${m.dirty ? " (uncommitted changes)" : ""}: ${m.cores} cores, Node ${m.node}, nodejs-polars ${m.nodejsPolars}, DuckDB ${m.duckdb}; ${rows.toLocaleString("en")} order rows for the project benchmarks, ${tiny.toLocaleString("en")} tiny steps, ${rounds} interleaved round(s). **Load average (1 min) before→after each round: ${loads}.** Ratios are taken within each round, then summarised; wall times on a loaded machine mostly measure the other load, CPU time less so.

${sections.join("\n\n")}
${existsSync(NOTES) ? `\n### Analysis\n\n${readFileSync(NOTES, "utf8").trim()}\n` : ""}`;
const prettier = await import("prettier");
const perfPath = join(BENCH_DIR, "perf.md");
const perfConfig = (await prettier.resolveConfig(perfPath)) ?? {};
writeFileSync(perfPath, await prettier.format(`${markdown}\n`, { ...perfConfig, filepath: perfPath }));
const reportPath = join(ROOT, "BENCHMARKS.md");
if (existsSync(reportPath)) {
  const report = readFileSync(reportPath, "utf8");
  const block = `<!-- perf:begin -->\n\n${markdown}\n\n<!-- perf:end -->`;
  const next = report.includes("<!-- perf:begin -->")
    ? report.replace(/<!-- perf:begin -->[\s\S]*<!-- perf:end -->/, () => block)
    : report.replace("\n## Analysis\n", () => `\n${block}\n\n## Analysis\n`);
  const config = (await prettier.resolveConfig(reportPath)) ?? {};
  writeFileSync(reportPath, await prettier.format(next, { ...config, filepath: reportPath }));
}
console.log(markdown);
