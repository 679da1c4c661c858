import type { LazyDataFrame } from "nodejs-polars";
import { describe, expectTypeOf, it } from "vitest";
import {
  type Analysis,
  type Bucket,
  type FileStore,
  type GlacierTypeError,
  type GenerateResult,
  type Inputs,
  type Interpreter,
  type MatchingInputs,
  LineageGraph,
  Pipeline,
  type PipelineInfo,
  Provider,
  daily,
  hourly,
  param,
  type RunPlan,
  type RunResult,
  type SqlTables,
  type StepNode,
  type Task,
  type TaskLogger,
} from "@glacier/core";
import * as simple from "../../../examples/simple/pipeline.js";

const provider = new Provider({ cloud: "aws", region: "eu-west-1" });
const lambda = provider.serverless({ memory: 2048 });
const orders = provider.bucket({ bucket: "acme-data", path: "raw/orders.parquet" });
const customers = provider.bucket({ bucket: "acme-data", path: "raw/customers.parquet" });
const joined = provider.bucket({ bucket: "acme-data", path: "joined/orders.parquet" });

const clean = lambda.task(function clean(df: LazyDataFrame) {
  return df;
});
const cleanInferred = lambda.task((df) => df.head(10), { name: "head" });
const join = lambda.task(function join({ orders, customers }: Inputs<"orders" | "customers">) {
  return orders.join(customers, { on: "id" });
});
const sql = lambda.sql("daily", "SELECT * FROM input");

describe("single-source transforms", () => {
  it("accept single-source and SQL tasks", () => {
    expectTypeOf(orders.transform(clean).to(joined)).toEqualTypeOf<Bucket<null>>();
    expectTypeOf(orders.transform(cleanInferred).to(joined)).toEqualTypeOf<Bucket<null>>();
    expectTypeOf(orders.transform(sql).to(joined)).toEqualTypeOf<Bucket<null>>();
  });
  it("infer the frame type of an unannotated parameter", () => {
    lambda.task(
      (df) => {
        expectTypeOf(df).toEqualTypeOf<LazyDataFrame>();
        return df;
      },
      { name: "inferred" },
    );
  });
  it("reject a multi-source task", () => {
    // @ts-expect-error a task with named inputs needs Pipeline({ … })
    orders.transform(join);
  });
});

describe("Pipeline transforms", () => {
  it("accept a task whose inputs match the keys exactly, and SQL tasks", () => {
    expectTypeOf(Pipeline({ orders, customers }).transform(join).to(joined)).toEqualTypeOf<Bucket<null>>();
    expectTypeOf(Pipeline({ customers, orders }).transform(join).to(joined)).toEqualTypeOf<Bucket<null>>();
    expectTypeOf(Pipeline({ orders, customers }).transform(sql).to(joined)).toEqualTypeOf<Bucket<null>>();
  });
  it("accept a Pipeline input produced by an earlier step", () => {
    const cleaned = orders.transform(clean).to(joined);
    expectTypeOf(Pipeline({ orders: cleaned, customers }).transform(join)).toHaveProperty("to");
  });
  it("reject a single-source task", () => {
    // @ts-expect-error a single-source task cannot take Pipeline inputs
    Pipeline({ orders, customers }).transform(clean);
  });
  it("reject a task with a missing key", () => {
    // @ts-expect-error the task does not take `products`, and the Pipeline does not give `customers`
    Pipeline({ orders, products: customers }).transform(join);
  });
  it("reject a task that takes fewer inputs than given", () => {
    const one = lambda.task(function one({ orders }: Inputs<"orders">) {
      return orders;
    });
    // @ts-expect-error the Pipeline gives `customers`, which the task does not take
    Pipeline({ orders, customers }).transform(one);
  });
  it("reject a task that takes more inputs than given", () => {
    // @ts-expect-error the task takes `customers`, which the Pipeline does not give
    Pipeline({ orders }).transform(join);
  });
  it("name the mismatch from the reader's side: what the Pipeline lacks, what the task does not take", () => {
    type Message = "the task's input names must match the Pipeline keys";
    type Join = Inputs<"orders" | "customers">;
    expectTypeOf<MatchingInputs<Join, "orders">>().toEqualTypeOf<
      GlacierTypeError<Message, { readonly missingFromPipeline: "customers" }>
    >();
    expectTypeOf<MatchingInputs<Inputs<"orders">, "orders" | "customers">>().toEqualTypeOf<
      GlacierTypeError<Message, { readonly notTakenByTask: "customers" }>
    >();
    expectTypeOf<MatchingInputs<Join, "orders" | "products">>().toEqualTypeOf<
      GlacierTypeError<
        Message,
        { readonly missingFromPipeline: "customers"; readonly notTakenByTask: "products" }
      >
    >();
    expectTypeOf<MatchingInputs<Join, "orders" | "customers">>().toEqualTypeOf<unknown>();
  });
  it("reject a value that is not a bucket", () => {
    // @ts-expect-error Pipeline inputs are Buckets
    Pipeline({ orders, customers: "raw/customers.parquet" });
  });
});

