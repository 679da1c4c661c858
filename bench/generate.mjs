/**
 * Deterministic synthetic dataset for the benchmarks: a fact table `orders` (default 30M rows) and a dimension
 * table `customers`, as snappy Parquet. Generated in 1M-row chunks (one small Parquet file each, then streamed
 * into one file), so memory stays low whatever `--rows` is. The content is a pure function of the generator
 * version, the seed and `--rows`; a complete dataset is reused.
 *
 *   node bench/generate.mjs [--rows 30000000] [--csv]
 *
 * `--csv` also writes CSV copies for the pandas variant.
 */
import { createHash } from "node:crypto";
import { createReadStream, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { parseArgs } from "node:util";
import { setImmediate } from "node:timers";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import pl from "nodejs-polars";
import {
  GENERATOR_VERSION,
  SEED,
  customerCount,
  datasetPaths,
  hasCsv,
  readManifest,
} from "./lib/dataset.mjs";

const CHUNK_ROWS = 1_000_000;
const PRODUCTS = 20_000;
const FIRST_DAY = 19_358; // 2023-01-01 as days since the epoch; orders span two years
const DAYS = 731;
const REGIONS = ["north", "south", "east", "west", "central", "north-east", "south-west", "islands"];
const SEGMENTS = [
  ["consumer", 0.6],
  ["small-business", 0.3],
  ["corporate", 0.1],
];
/** Status values with their probabilities: clean values, messy spellings of them, and garbage to drop. */
const STATUSES = [
  ["completed", 0.58],
  ["shipped", 0.15],
  ["pending", 0.08],
  ["returned", 0.05],
  ["cancelled", 0.07],
  ["Completed", 0.02],
  [" shipped ", 0.01],
  ["RETURNED", 0.01],
  ["", 0.01],
  ["n/a", 0.01],
  [null, 0.01],
];
// Polars frames hold native memory behind small JS objects, so V8 sees no pressure to collect them: collect
// explicitly after each chunk, or finished chunks pile up (~70 MB per 1M-row chunk: 2.3 GB at 30M rows).
setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc");
async function releaseNativeMemory() {
  collectGarbage();
  await new Promise((resolve) => setImmediate(resolve)); // native finalizers run after the collection
  collectGarbage();
}

/** Sink options that keep row order, so the output bytes do not depend on thread scheduling. */
const ORDERED = { syncOnClose: "all", maintainOrder: true, mkdir: true };
/**
 * The inputs' Parquet layout, explicit: row groups of 122,880 rows (the last one shorter), with statistics, as
 * nodejs-polars 0.24.1 wrote by default, so the dataset has the layout every earlier result was measured on.
 * 0.26.1's default splits a file into groups of equal size instead (1M rows: nine of 111,111).
 */
const LAYOUT = { compression: "snappy", statistics: true, rowGroupSize: 122_880 };

/** mulberry32: a tiny, fast, well-mixed 32-bit PRNG; one stream per chunk so chunks are independent. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function chunkSeed(table, index) {
  return (SEED ^ Math.imul(index + 1, 0x9e3779b1) ^ (table === "customers" ? 0x5bd1e995 : 0)) >>> 0;
}

function pick(weighted, u) {
  let acc = 0;
  for (const [value, p] of weighted) {
    acc += p;
    if (u < acc) return value;
  }
  return weighted[weighted.length - 1][0];
}

/** Rows [start, start + n) of the fact table. ~1% null amounts, ~0.5% refunds, ~0.5% zero quantities. */
function ordersChunk(index, start, n, customers) {
  const r = prng(chunkSeed("orders", index));
  const orderId = new Int32Array(n);
  const customerId = new Int32Array(n);
  const productId = new Int32Array(n);
  const day = new Int32Array(n);
  const amount = new Float64Array(n);
  const quantity = new Int32Array(n);
  const status = new Array(n);
  // ~1% of orders point at customers missing from the dimension table; the inner join drops them.
  const customerRange = Math.floor(customers * 1.01);
  for (let i = 0; i < n; i++) {
    orderId[i] = start + i + 1;
    customerId[i] = 1 + Math.floor(r() * customerRange);
    productId[i] = 1 + Math.floor(r() * PRODUCTS);
    day[i] = FIRST_DAY + Math.floor(r() * DAYS);
    const u = r();
    const price = (100 + Math.floor(r() * 49_901)) / 100;
    amount[i] = u < 0.01 ? NaN : u < 0.015 ? -price : price;
    quantity[i] = r() < 0.005 ? 0 : 1 + Math.floor(r() * 10);
    status[i] = pick(STATUSES, r());
  }
  return pl
    .DataFrame([
      pl.Series("order_id", orderId),
      pl.Series("customer_id", customerId),
      pl.Series("product_id", productId),
      pl.Series("day", day),
      pl.Series("amount", amount),
      pl.Series("quantity", quantity),
      pl.Series("status", status, pl.Utf8),
    ])
    .select(
      pl.col("order_id").cast(pl.Int64),
      pl.col("customer_id").cast(pl.Int64),
      pl.col("product_id"),
      pl.col("day").cast(pl.Date),
      pl.when(pl.col("amount").isNan()).then(pl.lit(null)).otherwise(pl.col("amount")).alias("amount"),
      pl.col("quantity"),
      pl.col("status"),
    );
}

/** The dimension table: one row per customer id 1..count. */
function customersFrame(count) {
  const r = prng(chunkSeed("customers", 0));
  const id = new Int32Array(count);
  const signup = new Int32Array(count);
  const name = new Array(count);
  const region = new Array(count);
  const segment = new Array(count);
  for (let i = 0; i < count; i++) {
    id[i] = i + 1;
    name[i] = `customer-${i + 1}`;
    region[i] = REGIONS[Math.floor(r() * REGIONS.length)];
    segment[i] = pick(SEGMENTS, r());
    signup[i] = FIRST_DAY - 2_922 + Math.floor(r() * 2_922);
  }
  return pl
    .DataFrame([
      pl.Series("customer_id", id),
      pl.Series("name", name, pl.Utf8),
      pl.Series("region", region, pl.Utf8),
      pl.Series("segment", segment, pl.Utf8),
      pl.Series("signup_day", signup),
    ])
    .select(
      pl.col("customer_id").cast(pl.Int64),
      "name",
      "region",
      "segment",
      pl.col("signup_day").cast(pl.Date),
    );
}

async function sha256(path) {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk);
  return hash.digest("hex");
}

