import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import pl from "nodejs-polars";
import { Pipeline } from "@glacier/core";
import { readRun } from "@glacier/engine";
import { testProject, type TestProject } from "./fixtures/project.js";

let project: TestProject;
afterEach(() => {
  project?.cleanup();
  delete process.env.POLARS_FORCE_ASYNC;
});

/** A fact table of `orders` rows over `customers` customers, and the customer dimension. */
function factAndDimension(orders: number, customers: number): { fact: pl.DataFrame; dim: pl.DataFrame } {
  const ids = Array.from({ length: orders }, (_, i) => i);
  const fact = pl.DataFrame({
    order_id: ids,
    customer_id: ids.map((i) => (i * 7) % customers),
    amount: ids.map((i) => (i % 97) + 0.5),
  });
  const dim = pl.DataFrame({
    customer_id: Array.from({ length: customers }, (_, i) => i),
    region: Array.from({ length: customers }, (_, i) => ["eu", "us", "apac"][i % 3] as string),
  });
  return { fact, dim };
}

/** fact ⋈ dim → revenue per region, written under `out/`. */
function joinPipeline(project: TestProject, out: string) {
  const p = project.provider;
  const local = p.local();
  const orders = p.bucket({ bucket: "acme", path: "raw/orders.parquet" });
  const customers = p.bucket({ bucket: "acme", path: "raw/customers.parquet" });
  const enriched = p.bucket({ bucket: "acme", path: `${out}/enriched.parquet` });
  const perRegion = p.bucket({ bucket: "acme", path: `${out}/per_region.parquet` });
  const enrich = local.task(function enrich({
    orders,
    customers,
  }: {
    orders: pl.LazyDataFrame;
    customers: pl.LazyDataFrame;
  }) {
    return orders.join(customers, { on: "customer_id", how: "inner" });
  });
  const summarise = local.task(function summarise(df: pl.LazyDataFrame) {
    return df.groupBy("region").agg(pl.col("amount").sum().alias("revenue")).sort("region");
  });
  return Pipeline({ orders, customers }).transform(enrich).to(enriched).transform(summarise).to(perRegion);
}

describe("low-memory mode", () => {
  it("reads without memory maps and sizes the join sample from the smaller input, with the same results", async () => {
    project = testProject();
    const { fact, dim } = factAndDimension(20_000, 1_000);
    project.write("acme", "raw/orders.parquet", fact);
    project.write("acme", "raw/customers.parquet", dim);

    const normal = await joinPipeline(project, "normal").run({ mode: "local", projectDir: project.dir });
    const low = await joinPipeline(project, "low").run({
      mode: "local",
      projectDir: project.dir,
      lowMemory: true,
    });
    expect([normal.status, low.status]).toEqual(["succeeded", "succeeded"]);

    const record = await readRun(low.runId, { projectDir: project.dir });
    // Just above the dimension's 1,000 rows: the dimension ends before the limit and is built on.
    expect(record.options.lowMemory).toEqual({
      POLARS_FORCE_ASYNC: "1",
      POLARS_JOIN_SAMPLE_LIMIT: "1251",
    });
    expect((await readRun(normal.runId, { projectDir: project.dir })).options.lowMemory).toBeUndefined();
    const log = readFileSync(record.logPath, "utf8");
    expect(log).toContain(
      'low-memory mode: join sample limit 1251 rows, sized by step \\"enrich\\": its second-largest input has 1000 rows',
    );
    // The settings last as long as the run: the process environment is as it was before.
    expect(process.env.POLARS_FORCE_ASYNC).toBeUndefined();

    const expected = fact
      .join(dim, { on: "customer_id", how: "inner" })
      .groupBy("region")
      .agg(pl.col("amount").sum().alias("revenue"))
      .sort("region");
    for (const out of ["normal", "low"]) {
      const got = project.read("acme", `${out}/per_region.parquet`);
      expect(got.toRecords()).toEqual(expected.toRecords());
      expect(project.read("acme", `${out}/enriched.parquet`).height).toBe(20_000);
    }
  });

  it("leaves a setting the environment already makes to the environment", async () => {
    project = testProject();
    const { fact, dim } = factAndDimension(2_000, 100);
    project.write("acme", "raw/orders.parquet", fact);
    project.write("acme", "raw/customers.parquet", dim);
    process.env.POLARS_FORCE_ASYNC = "0";
    const result = await joinPipeline(project, "out").run({
      mode: "local",
      projectDir: project.dir,
      lowMemory: true,
    });
    expect(result.status).toBe("succeeded");
    expect(process.env.POLARS_FORCE_ASYNC).toBe("0");
    const record = await readRun(result.runId, { projectDir: project.dir });
    const line = readFileSync(record.logPath, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { msg: string; polarsEnv?: unknown; keptFromEnvironment?: unknown })
      .find((l) => l.msg.startsWith("low-memory mode"));
    expect(line?.polarsEnv).toEqual({ POLARS_JOIN_SAMPLE_LIMIT: "126" });
    expect(line?.keptFromEnvironment).toEqual(["POLARS_FORCE_ASYNC"]);
  });

  it("rejects a lowMemory that is not a boolean, before writing anything", async () => {
    project = testProject();
    const { fact, dim } = factAndDimension(100, 10);
    project.write("acme", "raw/orders.parquet", fact);
    project.write("acme", "raw/customers.parquet", dim);
    await expect(
      joinPipeline(project, "out").run({
        mode: "local",
        projectDir: project.dir,
        lowMemory: "yes" as unknown as boolean,
      }),
    ).rejects.toMatchObject({
      code: "INVALID_OPTION",
      message:
        'option "lowMemory": "yes" is not true or false. Pass lowMemory: true (CLI: --low-memory), or leave it out.',
    });
    expect(Object.keys(project.files())).toEqual(["acme/raw/customers.parquet", "acme/raw/orders.parquet"]);
  });
});
