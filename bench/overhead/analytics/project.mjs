/**
 * The analytical project: 12 steps of joins and aggregates over four tables (generate.mjs). Each step is a
 * top-level function of Polars lazy frames; `glacierTargets` binds them as Glacier tasks in this same file,
 * so editing one function changes that step's code fingerprint only. The hand-written script
 * (polars-project.mjs) imports the same functions; duckdb-project.mjs runs the same queries in SQL.
 *
 * The edit-rerun benchmark copies this file into its work directory and edits `brandByCity`'s threshold there.
 */
import pl from "nodejs-polars";

export function cleanOrders(orders) {
  return orders.filter(pl.col("qty").gt(0)).withColumns(pl.col("qty").mul(pl.col("price")).alias("amount"));
}
export function orderLines({ clean, products }) {
  return clean.join(products, { on: "product_id", how: "inner" });
}
export function enriched({ lines, customers }) {
  return lines.join(customers, { on: "customer_id", how: "inner" });
}
export function withStores({ enriched, stores }) {
  return enriched.join(stores, { on: "store_id", how: "inner" });
}
export function dailyRevenue(rows) {
  return rows.groupBy("day").agg(pl.col("amount").sum().alias("revenue"), pl.len().alias("orders"));
}
export function categoryRevenue(lines) {
  return lines
    .groupBy("category")
    .agg(pl.col("amount").sum().alias("revenue"), pl.col("qty").sum().alias("units"));
}
export function regionSegment(rows) {
  return rows
    .groupBy(["region", "segment"])
    .agg(pl.col("amount").sum().alias("revenue"), pl.col("customer_id").nUnique().alias("customers"));
}
export function customerTotals(rows) {
  return rows.groupBy("customer_id").agg(pl.col("amount").sum().alias("total"), pl.len().alias("orders"));
}
export function bigCustomers({ totals, customers }) {
  return totals
    .filter(pl.col("orders").gtEq(3))
    .join(customers, { on: "customer_id", how: "inner" })
    .groupBy("segment")
    .agg(pl.len().alias("customers"), pl.col("total").mean().alias("mean_total"));
}
export function brandByCity(rows) {
  const THRESHOLD = 1;
  return rows
    .filter(pl.col("qty").gtEq(THRESHOLD))
    .groupBy(["brand", "city"])
    .agg(pl.col("amount").sum().alias("revenue"));
}
export function storePerformance(rows) {
  return rows
    .groupBy(["store_id", "country"])
    .agg(pl.col("amount").sum().alias("revenue"), pl.col("amount").mean().alias("ticket"));
}
export function margins({ lines }) {
  return lines
    .withColumns(
      pl
        .col("amount")
        .sub(pl.col("cost").mul(pl.col("qty")))
        .alias("margin"),
    )
    .groupBy("brand")
    .agg(pl.col("margin").sum().alias("margin"));
}

/** The steps in order: name, the function, its inputs (a table or an earlier step), for the hand-written script. */
export const STEPS = [
  ["cleanOrders", cleanOrders, "orders"],
  ["orderLines", orderLines, { clean: "cleanOrders", products: "products" }],
  ["enriched", enriched, { lines: "orderLines", customers: "customers" }],
  ["withStores", withStores, { enriched: "enriched", stores: "stores" }],
  ["dailyRevenue", dailyRevenue, "withStores"],
  ["categoryRevenue", categoryRevenue, "orderLines"],
  ["regionSegment", regionSegment, "enriched"],
  ["customerTotals", customerTotals, "enriched"],
  ["bigCustomers", bigCustomers, { totals: "customerTotals", customers: "customers" }],
  ["brandByCity", brandByCity, "withStores"],
  ["storePerformance", storePerformance, "withStores"],
  ["margins", margins, { lines: "orderLines" }],
];

/**
 * The same steps as Glacier buckets: sources under `rawDir`, outputs under `outDir/out/<step>.parquet`.
 * Returns the leaf buckets (LineageGraph.from takes them).
 */
export function glacierTargets(core, rawDir, outDir) {
  const raw = new core.Provider({ cloud: "local", basePath: rawDir });
  const work = new core.Provider({ cloud: "local", basePath: outDir });
  const local = work.local();
  const table = (name) => raw.bucket({ bucket: "raw", path: `${name}.parquet` });
  const out = (name) => work.bucket({ bucket: "out", path: `${name}.parquet` });
  const orders = table("orders");
  const customers = table("customers");
  const products = table("products");
  const stores = table("stores");

  const clean = orders
    .transform(
      local.task(function cleanOrdersTask(df) {
        return cleanOrders(df);
      }),
    )
    .to(out("cleanOrders"));
  const lines = core
    .Pipeline({ clean, products })
    .transform(
      local.task(function orderLinesTask(i) {
        return orderLines(i);
      }),
    )
    .to(out("orderLines"));
  const rich = core
    .Pipeline({ lines, customers })
    .transform(
      local.task(function enrichedTask(i) {
        return enriched(i);
      }),
    )
    .to(out("enriched"));
  const full = core
    .Pipeline({ enriched: rich, stores })
    .transform(
      local.task(function withStoresTask(i) {
        return withStores(i);
      }),
    )
    .to(out("withStores"));
  const totals = rich
    .transform(
      local.task(function customerTotalsTask(df) {
        return customerTotals(df);
      }),
    )
    .to(out("customerTotals"));
  return [
    full
      .transform(
        local.task(function dailyRevenueTask(df) {
          return dailyRevenue(df);
        }),
      )
      .to(out("dailyRevenue")),
    lines
      .transform(
        local.task(function categoryRevenueTask(df) {
          return categoryRevenue(df);
        }),
      )
      .to(out("categoryRevenue")),
    rich
      .transform(
        local.task(function regionSegmentTask(df) {
          return regionSegment(df);
        }),
      )
      .to(out("regionSegment")),
    core
      .Pipeline({ totals, customers })
      .transform(
        local.task(function bigCustomersTask(i) {
          return bigCustomers(i);
        }),
      )
      .to(out("bigCustomers")),
    full
      .transform(
        local.task(function brandByCityTask(df) {
          return brandByCity(df);
        }),
      )
      .to(out("brandByCity")),
    full
      .transform(
        local.task(function storePerformanceTask(df) {
          return storePerformance(df);
        }),
      )
      .to(out("storePerformance")),
    core
      .Pipeline({ lines })
      .transform(
        local.task(function marginsTask(i) {
          return margins(i);
        }),
      )
      .to(out("margins")),
  ];
}
