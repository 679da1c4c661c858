import { pathToFileURL } from "node:url";
import pl from "nodejs-polars";
import { januaryDay, seededRandom, writeFrame } from "../sample-data-kit.js";

const REGIONS = ["North", "South", "East", "West"];
const SEGMENTS = ["consumer", "smb", "enterprise"];

/**
 * Writes the complete example's sources under `dir`: orders as a dataset of three Parquet files (with refunds
 * and duplicated order ids) and customers as CSV (with some invalid e-mails).
 */
export function writeSampleData(dir: string, orders = 6_000, customers = 300): string[] {
  const random = seededRandom(7);
  const files: string[] = [];
  const perFile = Math.ceil(orders / 3);
  for (let part = 0; part < 3; part++) {
    const ids: number[] = [];
    const customerIds: number[] = [];
    const days: string[] = [];
    const amounts: number[] = [];
    for (let i = 0; i < perFile; i++) {
      // Every 50th order repeats the previous id: cleanOrders removes the duplicate.
      const id = part * perFile + i + 1;
      ids.push(i % 50 === 49 ? id - 1 : id);
      customerIds.push(1 + Math.floor(random() * customers));
      days.push(januaryDay(random));
      amounts.push(Math.round((random() * 520 - 20) * 100) / 100);
    }
    const frame = pl
      .DataFrame({ order_id: ids, customer_id: customerIds, day: days, amount: amounts })
      .withColumns(pl.col("order_id").cast(pl.Int64), pl.col("customer_id").cast(pl.Int64));
    files.push(writeFrame(dir, "glacier-example-lake", `raw/orders/part-${part}.parquet`, frame));
  }
  const customerFrame = pl
    .DataFrame({
      customer_id: Array.from({ length: customers }, (_, i) => i + 1),
      email: Array.from({ length: customers }, (_, i) =>
        i % 37 === 0 ? `invalid-${i}` : `c${i + 1}@example.com`,
      ),
      region: Array.from(
        { length: customers },
        () => REGIONS[Math.floor(random() * REGIONS.length)] as string,
      ),
      segment: Array.from(
        { length: customers },
        () => SEGMENTS[Math.floor(random() * SEGMENTS.length)] as string,
      ),
    })
    .withColumns(pl.col("customer_id").cast(pl.Int64));
  files.push(writeFrame(dir, "glacier-example-lake", "raw/customers.csv", customerFrame));
  return files;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dir = process.argv[2] ?? ".glacier-demo";
  for (const file of writeSampleData(dir)) console.log(`wrote ${file}`);
}
