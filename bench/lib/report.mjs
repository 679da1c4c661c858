/**
 * Turns a result file into numbers (medians, ratios against the floor, the issue's targets) and into
 * BENCHMARKS.md. Everything in the report is derived from the result file, except bench/notes.md (hand-written
 * analysis), which is included verbatim so it survives regeneration.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { BENCH_DIR, RESULTS_DIR } from "./dataset.mjs";
import { VARIANTS } from "./variants.mjs";

const GB = 1e9;
const LEGACY_FLOOR = "floor-polars-0.24";
const FULL_SIZE = 30_000_000;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const peakOf = (run) => Math.max(run.peakRssKiB, run.treePeakRssKiB);

/** Medians per variant, ratios against the floor, and the issue's targets marked met / not met. */
export function summarise(results) {
  const variants = {};
  for (const name of Object.keys(VARIANTS)) {
    const runs = results.runs.filter((r) => r.variant === name);
    if (runs.length === 0) continue;
    const stepNames = runs[0].steps.map((s) => s.name);
    variants[name] = {
      runs: runs.length,
      wallMs: median(runs.map((r) => r.wallMs)),
      minWallMs: Math.min(...runs.map((r) => r.wallMs)),
      maxWallMs: Math.max(...runs.map((r) => r.wallMs)),
      peakRssKiB: median(runs.map(peakOf)),
      anonPeakKiB: median(runs.map((r) => r.anonPeakKiB ?? 0)),
      cpuS: median(runs.map((r) => r.userS + r.sysS)),
      steps: stepNames.map((step) => ({
        name: step,
        ms: median(runs.map((r) => r.steps.find((s) => s.name === step)?.ms ?? 0)),
      })),
    };
  }
  const floor = variants.floor;
  for (const v of Object.values(variants)) {
    v.wallRatio = floor ? v.wallMs / floor.wallMs : null;
    v.rssRatio = floor ? v.peakRssKiB / floor.peakRssKiB : null;
    v.cpuRatio = floor ? v.cpuS / floor.cpuS : null;
  }
  // Per-round ratios: each variant against the reference's run of the same round. The machines here drift
  // by up to ±25% within minutes, and runs of one round are minutes closer together than medians of
  // different rounds, so the median of these ratios is the steadier estimate; both are reported.
  const perRound = (name, reference) => {
    const ratios = results.runs
      .filter((r) => r.variant === name)
      .map((r) => {
        const ref = results.runs.find((x) => x.variant === reference && x.iteration === r.iteration);
        return ref ? r.wallMs / ref.wallMs : null;
      })
      .filter((v) => v !== null);
    return ratios.length === 0
      ? null
      : { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) };
  };
  const paired = (name, reference) => {
    const p = perRound(name, reference);
    return p ? `; per round: median ${p.median.toFixed(2)}×, ${p.min.toFixed(2)}–${p.max.toFixed(2)}×` : "";
  };
  const glacier = variants.glacier;
  const noop = variants["glacier-noop"];
  const low = variants["glacier-low-memory"];
  const lowFloor = variants["floor-low-memory"];
  const fullSize = results.options.rows >= FULL_SIZE;
  const target = (name, ok, measured) => ({ name, met: ok, measured });
  const under1GB = (name, v) =>
    target(
      name,
      v && fullSize ? v.peakRssKiB * 1024 < GB : null,
      v
        ? `${((v.peakRssKiB * 1024) / GB).toFixed(2)} GB${fullSize ? "" : ` (only ${results.options.rows.toLocaleString("en")} rows: not assessed)`}`
        : "not measured",
    );
  const targets = [
    target(
      "Glacier wall time ≤ 1.10× the floor",
      glacier && floor ? glacier.wallRatio <= 1.1 : null,
      glacier && floor ? `${glacier.wallRatio.toFixed(2)}×${paired("glacier", "floor")}` : "not measured",
    ),
    target(
      "Glacier peak RSS ≤ 1.2× the floor",
      glacier && floor ? glacier.rssRatio <= 1.2 : null,
      glacier && floor ? `${glacier.rssRatio.toFixed(2)}×` : "not measured",
    ),
    target(
      "No-op rerun ≤ 5% of a full run",
      glacier && noop ? noop.wallMs <= 0.05 * glacier.wallMs : null,
      glacier && noop
        ? `${((100 * noop.wallMs) / glacier.wallMs).toFixed(1)}% (${(noop.wallMs / 1000).toFixed(2)} s)`
        : "not measured",
    ),
    under1GB("Glacier peak RSS < 1 GB (10⁹ bytes) at 30M rows, default settings", glacier),
    under1GB("Glacier peak RSS < 1 GB (10⁹ bytes) at 30M rows, `--low-memory`", low),
    target(
      "`--low-memory`: wall time ≤ 1.10× the floor with the same Polars settings",
      low && lowFloor ? low.wallMs / lowFloor.wallMs <= 1.1 : null,
      low && lowFloor
        ? `${(low.wallMs / lowFloor.wallMs).toFixed(2)}×${paired("glacier-low-memory", "floor-low-memory")}`
        : "not measured",
    ),
    target(
      "`--low-memory`: peak RSS ≤ 1.2× the floor with the same Polars settings",
      low && lowFloor ? low.peakRssKiB / lowFloor.peakRssKiB <= 1.2 : null,
      low && lowFloor ? `${(low.peakRssKiB / lowFloor.peakRssKiB).toFixed(2)}×` : "not measured",
    ),
  ];
  return { variants, targets, polarsUpgrade: polarsUpgrade(results, variants, perRound) };
}

