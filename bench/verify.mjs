/**
 * Reads one variant's outputs and prints what the harness compares across variants: the row counts of the
 * materialised intermediates and the final aggregate in canonical order. Runs as its own process, after the
 * measured one, so it never adds to a variant's time or memory.
 *
 *   node bench/verify.mjs --format parquet|csv --clean F --enriched F --summary F
 */
import { parseArgs } from "node:util";
import pl from "nodejs-polars";

const { values } = parseArgs({
  options: {
    format: { type: "string", default: "parquet" },
    clean: { type: "string" },
    enriched: { type: "string" },
    summary: { type: "string" },
  },
});
const scan = (path) => (values.format === "csv" ? pl.scanCSV(path) : pl.scanParquet(path));
const rows = (path) => Number(scan(path).select(pl.len().alias("n")).collectSync().getColumn("n").get(0));

const KEYS = ["region", "segment", "year", "month", "status"];
const summary = scan(values.summary)
  .select(
    pl.col("region").cast(pl.Utf8),
    pl.col("segment").cast(pl.Utf8),
    pl.col("year").cast(pl.Int64),
    pl.col("month").cast(pl.Int64),
    pl.col("status").cast(pl.Utf8),
    pl.col("orders").cast(pl.Int64),
    pl.col("units").cast(pl.Int64),
    pl.col("revenue").cast(pl.Float64),
  )
  .sort(KEYS)
  .collectSync();

console.log(
  JSON.stringify({
    cleanRows: rows(values.clean),
    enrichedRows: rows(values.enriched),
    summary: summary.rows(),
  }),
);
