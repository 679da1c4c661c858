/**
 * What deriving a Polars step's column lineage from its plan adds to the step, against what the local executor
 * already does with the plan: serialise it in bincode for the worker thread. Per plan, the median of many
 * iterations of (a) `serialize("bincode")` and (b) the lineage path of `packages/local/src/plan-lineage.ts`:
 * `serialize("json")` of the result and of each input frame, `JSON.parse`, `polarsColumnLineage`. Plans: the
 * benchmark pipeline's enrich (join) and aggregate (group-by) steps, and a wide `select` (N columns, each an
 * arithmetic expression). No data is read (the scans' schemas are resolved once, before timing, as in a run).
 *
 *   node bench/lineage-overhead.mjs [--columns 500] [--iterations 300]
 *
 * Needs the packages built (`npx turbo run build`). Numbers are for one machine and one run; compare ratios.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pl from "nodejs-polars";
import { polarsColumnLineage } from "@glacier/engine";
import { polarsPipeline } from "./lib/pipeline-polars.mjs";

const { values } = parseArgs({
  options: { columns: { type: "string", default: "500" }, iterations: { type: "string", default: "300" } },
});
const WIDE = Number(values.columns);
const ITERATIONS = Number(values.iterations);

const dir = mkdtempSync(join(tmpdir(), "glacier-lineage-bench-"));
try {
  const file = (name, frame) => {
    const path = join(dir, `${name}.parquet`);
    frame.writeParquet(path);
    return pl.scanParquet(path);
  };
  const orders = file(
    "orders",
    pl.DataFrame({
      order_id: [1, 2],
      customer_id: [1, 2],
      day: pl.Series("day", [new Date(0), new Date(0)]),
      amount: [1.5, 2.5],
      quantity: [1, 2],
      status: ["paid", "paid"],
      revenue: [1.5, 5],
    }),
  );
  const customers = file(
    "customers",
    pl.DataFrame({ customer_id: [1, 2], region: ["n", "s"], segment: ["a", "b"] }),
  );
  const wide = file(
    "wide",
    pl.DataFrame(Object.fromEntries(Array.from({ length: WIDE }, (_, i) => [`c${i}`, [i, i + 1]]))),
  );
  const steps = polarsPipeline(pl);
  const plans = {
    enrich: { result: steps.enrichOrders(orders, customers), inputs: { orders, customers } },
    aggregate: {
      result: steps.aggregateOrders(steps.enrichOrders(orders, customers)),
      inputs: { orders, customers },
    },
    [`wide select (${WIDE} columns)`]: {
      result: wide.select(...Array.from({ length: WIDE }, (_, i) => pl.col(`c${i}`).mul(2).alias(`d${i}`))),
      inputs: { wide },
    },
  };

  const lineage = ({ result, inputs }) =>
    polarsColumnLineage(
      JSON.parse(result.serialize("json").toString()),
      Object.entries(inputs).map(([name, frame]) => ({
        plan: JSON.parse(frame.serialize("json").toString()),
        columns: frame.columns,
        namespace: "file://bench",
        name,
      })),
    );
  const median = (fn) => {
    const times = [];
    for (let i = 0; i < ITERATIONS; i++) {
      const start = performance.now();
      fn();
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)] * 1000;
  };

  console.log(`| plan | bincode (µs) | lineage (µs) | lineage ÷ bincode | columns traced |`);
  console.log(`| --- | ---: | ---: | ---: | ---: |`);
  for (const [name, plan] of Object.entries(plans)) {
    // Resolve the plan (and the scans' schemas) once, as preparing a step does.
    void plan.result.columns;
    const derived = lineage(plan);
    if (!derived) throw new Error(`no lineage for ${name}: the benchmark would time the bail-out path`);
    const bincode = median(() => plan.result.serialize("bincode"));
    const walk = median(() => lineage(plan));
    console.log(
      `| ${name} | ${bincode.toFixed(1)} | ${walk.toFixed(1)} | ${(walk / bincode).toFixed(1)}× | ${Object.keys(derived.fields).length} |`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
