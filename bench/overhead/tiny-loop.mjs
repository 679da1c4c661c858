/**
 * The hand-written baseline for N tiny steps: the same Polars work as Glacier's steps (`tinyWork`), each
 * scanned from Parquet, streamed with `sinkParquet` into its own file, one after another, in one process.
 * `node tiny-loop.mjs --steps N --shape chain|fanout --out DIR`.
 */
import { join } from "node:path";
import { mkdirSync } from "node:fs";
import { parseArgs } from "node:util";
import pl from "nodejs-polars";
import { stepNames, tinyWork, writeTinyInput } from "./tiny-data.mjs";

const { values } = parseArgs({
  options: {
    steps: { type: "string" },
    shape: { type: "string", default: "chain" },
    out: { type: "string" },
  },
});
const raw = writeTinyInput(pl, values.out);
const dir = join(values.out, "out");
mkdirSync(dir, { recursive: true });
const started = performance.now();
let previous = raw;
for (const name of stepNames(Number(values.steps))) {
  const input = values.shape === "chain" ? previous : raw;
  const output = join(dir, `${name}.parquet`);
  tinyWork(pl, pl.scanParquet(input)).sinkParquet(output).collectSync({ engine: "streaming" });
  previous = output;
}
console.log(JSON.stringify({ variant: "loop", runMs: Math.round(performance.now() - started) }));
