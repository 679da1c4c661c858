import { pathToFileURL } from "node:url";
import pl from "nodejs-polars";
import { januaryDay, seededRandom, writeFrame } from "../sample-data-kit.js";

const REGIONS = ["EMEA", "AMER", "APAC"];
const CATEGORIES = ["books", "games", "garden", "kitchen"];

/** Writes the multi-source example's sources under `dir`: orders and customers (Parquet), products (NDJSON). */
export function writeSampleData(dir: string, orders = 4_000, customers = 200, products = 50): string[] {
  const random = seededRandom(2024);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const orderFrame = pl
    .DataFrame({
      order_id: Array.from({ length: orders }, (_, i) => i + 1),
      customer_id: Array.from({ length: orders }, () => 1 + Math.floor(random() * customers)),
      product_id: Array.from({ length: orders }, () => 1 + Math.floor(random() * products)),
      quantity: Array.from({ length: orders }, () => 1 + Math.floor(random() * 5)),
      day: Array.from({ length: orders }, () => januaryDay(random)),
    })
    .withColumns(pl.col(["order_id", "customer_id", "product_id", "quantity"]).cast(pl.Int64));
  const customerFrame = pl
    .DataFrame({
      customer_id: Array.from({ length: customers }, (_, i) => i + 1),
      name: Array.from({ length: customers }, (_, i) => `Customer ${i + 1}`),
      region: Array.from({ length: customers }, () => pick(REGIONS)),
    })
    .withColumns(pl.col("customer_id").cast(pl.Int64));
  const productFrame = pl
    .DataFrame({
      product_id: Array.from({ length: products }, (_, i) => i + 1),
      category: Array.from({ length: products }, () => pick(CATEGORIES)),
      unit_price: Array.from({ length: products }, () => Math.round((5 + random() * 95) * 100) / 100),
    })
    .withColumns(pl.col("product_id").cast(pl.Int64));
  const SHOP = "glacier-example-shop";
  return [
    writeFrame(dir, SHOP, "raw/orders.parquet", orderFrame),
    writeFrame(dir, SHOP, "raw/customers.parquet", customerFrame),
    writeFrame(dir, SHOP, "raw/products.ndjson", productFrame),
  ];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dir = process.argv[2] ?? ".glacier-demo";
  for (const file of writeSampleData(dir)) console.log(`wrote ${file}`);
}
