/**
 * The benchmark pipeline on DuckDB (`@duckdb/node-api`): one `COPY (query) TO 'file.parquet'` per step, reading
 * the previous step's file, snappy (DuckDB's default Parquet codec) with DuckDB's default row groups.
 * `preserve_insertion_order = false` matches the Polars sinks, which do not keep row order either.
 */
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { VALID_STATUSES } from "../lib/dataset.mjs";
import { stepTimer, variantArgs } from "../lib/variant-cli.mjs";

const { out, data } = variantArgs();
const timer = stepTimer("duckdb");
const clean = join(out, "clean.parquet");
const enriched = join(out, "enriched.parquet");
const summary = join(out, "summary.parquet");

const quote = (s) => `'${s.replaceAll("'", "''")}'`;
const TO = "(FORMAT parquet, COMPRESSION snappy)";

const instance = await DuckDBInstance.create(":memory:");
const db = await instance.connect();
await db.run("SET preserve_insertion_order = false");

await timer.step("clean", () =>
  db.run(`COPY (
    SELECT order_id, customer_id, product_id, day, amount, quantity, status, amount * quantity AS revenue
    FROM (SELECT * REPLACE (lower(trim(status)) AS status) FROM read_parquet(${quote(data.orders)}))
    WHERE amount > 0 AND quantity > 0 AND status IN (${VALID_STATUSES.map(quote).join(", ")})
  ) TO ${quote(clean)} ${TO}`),
);
await timer.step("enrich", () =>
  db.run(`COPY (
    SELECT o.*, c.region, c.segment
    FROM read_parquet(${quote(clean)}) AS o
    JOIN read_parquet(${quote(data.customers)}) AS c ON o.customer_id = c.customer_id
  ) TO ${quote(enriched)} ${TO}`),
);
await timer.step("aggregate", () =>
  db.run(`COPY (
    SELECT region, segment, year(day) AS year, month(day) AS month, status,
           count(*) AS orders, sum(quantity) AS units, sum(revenue) AS revenue
    FROM read_parquet(${quote(enriched)})
    GROUP BY ALL
    ORDER BY region, segment, year, month, status
  ) TO ${quote(summary)} ${TO}`),
);
db.closeSync();
timer.done();
