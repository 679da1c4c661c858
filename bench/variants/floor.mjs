/**
 * The floor: the benchmark pipeline hand-written on nodejs-polars as fast as we know how. Each step is one lazy
 * query run by the streaming engine straight into a snappy Parquet sink, so no step materialises its frame in
 * memory; snappy because it was the fastest codec measured here (zstd, the sink's default, costs ~15% more).
 *
 * Diagnostic flags (not part of the floor; used to explain differences with Glacier's executor):
 * `--zstd` writes zstd instead of snappy, `--ordered` makes the sinks keep row order (`maintainOrder: true`).
 * `--polars-0.24` runs the same script on the previous nodejs-polars, 0.24.1 (bench/lib/polars-0.24.mjs), to
 * measure the upgrade within one run.
 */
import { join } from "node:path";
import { polarsPipeline } from "../lib/pipeline-polars.mjs";
import { loadLegacyPolars } from "../lib/polars-0.24.mjs";
import { stepTimer, variantArgs } from "../lib/variant-cli.mjs";

const { out, data, flags } = variantArgs(["zstd", "ordered", "polars-0.24"]);
const legacy = flags["polars-0.24"];
// Only one nodejs-polars per process: the current one is imported only when 0.24.1 is not wanted.
const { pl, version } = legacy
  ? loadLegacyPolars()
  : {
      pl: (await import("nodejs-polars")).default,
      version: (await import("nodejs-polars/package.json", { with: { type: "json" } })).default.version,
    };
const { aggregateOrders, cleanOrders, enrichOrders } = polarsPipeline(pl);
const timer = stepTimer(legacy ? "floor-polars-0.24" : "floor");
const clean = join(out, "clean.parquet");
const enriched = join(out, "enriched.parquet");
const summary = join(out, "summary.parquet");

// Every setting explicit, because the defaults differ between versions (0.24.1: statistics off, unordered,
// syncOnClose "all", which its Parquet sink ignores; 0.26: statistics on, ordered, "none", mkdir off). Both
// versions write with exactly these settings.
const compression = flags.zstd ? "zstd" : "snappy";
const maintainOrder = flags.ordered;
const sink = legacy
  ? // 0.24.1: the sink settings sit in `sinkOptions`; sinkParquet returns the native frame, and
    // collectSync("streaming") runs it (`{ engine: "streaming" }` is refused).
    (frame, path) =>
      frame
        .sinkParquet(path, {
          compression,
          statistics: false,
          maintainOrder,
          sinkOptions: { syncOnClose: "none", maintainOrder, mkdir: true },
        })
        .collectSync("streaming")
  : // 0.26: flat options; sinkParquet returns a lazy frame that collectSync with the streaming engine runs.
    (frame, path) =>
      frame
        .sinkParquet(path, {
          compression,
          statistics: false,
          maintainOrder,
          syncOnClose: "none",
          mkdir: true,
        })
        .collectSync({ engine: "streaming" });

await timer.step("clean", () => sink(cleanOrders(pl.scanParquet(data.orders)), clean));
await timer.step("enrich", () =>
  sink(enrichOrders(pl.scanParquet(clean), pl.scanParquet(data.customers)), enriched),
);
await timer.step("aggregate", () => sink(aggregateOrders(pl.scanParquet(enriched)), summary));
timer.done({ polars: version });
