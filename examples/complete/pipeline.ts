/**
 * The complete pipeline: three stages on three executors, connected through storage.
 *
 *   cleaning     raw orders (a dataset of Parquet files) and customers (CSV) are cleaned on Lambda and locally
 *   enrichment   orders ⋈ customers in Spark SQL on EMR Serverless
 *   analytics    regional revenue (Spark SQL), segment mix (Lambda), top customers (local, parameterised)
 *
 * Each stage is its own exported pipeline; Glacier connects them by location, so `glacier run` runs them in
 * order and `glacier run --pipeline regional` runs cleaning and enrichment first when they are out of date.
 */
import pl from "nodejs-polars";
import { Pipeline, Provider, param } from "@glacier/core";

export const provider = new Provider({
  cloud: "aws",
  region: "eu-west-1",
  tags: { project: "glacier-examples", team: "data-platform" },
});

const local = provider.local();
const lambda = provider.serverless({ memory: 3008, timeout: 600, ephemeralStorage: 2048 });
const spark = provider.spark({ workers: 4, executor: { cpu: 4, memory: 16 }, releaseLabel: "emr-7.14.0" });

const LAKE = "glacier-example-lake";

// Raw → Cleaned → Enriched → Output.
const rawOrders = provider.bucket({ bucket: LAKE, path: "raw/orders/*.parquet" });
const rawCustomers = provider.bucket({ bucket: LAKE, path: "raw/customers.csv" });
const cleanOrdersStore = provider.bucket({
  bucket: LAKE,
  path: "cleaned/orders.parquet",
  schema: { order_id: "int64", customer_id: "int64", day: "string", amount: "float64" },
});
const cleanCustomersStore = provider.bucket({ bucket: LAKE, path: "cleaned/customers.parquet" });
const enrichedOrders = provider.bucket({ bucket: LAKE, path: "enriched/orders.parquet" });
// Declared types make the Spark SQL task portable: COUNT is UInt32 in Polars and BIGINT in Spark, and both
// executors cast the result to these (glacier validate warns without them).
const regionalRevenue = provider.bucket({
  bucket: LAKE,
  path: "output/regional_revenue.parquet",
  schema: { region: "string", revenue: "float64", orders: "int64" },
});
const segmentMix = provider.bucket({ bucket: LAKE, path: "output/segment_mix.parquet" });
const topCustomersReport = provider.bucket({ bucket: LAKE, path: "output/top_customers.csv" });

const cleanOrders = lambda.task(
  function cleanOrders(df: pl.LazyDataFrame) {
    return df
      .filter(pl.col("amount").gt(0))
      .unique({ subset: ["order_id"], keep: "first" })
      .select(
        pl.col("order_id").cast(pl.Int64),
        pl.col("customer_id").cast(pl.Int64),
        pl.col("day"),
        pl.col("amount").cast(pl.Float64),
      );
  },
  { description: "Drop refunds and duplicate orders", retries: 2 },
);

const cleanCustomers = local.task(function cleanCustomers(df: pl.LazyDataFrame) {
  return df.filter(pl.col("email").str.contains("@")).withColumns(pl.col("region").str.toLowerCase());
});

const enrichOrders = spark.sql(
  "enrichOrders",
  `SELECT o.order_id, o.customer_id, o.day, o.amount, c.region, c.segment
   FROM orders o JOIN customers c ON o.customer_id = c.customer_id`,
  { description: "Attach region and segment to each order" },
);

const regionalSummary = spark.sql(
  "regionalSummary",
  `SELECT region, SUM(amount) AS revenue, COUNT(order_id) AS orders
   FROM input GROUP BY region ORDER BY region`,
);

const segmentSummary = lambda.task(function segmentSummary(df: pl.LazyDataFrame) {
  return df
    .groupBy("segment")
    .agg(pl.col("amount").sum().alias("revenue"), pl.col("customer_id").nUnique().alias("customers"))
    .sort("segment");
});

const topCustomers = local.task(
  function topCustomers(df: pl.LazyDataFrame, ctx) {
    return df
      .groupBy("customer_id")
      .agg(pl.col("amount").sum().alias("spend"))
      .sort(["spend", "customer_id"], true)
      .head(ctx.params.topN);
  },
  { params: { topN: param.integer({ default: 10, description: "How many customers to list" }) } },
);

export const cleanedOrders = rawOrders.transform(cleanOrders).to(cleanOrdersStore).withName("cleanedOrders");
export const cleanedCustomers = rawCustomers
  .transform(cleanCustomers)
  .to(cleanCustomersStore)
  .withName("cleanedCustomers");

export const enrichment = Pipeline({ orders: cleanedOrders, customers: cleanedCustomers })
  .transform(enrichOrders)
  .to(enrichedOrders)
  .withName("enrichment", "Orders with customer region and segment");

export const regional = enrichedOrders.transform(regionalSummary).to(regionalRevenue).withName("regional");
export const segments = enrichedOrders.transform(segmentSummary).to(segmentMix).withName("segments");
export const topSpenders = enrichedOrders
  .transform(topCustomers)
  .to(topCustomersReport)
  .withName("topSpenders", "The customers who spent most");