async function describe(root, path) {
  return { path: relative(root, path), bytes: statSync(path).size, sha256: await sha256(path) };
}

async function generateParquet(rows, paths) {
  const customers = customerCount(rows);
  const chunkDir = join(paths.root, "chunks");
  rmSync(chunkDir, { recursive: true, force: true });
  mkdirSync(chunkDir, { recursive: true });
  mkdirSync(dirname(paths.orders), { recursive: true });
  const chunks = Math.ceil(rows / CHUNK_ROWS);
  for (let index = 0; index < chunks; index++) {
    const start = index * CHUNK_ROWS;
    const n = Math.min(CHUNK_ROWS, rows - start);
    const file = join(chunkDir, `part-${String(index).padStart(5, "0")}.parquet`);
    ordersChunk(index, start, n, customers).writeParquet(file, { compression: "snappy" });
    await releaseNativeMemory();
    process.stderr.write(
      `\rorders: ${Math.min(rows, start + n).toLocaleString("en")} / ${rows.toLocaleString("en")} rows`,
    );
  }
  process.stderr.write("\n");
  // One file, streamed from the chunks.
  pl.scanParquet(join(chunkDir, "*.parquet"))
    .sinkParquet(paths.orders, { ...LAYOUT, ...ORDERED })
    .collectSync({ engine: "streaming" });
  rmSync(chunkDir, { recursive: true, force: true });
  customersFrame(customers)
    .lazy()
    .sinkParquet(paths.customers, { ...LAYOUT, ...ORDERED })
    .collectSync({ engine: "streaming" });
  return {
    orders: await describe(paths.root, paths.orders),
    customers: await describe(paths.root, paths.customers),
  };
}

async function generateCsv(paths) {
  mkdirSync(dirname(paths.ordersCsv), { recursive: true });
  const csv = { dateFormat: "%Y-%m-%d", maintainOrder: true };
  pl.scanParquet(paths.orders).sinkCSV(paths.ordersCsv, csv).collectSync({ engine: "streaming" });
  pl.scanParquet(paths.customers).sinkCSV(paths.customersCsv, csv).collectSync({ engine: "streaming" });
  return {
    ordersCsv: await describe(paths.root, paths.ordersCsv),
    customersCsv: await describe(paths.root, paths.customersCsv),
  };
}

/** Makes sure the dataset exists (and its CSV copies when `csv`); returns its manifest. */
export async function ensureDataset(rows, { csv = false } = {}) {
  const paths = datasetPaths(rows);
  let manifest = readManifest(rows);
  if (manifest !== null && (!csv || hasCsv(manifest))) return manifest;
  const started = Date.now();
  if (manifest === null) {
    rmSync(paths.root, { recursive: true, force: true });
    manifest = {
      version: GENERATOR_VERSION,
      seed: SEED,
      rows,
      customers: customerCount(rows),
      files: await generateParquet(rows, paths),
    };
  }
  if (csv && !hasCsv(manifest)) manifest.files = { ...manifest.files, ...(await generateCsv(paths)) };
  writeFileSync(paths.manifest, `${JSON.stringify(manifest, null, 2)}\n`);
  process.stderr.write(`dataset rows-${rows} ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return manifest;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { rows: { type: "string", default: "30000000" }, csv: { type: "boolean", default: false } },
  });
  const rows = Number(values.rows);
  if (!Number.isInteger(rows) || rows < 1_000) throw new Error(`--rows must be a whole number ≥ 1000`);
  const manifest = await ensureDataset(rows, { csv: values.csv });
  const files = Object.values(manifest.files).map((f) => `${f.path} ${(f.bytes / 2 ** 20).toFixed(1)} MiB`);
  console.log(`dataset ${datasetPaths(rows).root}: ${files.join(", ")}`);
  if (!existsSync(datasetPaths(rows).orders)) process.exit(1);
}
