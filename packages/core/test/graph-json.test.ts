import type { LazyDataFrame } from "nodejs-polars";
import { describe, expect, it } from "vitest";
import {
  daily as everyDay,
  LineageGraph,
  param,
  Pipeline,
  Provider,
  type GraphJson,
  type StepNode,
} from "@glacier/core";
import { failure } from "./support.js";

const aws = new Provider({ cloud: "aws", region: "eu-west-1", accountId: "123456789012" });
const onDisk = new Provider({ cloud: "local", basePath: "/data" });
const lambda = aws.serverless({ memory: 2048, timeout: 600 });
const spark = aws.spark({ workers: 3 });
const local = aws.local();

const orders = aws.bucket({
  bucket: "acme",
  path: "raw/orders/*.parquet",
  schema: { id: "int64", amount: "float64" },
  expectedSize: { bytes: 5_000_000, rows: 100_000 },
  external: true,
});
const customers = onDisk.bucket({ bucket: "crm", path: "customers.csv" });
const clean = lambda.task(
  function clean(df: LazyDataFrame, ctx) {
    return df.head(ctx.params.limit);
  },
  {
    description: "drops bad rows",
    retries: 2,
    timeout: 300,
    codeVersion: "v2",
    params: { limit: param.integer({ default: 10 }) },
  },
);
const joined = spark.sql("joined", "SELECT * FROM orders JOIN customers USING (id) WHERE amount > :min", {
  params: { min: param.number({ default: 0 }) },
});
const daily = local.sql("daily", "SELECT COUNT(*) AS n FROM input");

const cleaned = orders.transform(clean).to(aws.bucket({ bucket: "acme", path: "clean/orders.parquet" }));
const report = Pipeline({ orders: cleaned, customers })
  .transform(joined)
  .to(aws.bucket({ bucket: "acme", path: "joined/", format: "parquet" }))
  .withName("report", "orders with their customers")
  .withSchedule("rate(1 day)");
const counts = report
  .transform(daily)
  .to(aws.bucket({ bucket: "acme", path: "daily.parquet" }))
  .withName("counts");

/** A step with its task function dropped, as JSON keeps it. */
function withoutFn(step: StepNode): unknown {
  const { fn: _fn, ...task } = step.task;
  return { ...step, task };
}

describe("GraphJson", () => {
  const graph = LineageGraph.from({ report, counts });
  const json: GraphJson = JSON.parse(JSON.stringify(graph.toJSON()));

  it("parses back to an equal graph: same JSON, same nodes (functions aside), same order", () => {
    const back = LineageGraph.fromJSON(json);
    expect(back.toJSON()).toEqual(graph.toJSON());
    expect(back.buckets).toEqual(graph.buckets);
    expect(back.steps.map(withoutFn)).toEqual(graph.steps.map(withoutFn));
    expect(back.pipelines).toEqual(graph.pipelines);
    expect(back.executionOrder().map((s) => s.id)).toEqual(graph.executionOrder().map((s) => s.id));
    expect(back.problems()).toEqual([]);
    expect(Object.isFrozen(back.steps[0]?.task)).toBe(true);
  });

  it("keeps what the summary form dropped: SQL, params, timeout, description, provider, declared sizes", () => {
    const step = (name: string) => json.steps.find((s) => s.name === name);
    expect(step("joined")).toMatchObject({
      sql: "SELECT * FROM orders JOIN customers USING (id) WHERE amount > :min",
      params: { min: { type: "number", default: 0 } },
      input: "multi",
      inputs: { customers: "crm/customers.csv", orders: "acme/clean/orders.parquet" },
    });
    expect(step("clean")).toMatchObject({
      description: "drops bad rows",
      timeout: 300,
      retries: 2,
      codeVersion: "v2",
      input: "single",
    });
    expect(json.buckets.find((b) => b.path === "raw/orders/*.parquet")).toMatchObject({
      provider: { kind: "provider", cloud: "aws", region: "eu-west-1", accountId: "123456789012" },
      expectedSize: { bytes: 5_000_000, rows: 100_000 },
      external: true,
    });
    expect(json.pipelines.find((p) => p.name === "report")).toMatchObject({
      description: "orders with their customers",
      schedule: "rate(1 day)",
    });
  });

  it("a document naming a bucket or step it does not list is an error naming it", () => {
    const noBucket = { ...json, buckets: json.buckets.filter((b) => b.id !== "crm/customers.csv") };
    expect(failure(() => LineageGraph.fromJSON(noBucket))).toMatchInlineSnapshot(
      `"[INVALID_BUCKET] bucket "crm/customers.csv": the graph JSON's step "joined->acme/joined/" names bucket "crm/customers.csv", which it does not list. Pass the document LineageGraph.toJSON() wrote, unchanged."`,
    );
    const noStep = { ...json, steps: json.steps.filter((s) => s.name !== "clean") };
    expect(failure(() => LineageGraph.fromJSON(noStep))).toMatchInlineSnapshot(
      `"[UNKNOWN_STEP] step "clean->acme/clean/orders.parquet": the graph JSON's pipeline "counts" names step "clean->acme/clean/orders.parquet", which it does not list. Pass the document LineageGraph.toJSON() wrote, unchanged."`,
    );
  });

  it("keeps a partitioned bucket's scheme, so a graph read back still runs per partition", () => {
    const events = aws.bucket({
      bucket: "acme",
      path: "events/{day}.parquet",
      partitions: everyDay({ start: "2026-12-01" }),
    });
    const perDay = events
      .transform(
        lambda.task(function tidy(df: LazyDataFrame) {
          return df;
        }),
      )
      .to(
        aws.bucket({
          bucket: "acme",
          path: "tidy/{day}.parquet",
          partitions: everyDay({ start: "2026-12-01" }),
        }),
      )
      .withName("perDay");
    const partitioned = LineageGraph.from({ perDay });
    const back = LineageGraph.fromJSON(JSON.parse(JSON.stringify(partitioned.toJSON())) as GraphJson);
    expect(back.buckets).toEqual(partitioned.buckets);
    expect(back.buckets.map((b) => b.partitions?.kind)).toEqual(["daily", "daily"]);
    expect(back.partitioned).toBe(true);
  });
});
