/**
 * The baseline: one hand-written loop over the partitions, the same Polars work per partition as the Glacier
 * task (scan, drop non-positive amounts, add the day, sink Parquet), one after another.
 *
 *   node bench/partitions/loop.mjs DIR
 */
import { mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import pl from "nodejs-polars";

const dir = process.argv[2];
const events = join(dir, "acme", "events");
const out = join(dir, "acme", "clean");
mkdirSync(out, { recursive: true });
let partitions = 0;
for (const name of readdirSync(events).sort()) {
  const day = name.replace(/\.parquet$/, "");
  pl.scanParquet(join(events, name))
    .filter(pl.col("amount").gt(0))
    .withColumns(pl.lit(day).alias("day"))
    .sinkParquet(join(out, name))
    .collectSync({ engine: "streaming" });
  partitions++;
}
console.log(JSON.stringify({ partitions }));
