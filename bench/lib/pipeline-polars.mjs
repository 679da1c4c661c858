/**
 * The benchmark pipeline's three transformations as Polars lazy-frame functions. The floor script and the
 * Glacier pipeline both call these, so they do exactly the same work; DuckDB (SQL) and pandas restate it.
 *
 *   orders ──clean──▶ clean.parquet ──enrich (⋈ customers)──▶ enriched.parquet ──aggregate──▶ summary.parquet
 */
import pl from "nodejs-polars";
import { VALID_STATUSES } from "./dataset.mjs";

/** Normalises the status spelling, drops invalid rows (no/negative amount, zero quantity, bad status). */
export function cleanOrders(orders) {
  return orders
    .withColumns(pl.col("status").str.strip().str.toLowerCase().alias("status"))
    .filter(pl.col("amount").gt(0).and(pl.col("quantity").gt(0)).and(pl.col("status").isIn(VALID_STATUSES)))
    .withColumns(pl.col("amount").mul(pl.col("quantity")).alias("revenue"));
}

/** Adds the customer's region and segment; orders of unknown customers are dropped (inner join). */
export function enrichOrders(orders, customers) {
  return orders.join(customers.select("customer_id", "region", "segment"), {
    on: "customer_id",
    how: "inner",
  });
}

/** Orders, units and revenue per region, segment, month and status. */
export function aggregateOrders(enriched) {
  return enriched
    .groupBy([
      "region",
      "segment",
      pl.col("day").date.year().alias("year"),
      pl.col("day").date.month().alias("month"),
      "status",
    ])
    .agg(
      pl.len().alias("orders"),
      pl.col("quantity").sum().alias("units"),
      pl.col("revenue").sum().alias("revenue"),
    )
    .sort(["region", "segment", "year", "month", "status"]);
}
