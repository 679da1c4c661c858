/**
 * Multi-source joins with `Pipeline({...})`, chaining after joins, and branching analytics.
 *
 *   orders ─┐
 *           ├─ joinCustomers ─▶ orders_customers ─┐
 * customers ┘                                     ├─ joinProducts ─▶ enriched ─┬─ byRegion   ─▶ regional
 *                                      products ──┘                            ├─ byCategory ─▶ categories
 *                                                                              └─ byCustomer ─▶ customers
 *
 * A multi-source task's parameter names are the `Pipeline` keys. TypeScript rejects a mismatch at compile
 * time (try renaming `customers` below); JavaScript callers get an INPUT_MISMATCH error at `.transform()`.
 */
import pl from "nodejs-polars";
import { Pipeline, Provider, type Inputs } from "@glacier/core";

export const provider = new Provider({ cloud: "aws", region: "eu-west-1" });

const lambda = provider.serverless({ memory: 4096, timeout: 900 });
const spark = provider.spark({ workers: 2 });
const local = provider.local();

const SHOP = "glacier-example-shop";

const orders = provider.bucket({ bucket: SHOP, path: "raw/orders.parquet" });
const customers = provider.bucket({ bucket: SHOP, path: "raw/customers.parquet" });
const products = provider.bucket({ bucket: SHOP, path: "raw/products.ndjson" });
const ordersWithCustomers = provider.bucket({ bucket: SHOP, path: "staging/orders_customers.parquet" });
const fullyEnriched = provider.bucket({ bucket: SHOP, path: "staging/enriched.parquet" });
// Declared types keep the Spark SQL task portable: both executors cast its result to them (COUNT is UInt32 in
// Polars and BIGINT in Spark).
const regionalOutput = provider.bucket({
  bucket: SHOP,
  path: "analytics/regional.parquet",
  schema: { region: "string", revenue: "float64", orders: "int64" },
});
const categoryOutput = provider.bucket({ bucket: SHOP, path: "analytics/categories.parquet" });
const customerOutput = provider.bucket({ bucket: SHOP, path: "analytics/customers.parquet" });

const joinCustomers = lambda.task(function joinCustomers({
  orders,
  customers,
}: Inputs<"orders" | "customers">) {
  return orders.join(customers, { on: "customer_id", how: "inner" });
});

const joinProducts = lambda.task(function joinProducts({ sales, products }: Inputs<"sales" | "products">) {
  return sales
    .join(products, { on: "product_id", how: "left" })
    .withColumns(pl.col("quantity").mul(pl.col("unit_price")).alias("revenue"));
});

const byRegion = spark.sql(
  "byRegion",
  "SELECT region, SUM(revenue) AS revenue, COUNT(order_id) AS orders FROM input GROUP BY region ORDER BY region",
);

const byCategory = local.task(function byCategory(df: pl.LazyDataFrame) {
  return df.groupBy("category").agg(pl.col("revenue").sum().alias("revenue")).sort("category");
});

const byCustomer = local.task(function byCustomer(df: pl.LazyDataFrame) {
  return df
    .groupBy(["customer_id", "name"])
    .agg(pl.col("revenue").sum().alias("revenue"), pl.col("order_id").count().alias("orders"))
    .sort("customer_id");
});

// Pattern 1 and 2: a join, then a second join on its result (Pipeline(...).to() returns a Bucket).
export const enriched = Pipeline({
  sales: Pipeline({ orders, customers }).transform(joinCustomers).to(ordersWithCustomers),
  products,
})
  .transform(joinProducts)
  .to(fullyEnriched)
  .withName("enriched", "Orders joined with customers and products");

// Pattern 3: single-source steps after the joins, branching into three analytics outputs.
export const shopRegions = enriched.transform(byRegion).to(regionalOutput).withName("shopRegions");
export const categories = enriched.transform(byCategory).to(categoryOutput).withName("categories");
export const customerValue = enriched.transform(byCustomer).to(customerOutput).withName("customerValue");
