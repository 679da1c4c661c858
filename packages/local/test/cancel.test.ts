import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import pl from "nodejs-polars";
import { salesFrame, testProject, type TestProject } from "./fixtures/project.js";
import { statuses } from "./fixtures/results.js";

let project: TestProject;
afterEach(() => project?.cleanup());

/**
 * `acme/raw/sales.parquet` → slow → `acme/slow.parquet`: seconds of polars in a worker thread (a cross join
 * aggregated to 7 rows), whose sink creates its temporary file only once the aggregation is done.
 */
function pipeline(p: TestProject) {
  const slow = p.provider.local().task(function slow(df: pl.LazyDataFrame) {
    const keys = df.select(pl.col("order_id").alias("k")).limit(3000);
    return df
      .join(keys, { how: "cross" })
      .groupBy(pl.col("k").modulo(7).alias("g"))
      .agg(pl.col("amount").mul(pl.col("k")).sum().alias("total"))
      .sort("g");
  });
  return p.provider
    .bucket({ bucket: "acme", path: "raw/sales.parquet" })
    .transform(slow)
    .to(p.provider.bucket({ bucket: "acme", path: "slow.parquet" }));
}

/** A progress stream that aborts `controller` half a second after `step` started: inside its query. */
function abortWhenRunning(controller: AbortController, step: string): Writable {
  let seen = "";
  let started = false;
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      seen += chunk.toString();
      if (!started && new RegExp(`\\b${step} started`).test(seen)) {
        started = true;
        setTimeout(() => controller.abort(new Error("cancelled by the test")), 500);
      }
      done();
    },
  });
}

/** Waits (up to `ms`) until `probe` returns true; returns its last answer. */
async function eventually(probe: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (!probe() && Date.now() < until) await new Promise((done) => setTimeout(done, 50));
  return probe();
}

describe("a cancelled run", () => {
  it("ends without waiting for its worker's query, and what that query still writes is removed when it ends", async () => {
    project = testProject();
    project.write("acme", "raw/sales.parquet", salesFrame(200_000));
    const before = project.hashes();
    const controller = new AbortController();
    const cancelled = await pipeline(project).run({
      mode: "local",
      projectDir: project.dir,
      signal: controller.signal,
      progress: abortWhenRunning(controller, "slow"),
    });
    expect(controller.signal.aborted).toBe(true);
    expect(cancelled.status).toBe("cancelled");
    expect(statuses(cancelled)).toEqual([["slow", "not-run", "cancelled"]]);
    expect(project.hashes()).toEqual(before);
    // The same query again, to its end: the worker abandoned by the cancelled run (still inside the same query,
    // started earlier) creates its temporary output meanwhile, which must go once that worker has stopped.
    const again = await pipeline(project).run({ mode: "local", projectDir: project.dir });
    expect(again.status).toBe("succeeded");
    const outputsOnly = (): boolean =>
      Object.keys(project.hashes()).sort().join() === "acme/raw/sales.parquet,acme/slow.parquet";
    expect(await eventually(outputsOnly, 30_000), JSON.stringify(Object.keys(project.hashes()))).toBe(true);
    expect(project.hashes()["acme/raw/sales.parquet"]).toBe(before["acme/raw/sales.parquet"]);
  }, 90_000);
});
