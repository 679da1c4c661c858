/**
 * The benchmark pipeline written with Glacier's DSL and run by the local executor (`@glacier/local`), the way a
 * user runs it: `bucket.run({ mode: "local" })`. The three tasks call the same Polars functions as the floor
 * script, so any difference in time or memory is the executor's.
 *
 *   node bench/variants/glacier.mjs --rows N --out DIR            full run (DIR is fresh)
 *   node bench/variants/glacier.mjs --rows N --out DIR --rerun    no-op rerun over the same DIR: every step
 *                                                                  must be skipped by its fingerprint
 *   node bench/variants/glacier.mjs --rows N --out DIR --checks   full run with data checks on clean and
 *                                                                  enriched (read back before each commit)
 */
import { performance } from "node:perf_hooks";
import { check, Pipeline, Provider } from "@glacier/core";
import pl from "nodejs-polars";
import { polarsPipeline } from "../lib/pipeline-polars.mjs";
import { variantArgs } from "../lib/variant-cli.mjs";

const { aggregateOrders, cleanOrders, enrichOrders } = polarsPipeline(pl);

const { out, data, flags } = variantArgs(["rerun", "low-memory", "checks"]);

// Sources live in the shared dataset directory; everything the run writes (outputs, .glacier/) goes to DIR.
const raw = new Provider({ cloud: "local", basePath: data.root });
const work = new Provider({ cloud: "local", basePath: out });
const local = work.local();

const orders = raw.bucket({ bucket: "raw", path: "orders.parquet" });
const customers = raw.bucket({ bucket: "raw", path: "customers.parquet" });
// --checks: what a user would check on these outputs (they all pass: the benchmark measures their cost).
const cleanOut = work.bucket({
  bucket: "warehouse",
  path: "clean/orders.parquet",
  ...(flags.checks
    ? {
        checks: [
          check.notNull(["order_id", "customer_id"]),
          check.unique("order_id"),
          check.range("amount", { min: 0 }),
        ],
      }
    : {}),
});
const enrichedOut = work.bucket({
  bucket: "warehouse",
  path: "enriched/orders.parquet",
  ...(flags.checks
    ? { checks: [check.relationships("customer_id", customers, "customer_id"), check.rowCount({ min: 1 })] }
    : {}),
});
const summaryOut = work.bucket({ bucket: "warehouse", path: "summary/orders_by_month.parquet" });

const clean = local.task(function clean(orders) {
  return cleanOrders(orders);
});
const enrich = local.task(function enrich({ orders, customers }) {
  return enrichOrders(orders, customers);
});
const aggregate = local.task(function aggregate(enriched) {
  return aggregateOrders(enriched);
});

const summary = Pipeline({ orders: orders.transform(clean).to(cleanOut), customers })
  .transform(enrich)
  .to(enrichedOut)
  .transform(aggregate)
  .to(summaryOut)
  .withName("orders", "Orders per region, segment, month and status");

const started = performance.now();
const result = await summary.run({ mode: "local", projectDir: out, lowMemory: flags["low-memory"] });
const runMs = Math.round(performance.now() - started);
const expected = flags.rerun ? "skipped" : "succeeded";
const wrong = result.steps.filter((s) => s.status !== expected);
if (result.status !== "succeeded" || wrong.length > 0) {
  console.error(JSON.stringify(result, null, 2));
  throw new Error(`glacier ${flags.rerun ? "rerun" : "run"}: expected every step ${expected}`);
}
// The executor's own step durations, then the whole run() call (planning, fingerprints, records included).
console.log(
  JSON.stringify({
    variant: flags.rerun ? "glacier-noop" : flags.checks ? "glacier-checks" : "glacier",
    steps: [
      ...result.steps.map((s) => ({ name: s.name, ms: s.durationMs ?? 0 })),
      { name: "run()", ms: runMs },
    ],
    runId: result.runId,
    executorSteps: result.steps.map((s) => ({
      name: s.name,
      status: s.status,
      ms: s.durationMs,
      rows: s.rows,
    })),
  }),
);
