/**
 * The analytical project's tables, generated deterministically with Polars (no random numbers: ids are spread
 * by multiplying with primes), written as snappy Parquet to `<dir>/raw/`:
 *
 *   orders     N rows   order_id, customer_id, product_id, store_id, day (0–364), qty (-1–9), price
 *   customers  N/20     customer_id, region (8), segment (5), signup_day
 *   products   5,000    product_id, category (40), brand (300), cost
 *   stores     500      store_id, city (120), country (12)
 *
 * `node generate.mjs --rows N --dir DIR`; reused when `<dir>/raw/manifest.json` says the same rows.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pl from "nodejs-polars";

/** Writes the tables unless they are there already; returns their paths. */
export function generateTables(rows, dir) {
  const raw = join(dir, "raw");
  const paths = {
    orders: join(raw, "orders.parquet"),
    customers: join(raw, "customers.parquet"),
    products: join(raw, "products.parquet"),
    stores: join(raw, "stores.parquet"),
  };
  const manifest = join(raw, "manifest.json");
  if (existsSync(manifest) && JSON.parse(readFileSync(manifest, "utf8")).rows === rows) return paths;
  mkdirSync(raw, { recursive: true });
  const customers = Math.max(1_000, Math.floor(rows / 20));
  const write = (frame, path) => frame.writeParquet(path, { compression: "snappy" });
  const i = pl.col("i");
  const range = (n) => pl.DataFrame({ i: Array.from({ length: n }, (_, k) => k) }).lazy();
  const ordersChunk = 1_000_000;
  // Orders are written in chunks of 1M rows and concatenated lazily, so generation needs little memory.
  const chunks = [];
  for (let start = 0; start < rows; start += ordersChunk) {
    const n = Math.min(ordersChunk, rows - start);
    chunks.push(
      pl
        .DataFrame({ i: Array.from({ length: n }, (_, k) => start + k) })
        .lazy()
        .select(
          i.alias("order_id"),
          i.mul(7919).modulo(customers).alias("customer_id"),
          i.mul(104729).modulo(5_000).alias("product_id"),
          i.mul(31).modulo(500).alias("store_id"),
          i.mul(13).modulo(365).alias("day"),
          i.mul(17).modulo(11).sub(1).alias("qty"),
          i.mul(37).modulo(10_000).div(100).add(1).alias("price"),
        ),
    );
  }
  pl.concat(chunks)
    .sinkParquet(paths.orders, {
      compression: "snappy",
      maintainOrder: false,
      syncOnClose: "none",
      mkdir: true,
    })
    .collectSync({ engine: "streaming" });
  write(
    range(customers)
      .select(
        i.alias("customer_id"),
        pl.lit("region-").add(i.modulo(8).cast(pl.Utf8)).alias("region"),
        pl.lit("segment-").add(i.mul(3).modulo(5).cast(pl.Utf8)).alias("segment"),
        i.mul(11).modulo(365).alias("signup_day"),
      )
      .collectSync(),
    paths.customers,
  );
  write(
    range(5_000)
      .select(
        i.alias("product_id"),
        pl.lit("category-").add(i.modulo(40).cast(pl.Utf8)).alias("category"),
        pl.lit("brand-").add(i.mul(7).modulo(300).cast(pl.Utf8)).alias("brand"),
        i.mul(53).modulo(5_000).div(100).alias("cost"),
      )
      .collectSync(),
    paths.products,
  );
  write(
    range(500)
      .select(
        i.alias("store_id"),
        pl.lit("city-").add(i.modulo(120).cast(pl.Utf8)).alias("city"),
        pl.lit("country-").add(i.modulo(12).cast(pl.Utf8)).alias("country"),
      )
      .collectSync(),
    paths.stores,
  );
  writeFileSync(manifest, `${JSON.stringify({ rows, customers }, null, 2)}\n`);
  return paths;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { rows: { type: "string" }, dir: { type: "string" } } });
  console.log(JSON.stringify(generateTables(Number(values.rows), values.dir)));
}
