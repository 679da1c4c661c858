/**
 * The measured variants: how to start each one as its own process and where it leaves its outputs, and, for
 * a variant that needs something installed first, a `prepare` function the harness calls before the first round.
 * `glacier-noop` reruns Glacier over the directory its full run just wrote, so it is always measured right
 * after a `glacier` run of the same iteration.
 */
import { join } from "node:path";
import { BENCH_DIR, customerCount } from "./dataset.mjs";
import { LEGACY_POLARS_VERSION, ensureLegacyPolars } from "./polars-0.24.mjs";

const NODE = process.execPath;
const PYTHON = "/usr/bin/python3"; // Debian's interpreter, where python3-pandas is installed (not a pyenv shim)

const parquetOutputs = (clean, enriched, summary) => (out) => ({
  format: "parquet",
  clean: join(out, clean),
  enriched: join(out, enriched),
  summary: join(out, summary),
});

const glacierOutputs = parquetOutputs(
  "warehouse/clean/orders.parquet",
  "warehouse/enriched/orders.parquet",
  "warehouse/summary/orders_by_month.parquet",
);

const floorWith = (label, flags, env) => ({
  label,
  command: NODE,
  args: (rows, out) => [
    join(BENCH_DIR, "variants/floor.mjs"),
    "--rows",
    String(rows),
    "--out",
    out,
    ...flags,
  ],
  outputs: parquetOutputs("clean.parquet", "enriched.parquet", "summary.parquet"),
  ...(env ? { env } : {}),
  diagnostic: true,
});

/** Glacier's variant script (`bench/variants/glacier.mjs`) with extra flags. */
const glacierWith = (label, flags) => ({
  label,
  command: NODE,
  args: (rows, out) => [
    join(BENCH_DIR, "variants/glacier.mjs"),
    "--rows",
    String(rows),
    "--out",
    out,
    ...flags,
  ],
  outputs: glacierOutputs,
});

/** Every variant, in the order they are listed in reports. */
export const VARIANTS = {
  floor: {
    label: "floor (hand-written nodejs-polars)",
    command: NODE,
    args: (rows, out) => [join(BENCH_DIR, "variants/floor.mjs"), "--rows", String(rows), "--out", out],
    outputs: parquetOutputs("clean.parquet", "enriched.parquet", "summary.parquet"),
  },
  glacier: glacierWith("Glacier (@glacier/local), full run", []),
  "glacier-noop": { ...glacierWith("Glacier, no-op rerun", ["--rerun"]), reuses: "glacier" },
  // Diagnostic: the full run with five data checks (clean: not-null, unique, range; enriched: relationships,
  // row count), each reading the written output back before its commit.
  "glacier-checks": {
    ...glacierWith("Glacier, full run with 5 data checks", ["--checks"]),
    diagnostic: true,
  },
  // Low-memory mode (`--low-memory`), against the floor run with the Polars settings that mode derives: reads
  // without memory maps, and a join sample just above the dimension's row count (1.25 × customers + 1).
  "glacier-low-memory": glacierWith("Glacier, --low-memory", ["--low-memory"]),
  "floor-low-memory": {
    ...floorWith("floor, same Polars settings as --low-memory", [], (rows) => ({
      POLARS_FORCE_ASYNC: "1",
      POLARS_JOIN_SAMPLE_LIMIT: String(Math.ceil(customerCount(rows) * 1.25) + 1),
    })),
    diagnostic: false,
  },
  "floor-low-memory-ordered": floorWith(
    "floor, --low-memory's Polars settings + ordered sinks",
    ["--ordered"],
    (rows) => ({
      POLARS_FORCE_ASYNC: "1",
      POLARS_JOIN_SAMPLE_LIMIT: String(Math.ceil(customerCount(rows) * 1.25) + 1),
    }),
  ),
  duckdb: {
    label: "DuckDB (@duckdb/node-api)",
    command: NODE,
    args: (rows, out) => [join(BENCH_DIR, "variants/duckdb.mjs"), "--rows", String(rows), "--out", out],
    outputs: parquetOutputs("clean.parquet", "enriched.parquet", "summary.parquet"),
  },
  pandas: {
    label: "pandas (Debian python3-pandas, CSV)",
    command: PYTHON,
    args: (rows, out) => [
      join(BENCH_DIR, "variants/pandas_pipeline.py"),
      "--rows",
      String(rows),
      "--out",
      out,
    ],
    outputs: (out) => ({
      format: "csv",
      clean: join(out, "clean.csv"),
      enriched: join(out, "enriched.csv"),
      summary: join(out, "summary.csv"),
    }),
    needsCsv: true,
  },
  // Diagnostics, run only when named in --variants: the floor with one of Glacier's choices changed.
  "floor-zstd": floorWith("floor, zstd instead of snappy", ["--zstd"]),
  "floor-ordered": floorWith("floor, sinks keep row order", ["--ordered"]),
  "floor-zstd-ordered": floorWith("floor, zstd + ordered sinks", ["--zstd", "--ordered"]),
  "floor-async": floorWith("floor, POLARS_FORCE_ASYNC=1 (no mmap)", [], { POLARS_FORCE_ASYNC: "1" }),
  // The floor on the previous nodejs-polars, so the upgrade is measured within one run; `prepare` installs it
  // into bench/.polars-0.24/ before the first round.
  "floor-polars-0.24": {
    ...floorWith(`floor on nodejs-polars ${LEGACY_POLARS_VERSION} (previous version)`, ["--polars-0.24"]),
    prepare: ensureLegacyPolars,
  },
};

export const VARIANT_NAMES = Object.keys(VARIANTS);

/** What `npm run bench` runs when --variants is not given. */
export const DEFAULT_VARIANTS = VARIANT_NAMES.filter((name) => !VARIANTS[name].diagnostic);
