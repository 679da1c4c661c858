/**
 * The floor: the benchmark pipeline hand-written on nodejs-polars as fast as we know how. Each step is one lazy
 * query run by the streaming engine straight into a snappy Parquet sink (`sinkParquet(...).collectSync`), so no
 * step materialises its frame in memory; snappy because it was the fastest codec measured here (zstd, the
 * sink's default, costs ~15% more).
 *
 * Diagnostic flags (not part of the floor; used to explain differences with Glacier's executor):
 * `--zstd` writes zstd instead of snappy, `--ordered` makes the sinks keep row order (`maintainOrder: true`).
 */
import { join } from "node:path";
import pl from "nodejs-polars";
import { aggregateOrders, cleanOrders, enrichOrders } from "../lib/pipeline-polars.mjs";
import { stepTimer, variantArgs } from "../lib/variant-cli.mjs";

const { out, data, flags } = variantArgs(["zstd", "ordered"]);
const timer = stepTimer("floor");
const clean = join(out, "clean.parquet");
const enriched = join(out, "enriched.parquet");
const summary = join(out, "summary.parquet");
// Every setting explicit: nodejs-polars 0.26 changed the sinks' defaults (maintainOrder and statistics now on).
const SINK = {
  compression: flags.zstd ? "zstd" : "snappy",
  statistics: false,
  maintainOrder: flags.ordered,
  syncOnClose: "none",
  mkdir: true,
};
const STREAMING = { engine: "streaming" };

// nodejs-polars 0.26: sinkParquet returns a lazy frame; collectSync with the streaming engine runs the sink.
await timer.step("clean", () =>
  cleanOrders(pl.scanParquet(data.orders)).sinkParquet(clean, SINK).collectSync(STREAMING),
);
await timer.step("enrich", () =>
  enrichOrders(pl.scanParquet(clean), pl.scanParquet(data.customers))
    .sinkParquet(enriched, SINK)
    .collectSync(STREAMING),
);
await timer.step("aggregate", () =>
  aggregateOrders(pl.scanParquet(enriched)).sinkParquet(summary, SINK).collectSync(STREAMING),
);
timer.done();
