/**
 * The simple linear pipeline: raw sales (CSV) are cleaned on Lambda, then totalled per day and region locally.
 *
 *   raw/sales.csv ──cleanSales (Lambda)──▶ clean/sales.parquet ──dailyRevenue (local)──▶ reports/daily_revenue.parquet
 *
 * Run it offline:  npx glacier run examples/simple/pipeline.ts --local-storage .glacier-demo
 */
import pl from "nodejs-polars";
import { Provider, param } from "@glacier/core";

export const provider = new Provider({
  cloud: "aws",
  region: "eu-west-1",
  tags: { project: "glacier-examples" },
});

const lambda = provider.serverless({ memory: 2048, timeout: 300 });
const local = provider.local();

const BUCKET = "glacier-example-sales";

export const rawSales = provider.bucket({ bucket: BUCKET, path: "raw/sales.csv" });
export const cleanedSales = provider.bucket({
  bucket: BUCKET,
  path: "clean/sales.parquet",
  schema: { order_id: "int64", day: "string", region: "string", amount: "float64" },
});
export const dailyRevenueReport = provider.bucket({ bucket: BUCKET, path: "reports/daily_revenue.parquet" });

/** Drops refunds and malformed rows, normalises region names. */
const cleanSales = lambda.task(
  function cleanSales(df: pl.LazyDataFrame) {
    return df
      .filter(pl.col("amount").gt(0).and(pl.col("region").isNotNull()))
      .select(
        pl.col("order_id").cast(pl.Int64),
        pl.col("day"),
        pl.col("region").str.toUpperCase().alias("region"),
        pl.col("amount").cast(pl.Float64),
      );
  },
  { description: "Drop refunds and rows without a region", retries: 2 },
);

/** Revenue and order count per day and region, keeping groups with at least `minOrders` orders. */
const dailyRevenue = local.task(
  function dailyRevenue(df: pl.LazyDataFrame, ctx) {
    ctx.log.info("aggregating", { minOrders: ctx.params.minOrders });
    return df
      .groupBy(["day", "region"])
      .agg(pl.col("amount").sum().alias("revenue"), pl.col("order_id").count().alias("orders"))
      .filter(pl.col("orders").gtEq(ctx.params.minOrders))
      .sort(["day", "region"]);
  },
  { params: { minOrders: param.integer({ default: 1, description: "Smallest group kept" }) } },
);

export const sales = rawSales
  .transform(cleanSales)
  .to(cleanedSales)
  .transform(dailyRevenue)
  .to(dailyRevenueReport)
  .withName("sales", "Daily revenue per region");
