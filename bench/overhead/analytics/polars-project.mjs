/**
 * The hand-written script: the project's 12 steps (the same functions), each scanned from Parquet and streamed
 * into its own file with `sinkParquet` (snappy, no statistics, order kept: Glacier's writer settings), in
 * order, one process. `node polars-project.mjs --dir DIR [--tables T]` (tables in `T/raw`, default `DIR/../raw`).
 */
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import pl from "nodejs-polars";
import { STEPS } from "./project.mjs";

const { values } = parseArgs({ options: { dir: { type: "string" }, tables: { type: "string" } } });
const dir = resolve(values.dir);
const raw = join(resolve(values.tables ?? join(dir, "..")), "raw");
const out = join(dir, "polars");
mkdirSync(out, { recursive: true });
const started = performance.now();
const pathOf = (name) =>
  ["orders", "customers", "products", "stores"].includes(name)
    ? join(raw, `${name}.parquet`)
    : join(out, `${name}.parquet`);
for (const [name, fn, inputs] of STEPS) {
  const frame =
    typeof inputs === "string"
      ? fn(pl.scanParquet(pathOf(inputs)))
      : fn(Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, pl.scanParquet(pathOf(v))])));
  frame
    .sinkParquet(join(out, `${name}.parquet`), {
      compression: "snappy",
      statistics: false,
      maintainOrder: true,
      syncOnClose: "none",
      mkdir: true,
    })
    .collectSync({ engine: "streaming" });
}
console.log(JSON.stringify({ variant: "polars", runMs: Math.round(performance.now() - started) }));
