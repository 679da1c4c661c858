/**
 * The project's 12 steps in DuckDB SQL, each `COPY (query) TO '<step>.parquet'` (snappy), reading the earlier
 * steps' files: what a DuckDB user re-runs in full after any edit. `node duckdb-project.mjs --dir DIR [--tables T]` (tables in `T/raw`, default `DIR/../raw`).
 */
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { DuckDBInstance } from "@duckdb/node-api";

const { values } = parseArgs({ options: { dir: { type: "string" }, tables: { type: "string" } } });
const dir = resolve(values.dir);
const raw = join(resolve(values.tables ?? join(dir, "..")), "raw");
const out = join(dir, "duckdb");
mkdirSync(out, { recursive: true });
const t = (name) =>
  `read_parquet('${["orders", "customers", "products", "stores"].includes(name) ? join(raw, `${name}.parquet`) : join(out, `${name}.parquet`)}') AS ${name}`;
const QUERIES = [
  ["cleanOrders", `SELECT *, qty * price AS amount FROM ${t("orders")} WHERE qty > 0`],
  ["orderLines", `SELECT * FROM ${t("cleanOrders")} JOIN ${t("products")} USING (product_id)`],
  ["enriched", `SELECT * FROM ${t("orderLines")} JOIN ${t("customers")} USING (customer_id)`],
  ["withStores", `SELECT * FROM ${t("enriched")} JOIN ${t("stores")} USING (store_id)`],
  [
    "dailyRevenue",
    `SELECT day, sum(amount) AS revenue, count(*) AS orders FROM ${t("withStores")} GROUP BY day`,
  ],
  [
    "categoryRevenue",
    `SELECT category, sum(amount) AS revenue, sum(qty) AS units FROM ${t("orderLines")} GROUP BY category`,
  ],
  [
    "regionSegment",
    `SELECT region, segment, sum(amount) AS revenue, count(DISTINCT customer_id) AS customers FROM ${t("enriched")} GROUP BY ALL`,
  ],
  [
    "customerTotals",
    `SELECT customer_id, sum(amount) AS total, count(*) AS orders FROM ${t("enriched")} GROUP BY customer_id`,
  ],
  [
    "bigCustomers",
    `SELECT segment, count(*) AS customers, avg(total) AS mean_total FROM ${t("customerTotals")} JOIN ${t("customers")} USING (customer_id) WHERE orders >= 3 GROUP BY segment`,
  ],
  [
    "brandByCity",
    `SELECT brand, city, sum(amount) AS revenue FROM ${t("withStores")} WHERE qty >= 1 GROUP BY ALL`,
  ],
  [
    "storePerformance",
    `SELECT store_id, country, sum(amount) AS revenue, avg(amount) AS ticket FROM ${t("withStores")} GROUP BY ALL`,
  ],
  ["margins", `SELECT brand, sum(amount - cost * qty) AS margin FROM ${t("orderLines")} GROUP BY brand`],
];
const instance = await DuckDBInstance.create(":memory:");
const db = await instance.connect();
await db.run("SET preserve_insertion_order = false");
const started = performance.now();
for (const [name, query] of QUERIES) {
  await db.run(`COPY (${query}) TO '${join(out, `${name}.parquet`)}' (FORMAT parquet, COMPRESSION snappy)`);
}
db.closeSync();
console.log(JSON.stringify({ variant: "duckdb", runMs: Math.round(performance.now() - started) }));
