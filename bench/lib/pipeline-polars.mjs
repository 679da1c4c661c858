/**
 * The benchmark pipeline's three transformations as Polars lazy-frame functions. The floor script and the
 * Glacier pipeline both call these, so they do exactly the same work; DuckDB (SQL) and pandas restate them.
 *
 *   orders ──clean──▶ clean.parquet ──enrich (⋈ customers)──▶ enriched.parquet ──aggregate──▶ summary.parquet
 *
 * The Polars module is passed in, not imported, so the `floor-polars-0.24` variant runs the same functions on
 * the previous nodejs-polars (bench/lib/polars-0.24.mjs). One process must load only one copy of nodejs-polars.
 * The expressions used here exist in 0.24.1 and 0.26.1 alike (`Expr.dt`, not `Expr.date`, which 0.26 removed).
 */
import { VALID_STATUSES } from "./dataset.mjs";

/** The three steps built on the nodejs-polars module `pl`. */
export function polarsPipeline(pl) {
  return {
    /** Normalises the status spelling, drops invalid rows (no/negative amount, zero quantity, bad status). */
    cleanOrders(orders) {
      return orders
        .withColumns(pl.col("status").str.strip().str.toLowerCase().alias("status"))
        .filter(
          pl.col("amount").gt(0).and(pl.col("quantity").gt(0)).and(pl.col("status").isIn(VALID_STATUSES)),
        )
        .withColumns(pl.col("amount").mul(pl.col("quantity")).alias("revenue"));
    },

    /** Adds the customer's region and segment; orders of unknown customers are dropped (inner join). */
    enrichOrders(orders, customers) {
      return orders.join(customers.select("customer_id", "region", "segment"), {
        on: "customer_id",
        how: "inner",
      });
    },

    /** Orders, units and revenue per region, segment, month and status. */
    aggregateOrders(enriched) {
      return enriched
        .groupBy([
          "region",
          "segment",
          pl.col("day").dt.year().alias("year"),
          pl.col("day").dt.month().alias("month"),
          "status",
        ])
        .agg(
          pl.len().alias("orders"),
          pl.col("quantity").sum().alias("units"),
          pl.col("revenue").sum().alias("revenue"),
        )
        .sort(["region", "segment", "year", "month", "status"]);
    },
  };
}
