/**
 * Where the benchmark dataset lives and what it contains. Shared by the generator, the variants and the harness
 * so every engine reads exactly the same files.
 *
 * Layout (all under bench/data/, gitignored):
 *   rows-<N>/raw/orders.parquet      fact table, N rows, snappy
 *   rows-<N>/raw/customers.parquet   dimension table
 *   rows-<N>/csv/orders.csv          CSV copies for pandas (Debian's pandas cannot read Parquet)
 *   rows-<N>/csv/customers.csv
 *   rows-<N>/manifest.json           generator version, parameters, sizes and sha256 of each file
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const BENCH_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
export const DATA_DIR = join(BENCH_DIR, "data");
export const RESULTS_DIR = join(BENCH_DIR, "results");

/** Bump when the generated content changes, so old datasets are regenerated instead of reused. */
export const GENERATOR_VERSION = 1;

/** The seed of the PRNG; the dataset is a pure function of (version, seed, rows). */
export const SEED = 20260101;

/** Statuses kept by the clean step; everything else (cancelled, blank, garbage, null) is dropped. */
export const VALID_STATUSES = ["completed", "shipped", "pending", "returned"];

/** Dimension size: one customer per 30 orders (1M customers at 30M orders), at least 1,000. */
export function customerCount(rows) {
  return Math.max(1_000, Math.floor(rows / 30));
}

/** Paths of the dataset with `rows` fact rows. */
export function datasetPaths(rows) {
  const root = join(DATA_DIR, `rows-${rows}`);
  return {
    root,
    orders: join(root, "raw", "orders.parquet"),
    customers: join(root, "raw", "customers.parquet"),
    ordersCsv: join(root, "csv", "orders.csv"),
    customersCsv: join(root, "csv", "customers.csv"),
    manifest: join(root, "manifest.json"),
  };
}

/** The manifest of a complete dataset, or null when it is missing, partial or from another generator version. */
export function readManifest(rows) {
  const paths = datasetPaths(rows);
  if (!existsSync(paths.manifest)) return null;
  const manifest = JSON.parse(readFileSync(paths.manifest, "utf8"));
  if (manifest.version !== GENERATOR_VERSION || manifest.rows !== rows || manifest.seed !== SEED) return null;
  for (const file of Object.values(manifest.files)) {
    const path = resolve(paths.root, file.path);
    if (!existsSync(path) || statSync(path).size !== file.bytes) return null;
  }
  return manifest;
}

/** True when the manifest lists the CSV copies pandas reads. */
export function hasCsv(manifest) {
  return manifest !== null && "ordersCsv" in manifest.files && "customersCsv" in manifest.files;
}
