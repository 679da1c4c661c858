/**
 * A graph where name order is the worst order: eight short steps `a1`…`a8` (aggregates of the big orders
 * table) and a chain of three slow steps `z1 → z2 → z3` whose names sort last (each scores a sample of the
 * customers against every product: a cross join of ~1.8 N rows for N order rows, on small tables). Run in name
 * order at concurrency 2, the short steps go two by two and the chain starts after all of them, then runs
 * alone with a slot idle; by critical path, `z1` starts at once and the short steps fill the other slot.
 *
 *   node critical-glacier.mjs --dir DIR --raw RAW                 a forced run (concurrency 2) in DIR
 *   node critical-glacier.mjs --dir DIR --raw RAW --processes     each step in its own child process
 *
 * DIR holds the run history. The harness runs it in copies of one prepared directory: with the history of an
 * earlier run (a second run: critical path from recorded durations) and with that history removed (a first
 * run: every step estimated from its input bytes — the short steps read the 36 MB orders table at 2M rows,
 * the chain ~0.5 MB of customers and products, so the estimates rank the chain last: name order).
 *
 * `--processes` gives each task a timeout, which runs its steps in child processes (each with its own polars
 * thread pool) instead of worker threads of this process (which share one pool): with POLARS_MAX_THREADS=1,
 * two steps then use two cores, one each — a machine with as many cores as the concurrency, where a step
 * does not saturate the machine on its own. Prints `{ runMs, order, durations }`.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { LineageGraph, Pipeline, Provider, runGraph } from "@glacier/core";
import pl from "nodejs-polars";

const { values } = parseArgs({
  options: {
    dir: { type: "string" },
    raw: { type: "string" },
    processes: { type: "boolean", default: false },
  },
});
const dir = resolve(values.dir);
const raw = new Provider({ cloud: "local", basePath: resolve(values.raw) });
const work = new Provider({ cloud: "local", basePath: dir });
const local = work.local();
const orders = raw.bucket({ bucket: "raw", path: "orders.parquet" });
const customers = raw.bucket({ bucket: "raw", path: "customers.parquet" });
const products = raw.bucket({ bucket: "raw", path: "products.parquet" });
const out = (name) => work.bucket({ bucket: "out", path: `${name}.parquet` });
// A timeout far above any step's time: only there to run each step in a child process.
const options = (name) => ({ name, ...(values.processes ? { timeout: 3600 } : {}) });

// a1…a8: one weekday's revenue per customer (~0.35 s of one core at 2M rows).
const short = (i) =>
  orders
    .transform(
      local.task(
        (o) =>
          o
            .filter(
              pl
                .col("day")
                .modulo(8)
                .eq(i - 1),
            )
            .groupBy("customer_id")
            .agg(pl.col("qty").mul(pl.col("price")).sum().alias("revenue"), pl.len().alias("orders")),
        options(`a${i}`),
      ),
    )
    .to(out(`a${i}`));

/** Each customer's score against every product (~1.3 s of one core at 2M rows): the slow steps. */
const score = (scored, products, weight) =>
  scored
    .join(products, { how: "cross" })
    .select(
      "customer_id",
      "segment",
      pl.col("score").add(pl.col("cost").mul(weight)).modulo(97).alias("score"),
      "category",
    )
    .groupBy(["customer_id", "segment"])
    .agg(
      pl.col("score").sum().modulo(1_000_003).alias("score"),
      pl.col("category").nUnique().alias("categories"),
    );
// One customer in 140 (715 at 2M rows) against 5,000 products: ~3.6M rows per step.
const z1 = Pipeline({ customers, products })
  .transform(
    local.task(
      ({ customers, products }) =>
        score(
          customers
            .filter(pl.col("customer_id").modulo(140).eq(0))
            .select("customer_id", "segment", pl.col("signup_day").alias("score")),
          products,
          3,
        ),
      options("z1"),
    ),
  )
  .to(out("z1"));
const next = (name, from, weight) =>
  Pipeline({ scored: from, products })
    .transform(local.task(({ scored, products }) => score(scored, products, weight), options(name)))
    .to(out(name));
const z3 = next("z3", next("z2", z1, 5), 7);

const targets = [...[1, 2, 3, 4, 5, 6, 7, 8].map(short), z3];
const started = performance.now();
const result = await runGraph(LineageGraph.from(targets), {
  mode: "local",
  projectDir: dir,
  concurrency: 2,
  force: true,
});
const runMs = Math.round(performance.now() - started);
if (result.status !== "succeeded") throw new Error(JSON.stringify(result.steps, null, 2));
const order = [...result.steps].sort((a, b) => (a.startedAt < b.startedAt ? -1 : 1)).map((s) => s.name);
const durations = Object.fromEntries(result.steps.map((s) => [s.name, s.durationMs]));
// Slot-seconds left idle between the first step's start and the last one's end: what the order wastes.
const edges = result.steps.flatMap((s) => [
  [Date.parse(s.startedAt), 1],
  [Date.parse(s.finishedAt), -1],
]);
edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
let running = 0;
let idleSlotMs = 0;
for (let i = 0; i < edges.length - 1; i++) {
  running += edges[i][1];
  idleSlotMs += Math.max(0, 2 - running) * (edges[i + 1][0] - edges[i][0]);
}
console.log(JSON.stringify({ runMs, order, durations, idleSlotMs, childCpuS: childCpuSeconds() }));

/**
 * CPU seconds of this process's live child processes (the step hosts of `--processes`): they are killed, not
 * waited for, at exit, so GNU time's total leaves them out.
 */
function childCpuSeconds() {
  const ticks = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout) || 100;
  let total = 0;
  for (const tid of readdirSync("/proc/self/task")) {
    const children = readFileSync(`/proc/self/task/${tid}/children`, "utf8").split(" ").filter(Boolean);
    for (const pid of children) {
      try {
        // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        total += (Number(fields[11]) + Number(fields[12])) / ticks;
      } catch {
        // Exited meanwhile: waited for by this process, so counted by GNU time already.
      }
    }
  }
  return Math.round(total * 100) / 100;
}