describe("Inputs", () => {
  it("is a record of named lazy frames", () => {
    expectTypeOf<Inputs<"orders" | "customers">>().toEqualTypeOf<{
      readonly orders: LazyDataFrame;
      readonly customers: LazyDataFrame;
    }>();
  });
  it("types the destructured frames of a multi-source task", () => {
    lambda.task(function typed({ orders, customers }: Inputs<"orders" | "customers">) {
      expectTypeOf(orders).toEqualTypeOf<LazyDataFrame>();
      expectTypeOf(customers).toEqualTypeOf<LazyDataFrame>();
      return orders;
    });
  });
  it("reject destructuring an input the type does not name", () => {
    // @ts-expect-error `products` is not one of the task's inputs
    lambda.task(function typed({ orders, products }: Inputs<"orders">) {
      return orders.join(products, { on: "id" });
    });
  });
});

describe("task functions", () => {
  it("may return a frame or a promise of one", () => {
    lambda.task(async (df: LazyDataFrame) => df, { name: "later" });
  });
  it("must return a frame", () => {
    // @ts-expect-error a task returns a LazyDataFrame, not a number
    lambda.task((_df: LazyDataFrame) => 42, { name: "count" });
  });
  it("carry their input type on the Task", () => {
    expectTypeOf(join).toExtend<Task<Inputs<"orders" | "customers">, unknown>>();
    expectTypeOf(sql).toExtend<Task<SqlTables, unknown>>();
  });
});

describe("task context", () => {
  it("types ctx.params from the declarations", () => {
    lambda.task(
      function daily(df: LazyDataFrame, ctx) {
        expectTypeOf(ctx.params.day).toEqualTypeOf<string>();
        expectTypeOf(ctx.params.min).toEqualTypeOf<number>();
        expectTypeOf(ctx.params.topN).toEqualTypeOf<number>();
        expectTypeOf(ctx.params.dryRun).toEqualTypeOf<boolean>();
        // @ts-expect-error undeclared parameter
        void ctx.params.other;
        return df;
      },
      {
        params: {
          day: param.string(),
          min: param.number({ default: 0 }),
          topN: param.integer({ default: 10 }),
          dryRun: param.boolean({ default: false }),
        },
      },
    );
  });
  it("has no params when none are declared", () => {
    lambda.task(function plain(df: LazyDataFrame, ctx) {
      // @ts-expect-error the task declares no parameters
      void ctx.params.day;
      return df;
    });
  });
  it("is read-only", () => {
    lambda.task(
      function readonlyParams(df: LazyDataFrame, ctx) {
        // @ts-expect-error ctx.params is read-only
        ctx.params.day = "2024-01-01";
        return df;
      },
      { params: { day: param.string() } },
    );
  });
  it("gives the run id, step name, a logger and a file store", () => {
    lambda.task(function context(df: LazyDataFrame, ctx) {
      expectTypeOf(ctx.runId).toEqualTypeOf<string>();
      expectTypeOf(ctx.step).toEqualTypeOf<string>();
      expectTypeOf(ctx.log).toEqualTypeOf<TaskLogger>();
      expectTypeOf(ctx.files).toEqualTypeOf<FileStore>();
      expectTypeOf(ctx.files.read).returns.resolves.toEqualTypeOf<Uint8Array>();
      return df;
    });
  });
  it("types the params of a SQL task too", () => {
    const top = lambda.sql("top", "SELECT * FROM input LIMIT 10", {
      params: { n: param.integer({ default: 10 }) },
    });
    expectTypeOf(top).toExtend<Task<SqlTables, { readonly n: number }>>();
  });
  it("rejects a default of the wrong type", () => {
    // @ts-expect-error an integer parameter's default is a number
    param.integer({ default: "10" });
  });
});

