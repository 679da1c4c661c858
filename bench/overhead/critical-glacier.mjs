/**
 * A graph where name order is the worst order: `a1`…`a6` (cheap aggregates of the orders table) and `z` (a
 * heavy three-way join and group-by of the same table), all reading the same input. In name order, `z` starts
 * last and runs alone at the end; by critical path it starts first while the cheap steps share the other slot.
 *
 *   node critical-glacier.mjs --dir DIR       a forced run (concurrency 2) in DIR, which holds the run history
 *
 * The harness runs it in two copies of one prepared directory: with the history of an earlier run (critical
 * path from recorded durations) and with that history removed (every step estimated alike from its input
 * bytes: ties, so name order). Prints `{ runMs, order }`.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { LineageGraph, Pipeline, Provider, runGraph } from "@glacier/core";
import pl from "nodejs-polars";

const { values } = parseArgs({ options: { dir: { type: "string" }, raw: { type: "string" } } });
const dir = resolve(values.dir);
const raw = new Provider({ cloud: "local", basePath: resolve(values.raw) });
const work = new Provider({ cloud: "local", basePath: dir });
const local = work.local();
const orders = raw.bucket({ bucket: "raw", path: "orders.parquet" });
const customers = raw.bucket({ bucket: "raw", path: "customers.parquet" });
const products = raw.bucket({ bucket: "raw", path: "products.parquet" });

// Every step reads the same three tables, so a first run estimates them alike (ties: name order).
const inputs = () => Pipeline({ orders, customers, products });
const cheap = (name, mod) =>
  inputs()
    .transform(
      local.task(
        (tables) =>
          tables.orders
            .filter(pl.col("day").modulo(7).eq(mod))
            .groupBy("day")
            .agg(pl.col("qty").sum().alias("units")),
        { name },
      ),
    )
    .to(work.bucket({ bucket: "out", path: `${name}.parquet` }));
const heavy = local.task(function z({ orders, customers, products }) {
  // Each order against every other order of its customer (~20 each): the slow step.
  const pairs = orders
    .select("customer_id", "product_id", "qty")
    .join(orders.select("customer_id", pl.col("price").alias("other_price")), {
      on: "customer_id",
      how: "inner",
    });
  return pairs
    .join(customers, { on: "customer_id", how: "inner" })
    .join(products, { on: "product_id", how: "inner" })
    .groupBy(["segment", "category"])
    .agg(pl.col("qty").mul(pl.col("other_price")).sum().alias("revenue"), pl.len().alias("pairs"));
});
const targets = [
  ...[1, 2, 3, 4, 5, 6].map((i) => cheap(`a${i}`, i)),
  inputs()
    .transform(heavy)
    .to(work.bucket({ bucket: "out", path: "z.parquet" })),
];
const started = performance.now();
const result = await runGraph(LineageGraph.from(targets), {
  mode: "local",
  projectDir: dir,
  concurrency: 2,
  force: true,
});
const runMs = Math.round(performance.now() - started);
if (result.status !== "succeeded") throw new Error(JSON.stringify(result.steps, null, 2));
const order = [...result.steps].sort((a, b) => (a.startedAt < b.startedAt ? -1 : 1)).map((s) => s.name);
const durations = Object.fromEntries(result.steps.map((s) => [s.name, s.durationMs]));
console.log(JSON.stringify({ runMs, order, durations }));