/**
 * The floor on the current nodejs-polars against the same floor on the previous one (`floor-polars-0.24`), both
 * from this run: ratios current ÷ previous (below 1: the current version is faster or smaller). Null when the
 * run did not measure both.
 */
function polarsUpgrade(results, variants, perRound) {
  const current = variants.floor;
  const previous = variants[LEGACY_FLOOR];
  if (!current || !previous) return null;
  const versionOf = (name, fallback) => results.runs.find((r) => r.variant === name)?.polars ?? fallback;
  const ratio = (a, b) => (b > 0 ? a / b : null);
  return {
    current: { variant: "floor", version: versionOf("floor", results.machine.nodejsPolars) },
    previous: { variant: LEGACY_FLOOR, version: versionOf(LEGACY_FLOOR, "0.24.1") },
    wallRatio: ratio(current.wallMs, previous.wallMs),
    // Per round: each round's floor ÷ the same round's floor-polars-0.24.
    perRound: perRound("floor", LEGACY_FLOOR),
    rssRatio: ratio(current.peakRssKiB, previous.peakRssKiB),
    anonRatio: ratio(current.anonPeakKiB, previous.anonPeakKiB),
    cpuRatio: ratio(current.cpuS, previous.cpuS),
    steps: current.steps.map((step) => {
      const before = previous.steps.find((s) => s.name === step.name)?.ms ?? 0;
      return { name: step.name, ratio: ratio(step.ms, before) };
    }),
  };
}

const secs = (ms) => (ms / 1000).toFixed(2);
const mib = (kib) => (kib / 1024).toFixed(0);
const x = (ratio) => (ratio === null ? "—" : `${ratio.toFixed(2)}×`);
const mark = (met) => (met === null ? "n/a" : met ? "**met**" : "**not met**");