describe("buckets", () => {
  it("withName returns a Bucket with pipeline info", () => {
    const named = orders.transform(clean).to(joined).withName("sales", "Daily sales");
    expectTypeOf(named).toEqualTypeOf<Bucket<null>>();
    expectTypeOf(named.pipeline).toEqualTypeOf<PipelineInfo | undefined>();
  });
  it("expose a read-only lineage of steps", () => {
    const produced = orders.transform(clean).to(joined);
    expectTypeOf(produced.lineage).toEqualTypeOf<readonly StepNode[]>();
    // @ts-expect-error the lineage is read-only
    produced.lineage.push(produced.lineage[0]!);
    // @ts-expect-error nodes are read-only
    produced.node.path = "other.parquet";
  });
  it("reject an unknown format and an unknown column type", () => {
    // @ts-expect-error "json" is not a bucket format
    provider.bucket({ bucket: "acme-data", path: "x.json", format: "json" });
    // @ts-expect-error "bigint" is not a column type
    provider.bucket({ bucket: "acme-data", path: "x.parquet", schema: { id: "bigint" } });
  });
  it("visualize in the four formats", () => {
    expectTypeOf(orders.visualize("dot")).toEqualTypeOf<string>();
    // @ts-expect-error "svg" is not a visualize format
    orders.visualize("svg");
  });
});

describe("providers and executors", () => {
  it("require a region for aws and a basePath for local", () => {
    // @ts-expect-error an aws provider needs a region
    new Provider({ cloud: "aws" });
    // @ts-expect-error a local provider needs a basePath
    new Provider({ cloud: "local" });
  });
  it("reject an unknown architecture", () => {
    // @ts-expect-error Lambda runs on x86_64 or arm64
    provider.serverless({ architecture: "x86" });
  });
  it("accept only the Lambda runtimes Glacier deploys to", () => {
    provider.serverless({ runtime: "nodejs24.x" });
    provider.serverless({ runtime: "nodejs22.x" });
    // @ts-expect-error nodejs20.x can no longer be deployed (create blocked 2026-08-31)
    provider.serverless({ runtime: "nodejs20.x" });
    expectTypeOf(lambda.node.runtime).toEqualTypeOf<"nodejs24.x" | "nodejs22.x">();
  });
  it("type the executor node by kind", () => {
    expectTypeOf(lambda.node.kind).toEqualTypeOf<"serverless">();
    expectTypeOf(provider.spark().node.releaseLabel).toEqualTypeOf<string>();
  });
});

