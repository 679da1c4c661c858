import { pathToFileURL } from "node:url";
import pl from "nodejs-polars";
import { januaryDay, seededRandom, writeFrame } from "../sample-data-kit.js";

const REGIONS = ["north", "south", "east", "west", null] as const;

/**
 * Writes the simple example's source, `glacier-example-sales/raw/sales.csv`, under `dir`: deterministic orders
 * with some refunds (negative amounts) and rows without a region, which `cleanSales` drops.
 */
export function writeSampleData(dir: string, rows = 5_000): string[] {
  const random = seededRandom(42);
  const orderId: number[] = [];
  const day: string[] = [];
  const region: (string | null)[] = [];
  const amount: number[] = [];
  for (let i = 0; i < rows; i++) {
    orderId.push(i + 1);
    day.push(januaryDay(random));
    region.push(REGIONS[Math.floor(random() * REGIONS.length)] ?? null);
    amount.push(Math.round((random() * 220 - 20) * 100) / 100);
  }
  const frame = pl
    .DataFrame({ order_id: orderId, day, region, amount })
    .withColumns(pl.col("order_id").cast(pl.Int64));
  return [writeFrame(dir, "glacier-example-sales", "raw/sales.csv", frame)];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dir = process.argv[2] ?? ".glacier-demo";
  for (const file of writeSampleData(dir)) console.log(`wrote ${file}`);
}