/** A Markdown table; `align` has one letter per column, l or r. */
function table(header, rows, align) {
  return [
    `| ${header.join(" | ")} |`,
    `| ${header.map((_, i) => (align[i] === "r" ? "---:" : "---")).join(" | ")} |`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
}

/** The section comparing the floor on both nodejs-polars versions of this run, or "" when it did not run both. */
function polarsSection(results) {
  const u = results.summary.polarsUpgrade;
  if (!u) return "";
  const { variants } = results.summary;
  const before = variants[u.previous.variant];
  const after = variants[u.current.variant];
  const cur = u.current.version;
  const prev = u.previous.version;
  const perRound = u.perRound
    ? `; per round: median ${x(u.perRound.median)}, ${u.perRound.min.toFixed(2)}–${u.perRound.max.toFixed(2)}×`
    : "";
  const row = (label, a, b, ratio, extra = "") => [label, a, b, `${x(ratio)}${extra}`];
  const rows = [
    row("wall time (s)", secs(before.wallMs), secs(after.wallMs), u.wallRatio, perRound),
    row("peak RSS (MiB)", mib(before.peakRssKiB), mib(after.peakRssKiB), u.rssRatio),
    row("anonymous (MiB)", mib(before.anonPeakKiB), mib(after.anonPeakKiB), u.anonRatio),
    row("CPU (s)", before.cpuS.toFixed(1), after.cpuS.toFixed(1), u.cpuRatio),
    ...u.steps.map((step) =>
      row(
        `step ${step.name} (s)`,
        secs(before.steps.find((s) => s.name === step.name)?.ms ?? 0),
        secs(after.steps.find((s) => s.name === step.name)?.ms ?? 0),
        step.ratio,
      ),
    ),
  ];
  return `
## nodejs-polars ${cur} vs ${prev} (same run)

\`floor\` and \`${u.previous.variant}\` are the same script (\`bench/variants/floor.mjs\`; \`--polars-0.24\` loads
${prev} from \`bench/.polars-0.24/\`), run in the same rounds on the same inputs (${after.runs === before.runs ? `${after.runs} run(s) each` : `${after.runs} and ${before.runs} runs`}).
Both write the same sink settings, set explicitly because the defaults changed between the versions: snappy, no
statistics, rows in any order, no fsync. Row-group sizes are each version's default (0.24.1: 122,880 rows;
0.26.1: smaller groups of equal size). Medians; below 1× the newer version is faster or smaller.

${table(["measure", prev, cur, `${cur} ÷ ${prev}`], rows, "lrrr")}
`;
}

/** The latest earlier full result file with as many rows as `results` that measured the floor, or null. */
function previousRun(results) {
  if (!existsSync(RESULTS_DIR)) return null;
  const earlier = readdirSync(RESULTS_DIR)
    .filter((f) => f.endsWith(".json") && f !== results.file)
    .map((f) => ({ ...JSON.parse(readFileSync(join(RESULTS_DIR, f), "utf8")), file: f }))
    .filter(
      (r) =>
        !r.options.quick &&
        r.options.rows === results.options.rows &&
        r.startedAt < results.startedAt &&
        r.runs.some((run) => run.variant === "floor"),
    )
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  const previous = earlier.at(-1);
  if (!previous) return null;
  previous.summary = summarise(previous); // with this report module, like --report-only
  return previous;
}

/** The section comparing this run's ratios with the previous result file's. */
function previousSection(results) {
  const before = previousRun(results);
  if (!before) {
    return `
## Compared with the previous run

No earlier result file in \`bench/results/\` measured the floor on ${results.options.rows.toLocaleString("en")} rows.
`;
  }
  const now = results.summary.variants;
  const then = before.summary.variants;
  const when = (r) => `${r.startedAt.slice(0, 16).replace("T", " ")} UTC`;
  const session = (label, r) => [
    label,
    `\`${r.machine.commit ?? "?"}\``,
    r.machine.node,
    r.machine.nodejsPolars ?? "?",
    r.options.iterations,
    secs(r.summary.variants.floor.wallMs),
    mib(r.summary.variants.floor.peakRssKiB),
    `\`${r.checks.floor?.sha256 ?? "—"}\``,
  ];
  const both = Object.keys(now).filter((name) => name !== "floor" && then[name]);
  const sameInputs = ["orders", "customers"].every(
    (key) => before.dataset.files[key]?.sha256 === results.dataset.files[key]?.sha256,
  );
  const sameResult = ["sha256", "cleanRows", "enrichedRows"].every(
    (key) => before.checks.floor?.[key] === results.checks.floor?.[key],
  );
  const software = [
    before.machine.node !== results.machine.node
      ? `Node ${before.machine.node} then, ${results.machine.node} now`
      : null,
    before.machine.nodejsPolars !== results.machine.nodejsPolars
      ? `nodejs-polars ${before.machine.nodejsPolars ?? "?"} then, ${results.machine.nodejsPolars} now`
      : null,
  ].filter(Boolean);
  const upgrade = results.summary.polarsUpgrade
    ? "The nodejs-polars upgrade itself is measured within this run (previous section)."
    : `To compare nodejs-polars versions within one run, add \`${LEGACY_FLOOR}\` to --variants.`;
  return `
## Compared with the previous run

Previous result file: \`bench/results/${before.file}\`. **Absolute numbers are not comparable across sessions**:
${software.length > 0 ? `${software.join("; ")}; and ` : ""}this machine's speed drifts 10–15% between sessions
and more within one. Only each variant's ratio to the floor of its own session compares. ${upgrade}

${table(
  [
    "session",
    "commit",
    "Node",
    "nodejs-polars",
    "rounds",
    "floor wall (s)",
    "floor peak RSS (MiB)",
    "result checksum",
  ],
  [session(`${when(before)} (previous)`, before), session(`${when(results)} (this run)`, results)],
  "llllrrrl",
)}

${
  sameResult
    ? `Both sessions computed the same result (same checksum and row counts)`
    : `**The results differ** (checksum \`${before.checks.floor?.sha256}\` then, \`${results.checks.floor?.sha256}\` now)`
}${
    sameInputs
      ? ", from byte-identical input files."
      : `; the input files were regenerated and their bytes differ (sha256 in the result files' manifests).`
  }

${table(
  [
    "variant",
    "wall × floor, previous",
    "wall × floor, this run",
    "peak RSS × floor, previous",
    "peak RSS × floor, this run",
  ],
  both.map((name) => [
    VARIANTS[name].label,
    x(then[name].wallRatio),
    x(now[name].wallRatio),
    x(then[name].rssRatio),
    x(now[name].rssRatio),
  ]),
  "lrrrr",
)}
`;
}

/** BENCHMARKS.md for a result file. */
export function renderReport(results) {
  const { variants, targets } = results.summary;
  const m = results.machine;
  const d = results.dataset;
  const o = results.options;
  const notesPath = join(BENCH_DIR, "notes.md");
  const notes = existsSync(notesPath) ? readFileSync(notesPath, "utf8").trim() : null;
  // The orchestration benchmarks (bench/perf.mjs) keep their own section, carried over between the two harnesses.
  const perfPath = join(BENCH_DIR, "perf.md");
  const perf = existsSync(perfPath) ? readFileSync(perfPath, "utf8").trim() : null;
  const file = (key) => d.files[key];
  const size = (key) => (file(key) ? `${(file(key).bytes / 2 ** 20).toFixed(0)} MiB` : "—");
  return `# Benchmarks

<!-- Generated by \`npm run bench\` (bench/run.mjs) from bench/results/${results.file}; edit bench/notes.md or bench/lib/report.mjs, not this file. -->

The same three-step pipeline — **clean → join → aggregate**, each step materialised as a file — run by Glacier's
local executor and by three references: a hand-written nodejs-polars script (the **floor**: the same work done
as well as we know how), DuckDB, and pandas. Each variant is its own process, measured from outside.

Run of ${results.startedAt.slice(0, 16).replace("T", " ")} UTC on commit \`${m.commit ?? "?"}\`${m.dirty ? " (with uncommitted changes)" : ""}: ${o.rows.toLocaleString("en")} order rows, ${o.iterations} interleaved round(s)${o.variants.includes("pandas") ? ` (pandas: ${Math.min(o.pandasIterations, o.iterations)})` : ""}.

## Results (medians)

${table(
  [
    "variant",
    "runs",
    "wall time (s)",
    "× floor",
    "peak RSS (MiB)",
    "× floor",
    "anonymous (MiB)",
    "CPU (s)",
    "× floor",
    "wall min–max (s)",
    "steps (median s)",
  ],
  Object.entries(variants).map(([name, v]) => [
    VARIANTS[name].label,
    v.runs,
    secs(v.wallMs),
    x(v.wallRatio),
    mib(v.peakRssKiB),
    x(v.rssRatio),
    mib(v.anonPeakKiB),
    v.cpuS.toFixed(1),
    x(v.cpuRatio),
    `${secs(v.minWallMs)}–${secs(v.maxWallMs)}`,
    v.steps.map((s) => `${s.name} ${secs(s.ms)}`).join(", "),
  ]),
  "lrrrrrrrrrl",
)}

Wall time is the whole process (start-up, imports, all three steps); "steps" are timed inside the process.
Peak RSS is what the kernel reports (it includes resident pages of memory-mapped input files, which Polars
uses to read Parquet); "anonymous" is the process tree's peak of heap and buffer memory alone. CPU is user +
sys time of all threads and children, less disturbed than wall time by other load on the machine.

## Targets

${table(
  ["target", "measured", "status"],
  targets.map((t) => [t.name, t.measured, mark(t.met)]),
  "lrl",
)}
${polarsSection(results)}${previousSection(results)}${perf ? `\n<!-- perf:begin -->\n\n${perf}\n\n<!-- perf:end -->\n` : ""}${notes ? `\n## Analysis\n\n${notes}\n` : ""}
## Method

- **Harness**: \`bench/run.mjs\`. Each round runs every variant once, starting at a different variant each round,
  so drift of the machine spreads over all of them; the Glacier no-op rerun always runs right after the Glacier
  full run it reruns. Medians over the rounds; ratios are against the floor's median **of the same session**
  (machines here drift 10–15% between sessions, so only ratios within one session compare).
- **Wall time**: from spawning the process to its exit, on the harness's monotonic clock.
- **Peak RSS**: the larger of GNU \`time\`'s \`%M\` (the kernel's high-water mark of the largest process in the
  tree, \`ru_maxrss\`) and the peak of the RSS summed over the whole process tree, polled from \`/proc\` every 50 ms.
  **Anonymous** is the polled peak of \`RssAnon\` summed over the tree: memory the process owns, without the
  resident pages of files it memory-maps (Polars maps its Parquet inputs; DuckDB and pandas read them).
- **Same work**: Glacier's tasks and the floor call the same Polars functions (\`bench/lib/pipeline-polars.mjs\`);
  DuckDB and pandas restate them. After every run, \`bench/verify.mjs\` (a separate process) reads the outputs:
  the row counts of both intermediates and the whole aggregate must match the first run (integers exactly,
  revenue within 1e-9 relative), or the harness stops with an error.
- **Same output format**: every variant but pandas reads the same snappy Parquet inputs and writes snappy
  Parquet. The floor uses the streaming engine and \`sinkParquet\` per step, with the version's default row
  groups (nodejs-polars 0.24.1: 122,880 rows; 0.26.1: smaller groups of equal size); DuckDB uses
  \`COPY … TO\` with its defaults (snappy, 122,880-row groups) and \`preserve_insertion_order = false\`
  (the floor's sinks do not keep order either). Glacier writes with its executor's settings (see the analysis);
  the \`floor-*\` rows are the floor with one of those settings changed, to measure what each costs, and
  \`${LEGACY_FLOOR}\` is the unchanged floor on the previous nodejs-polars.
- **pandas**: Debian 12's \`python3-pandas\` has neither pyarrow nor fastparquet, so it cannot read or write
  Parquet: it reads CSV copies of the same dataset and writes CSV intermediates. Its numbers include CSV
  parsing and formatting and are not comparable one-for-one; they show what the default stack of a pandas
  user on this machine costs.
- All inputs are read once before the first run, so every variant starts with the same (warm) page cache.
- Load: the 1-minute load average before each run is recorded in the result file (other processes on the
  machine make numbers noisier; see the per-run table).

## Machine

${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB RAM; ${m.os}, Linux ${m.kernel}. Node ${m.node}, nodejs-polars ${m.nodejsPolars}${results.summary.polarsUpgrade ? ` (and ${results.summary.polarsUpgrade.previous.version} for \`${LEGACY_FLOOR}\`)` : ""}, @duckdb/node-api ${m.duckdb}, Python ${m.python} with pandas ${m.pandas}.

## Dataset

Generated by \`bench/generate.mjs\` (deterministic: generator v${d.version}, seed ${d.seed}; reused when present):

- \`orders\`: ${d.rows.toLocaleString("en")} rows (order_id, customer_id, product_id, day, amount, quantity, status),
  ${size("orders")} snappy Parquet (${size("ordersCsv")} as CSV). About 1% null amounts, 0.5% refunds, 0.5% zero
  quantities, 7% cancelled and 3% invalid statuses to drop; 3% messy spellings to normalise; 1% of orders point at
  unknown customers.
- \`customers\`: ${d.customers.toLocaleString("en")} rows (customer_id, name, region, segment, signup_day), ${size("customers")}.
- The pipeline: **clean** (trim/lower-case status, drop invalid rows, revenue = amount × quantity) →
  **join** with customers (inner, adds region and segment) → **aggregate** orders, units and revenue per region,
  segment, year, month and status (${results.checks.floor?.summaryRows ?? "—"} rows).
- Result checksum (all variants agree): \`${Object.values(results.checks)[0]?.sha256 ?? "—"}\` —
  ${Object.values(results.checks)[0]?.cleanRows?.toLocaleString("en") ?? "—"} clean rows,
  ${Object.values(results.checks)[0]?.enrichedRows?.toLocaleString("en") ?? "—"} joined rows.

## Every run

${table(
  [
    "round",
    "variant",
    "wall (s)",
    "%M (MiB)",
    "tree (MiB)",
    "anon (MiB)",
    "user+sys (s)",
    "load before",
    "steps (s)",
  ],
  results.runs.map((r) => [
    r.iteration + 1,
    r.variant,
    secs(r.wallMs),
    mib(r.peakRssKiB),
    mib(r.treePeakRssKiB),
    mib(r.anonPeakKiB ?? 0),
    (r.userS + r.sysS).toFixed(1),
    r.load1.toFixed(2),
    r.steps.map((s) => `${s.name} ${secs(s.ms)}`).join(", "),
  ]),
  "rlrrrrrrl",
)}

## Rerun

\`\`\`sh
npm run bench                      # 30M rows, 3 rounds (pandas 1), rewrites BENCHMARKS.md (~15 min, 10 of them pandas)
npm run bench -- --quick           # 1M rows, 1 round, smoke run; BENCHMARKS.md untouched
npm run bench -- --variants floor,glacier,glacier-noop,duckdb --iterations 5
npm run bench -- --rows 10000000 --pandas-iterations 3 --no-report
npm run bench -- --variants floor,${LEGACY_FLOOR} --iterations 5   # the nodejs-polars upgrade alone
\`\`\`

Needs \`/usr/bin/time\` (\`apt-get install -y time\`) and, for pandas, \`apt-get install -y python3-pandas\`. Data goes
to \`bench/data/\`, raw results to \`bench/results/\` (both gitignored); \`${LEGACY_FLOOR}\` installs nodejs-polars
0.24.1 into \`bench/.polars-0.24/\` (gitignored) on first use.
`;
}