describe("run", () => {
  const produced = orders.transform(clean).to(joined);
  it("resolves to the result type of its mode", () => {
    expectTypeOf(produced.run({ mode: "local" })).resolves.toEqualTypeOf<RunResult>();
    expectTypeOf(produced.run({ mode: "cloud", via: "stepfunctions" })).resolves.toEqualTypeOf<RunResult>();
    expectTypeOf(
      produced.run({ mode: "generate", outputDir: "infra" }),
    ).resolves.toEqualTypeOf<GenerateResult>();
    expectTypeOf(produced.run({ mode: "analyze" })).resolves.toEqualTypeOf<Analysis>();
  });
  it("refuses spark.task(fn): a spark executor runs SQL only", () => {
    // @ts-expect-error EXECUTOR_RULES: spark runs spark.sql(...), not a Polars function
    void provider.spark().task((df: LazyDataFrame) => df, { name: "enrich" });
    expectTypeOf(provider.spark().sql("daily", "SELECT * FROM input").language).toEqualTypeOf<
      "polars" | "sql"
    >();
  });
  it("resolves to a plan, not a run result, with plan: true", () => {
    expectTypeOf(produced.run({ mode: "local", plan: true })).resolves.toEqualTypeOf<RunPlan>();
    expectTypeOf(produced.run({ mode: "cloud", plan: true })).resolves.toEqualTypeOf<RunPlan>();
    const plan: boolean = Math.random() > 0.5;
    expectTypeOf(produced.run({ mode: "local", plan })).resolves.toEqualTypeOf<RunResult | RunPlan>();
    // @ts-expect-error generate has no plan of its own
    void produced.run({ mode: "generate", outputDir: "infra", plan: true });
  });
  it("resolves to an interpreter's own result type when one is passed in", () => {
    interface Recorded extends RunResult {
      readonly recordPath: string;
    }
    interface Decided extends RunPlan {
      readonly version: 1;
    }
    const local = {} as Interpreter<"local", Recorded | Decided>;
    expectTypeOf(produced.run({ mode: "local" }, local)).resolves.toEqualTypeOf<Recorded>();
    expectTypeOf(produced.run({ mode: "local", plan: true }, local)).resolves.toEqualTypeOf<Decided>();
    // @ts-expect-error a local interpreter does not run mode cloud
    void produced.run({ mode: "cloud" }, local);
  });
  it("rejects an unknown mode and missing mode options", () => {
    // @ts-expect-error "remote" is not a run mode
    void produced.run({ mode: "remote" });
    // @ts-expect-error generate needs an outputDir
    void produced.run({ mode: "generate" });
  });
});

describe("graphs", () => {
  it("are built from a bucket, a list or a module's exports", () => {
    expectTypeOf(LineageGraph.from(joined)).toEqualTypeOf<LineageGraph>();
    expectTypeOf(LineageGraph.from([joined, orders])).toEqualTypeOf<LineageGraph>();
    expectTypeOf(LineageGraph.from({ joined })).toEqualTypeOf<LineageGraph>();
  });
  it("take a module namespace whose exports are not all buckets", () => {
    expectTypeOf(LineageGraph.from(simple)).toEqualTypeOf<LineageGraph>();
    expectTypeOf(
      LineageGraph.from({ provider, lambda, joined, name: "sales" }),
    ).toEqualTypeOf<LineageGraph>();
  });
});

describe("partitioned buckets", () => {
  const days = daily({ start: "2026-11-01" });
  const events = provider.bucket({ bucket: "acme-data", path: "events/{day}.parquet", partitions: days });
  const cleaned = provider.bucket({ bucket: "acme-data", path: "clean/{day}.parquet", partitions: days });
  const hours = provider.bucket({
    bucket: "acme-data",
    path: "hours/{hour}.parquet",
    partitions: hourly({ start: "2026-11-01T00" }),
  });
  it("carry their partition kind", () => {
    expectTypeOf(events).toEqualTypeOf<Bucket<"daily">>();
    expectTypeOf(events.transform(clean).to(cleaned)).toEqualTypeOf<Bucket<"daily">>();
    // Read whole into a partitioned output, or aggregated into an unpartitioned one: both type-check.
    expectTypeOf(orders.transform(clean).to(cleaned)).toEqualTypeOf<Bucket<"daily">>();
    expectTypeOf(events.transform(clean).to(joined)).toEqualTypeOf<Bucket<null>>();
  });
  it("reject an output partitioned by another kind", () => {
    // @ts-expect-error daily input, hourly output
    events.transform(clean).to(hours);
  });
});
