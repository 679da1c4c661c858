import {
  check,
  Bucket,
  daily,
  GlacierError,
  LineageGraph,
  Provider,
  type BucketNode,
  type StepNode,
  type TaskNode,
} from "@glacier/core";
import { describe, expect, it } from "vitest";
import { planInfrastructure, type PlanOptions } from "../src/index.js";

const aws = new Provider({ cloud: "aws", region: "eu-west-1" });
const lambda = aws.serverless();
const spark = aws.spark();
const raw = aws.bucket({ bucket: "acme-lake", path: "raw/sales.parquet" });
const clean = aws.bucket({ bucket: "acme-lake", path: "clean/sales.parquet" });
const identity = lambda.task(function identity(df) {
  return df;
});
const total = spark.sql("total", "SELECT SUM(amount) AS total FROM input");

/**
 * Plans a graph that must be refused and returns the error. `planInfrastructure` validates before planning
 * (validate-graph.ts, validate-names.ts); `generate`, `analyze` and cloud runs all go through it.
 */
async function failure(graph: LineageGraph, options: PlanOptions = {}): Promise<GlacierError> {
  try {
    planInfrastructure(graph, options);
  } catch (error) {
    expect(GlacierError.is(error), String(error)).toBe(true);
    return error as GlacierError;
  }
  throw new Error("planInfrastructure accepted the graph");
}

/** A graph whose one step has a task node the DSL would refuse: what a graph from JSON or another core may hold. */
function graphWithTask(task: Partial<TaskNode>, output: BucketNode = clean.node): LineageGraph {
  const step: StepNode = {
    kind: "step",
    id: `${identity.name}->${output.id}`,
    name: identity.name,
    task: { ...identity, ...task } as TaskNode,
    input: { kind: "single", bucket: raw.node },
    output,
  };
  return LineageGraph.from({ broken: Bucket.fromNode(output, [step]) });
}

describe("validation before planning", () => {
  it("refuses a local provider", async () => {
    const local = new Provider({ cloud: "local", basePath: "./data" });
    const graph = local
      .bucket({ bucket: "acme", path: "raw.csv" })
      .transform(
        local.local().task(function copy(df) {
          return df;
        }),
      )
      .to(local.bucket({ bucket: "acme", path: "copy.csv" }))
      .graph();
    const error = await failure(graph);
    expect(error.code).toBe("INVALID_PROVIDER");
    expect(error.message).toMatchInlineSnapshot(
      `"provider "local": AWS infrastructure (what glacier generate creates, glacier run --mode cloud runs on and visualize --infra draws) needs buckets on an aws provider, but bucket "acme/copy.csv" is on a local provider (data). Declare the buckets with new Provider({ cloud: "aws", region: "eu-west-1" }), or run the pipeline on this machine with glacier run --mode local."`,
    );
  });

  it("refuses a graph spanning two regions", async () => {
    const us = new Provider({ cloud: "aws", region: "us-east-1" });
    const graph = raw
      .transform(identity)
      .to(us.bucket({ bucket: "acme-us", path: "copy.parquet" }))
      .graph();
    const error = await failure(graph);
    expect(error.code).toBe("INVALID_PROVIDER");
    expect(error.message).toMatchInlineSnapshot(
      `"provider "eu-west-1, us-east-1": the graph spans regions eu-west-1, us-east-1; one module has one region. Generate each region's pipelines separately (glacier generate --pipeline NAME)."`,
    );
  });

  it("refuses a graph naming two accounts", async () => {
    const a = new Provider({ cloud: "aws", region: "eu-west-1", accountId: "111111111111" });
    const b = new Provider({ cloud: "aws", region: "eu-west-1", accountId: "222222222222" });
    const graph = a
      .bucket({ bucket: "acme-a", path: "in.parquet" })
      .transform(identity)
      .to(b.bucket({ bucket: "acme-b", path: "out.parquet" }))
      .graph();
    const error = await failure(graph);
    expect(error.code).toBe("INVALID_PROVIDER");
    expect(error.message).toMatchInlineSnapshot(
      `"provider "111111111111, 222222222222": the graph names accounts 111111111111, 222222222222; one module deploys to one. Use one Provider per account and generate them separately."`,
    );
  });

  it("refuses Lambda memory, timeout and ephemeral storage outside Lambda's limits", async () => {
    const executor = identity.executor as Extract<TaskNode["executor"], { kind: "serverless" }>;
    for (const [field, value] of [
      ["memory", 64],
      ["timeout", 901],
      ["ephemeralStorage", 20480],
    ] as const) {
      const error = await failure(graphWithTask({ executor: { ...executor, [field]: value } }));
      expect(error.code).toBe("INVALID_OPTION");
      expect(error.message).toContain(`serverless.${field} ${value}`);
    }
    const error = await failure(graphWithTask({ executor: { ...executor, memory: 64 } }));
    expect(error.message).toMatchInlineSnapshot(
      `"step "identity->acme-lake/clean/sales.parquet": serverless.memory 64 MB is outside Lambda's 128–10240 MB. Set memory between 128 and 10240 in provider.serverless({ … })."`,
    );
  });

  it("refuses a task timeout longer than its Lambda's", async () => {
    const error = await failure(graphWithTask({ timeout: 1200 }));
    expect(error.code).toBe("INVALID_OPTION");
    expect(error.message).toMatchInlineSnapshot(
      `"step "identity->acme-lake/clean/sales.parquet": the task's timeout 1200 s exceeds its Lambda's 300 s. Raise provider.serverless({ timeout }) or lower the task's timeout."`,
    );
  });

  it("refuses a Polars function bound to Spark, by core's executor rules", async () => {
    // The DSL refuses spark.task(fn) when it is defined; a graph from another copy of core may still hold one.
    const step = raw.transform(lambda.task((df) => df, { name: "enrich" })).to(clean).lineage[0] as StepNode;
    const polarsOnSpark: StepNode = { ...step, task: { ...step.task, executor: spark.node } };
    const error = await failure(LineageGraph.from(Bucket.fromNode(clean.node, [polarsOnSpark])));
    expect(error.code).toBe("INVALID_TASK");
    expect(error.message).toMatchInlineSnapshot(
      `"step "enrich->acme-lake/clean/sales.parquet": a spark executor runs Spark SQL on EMR Serverless, not a nodejs-polars function. Write it as spark.sql("enrich", "SELECT … FROM input"), or bind the function to provider.local(), provider.serverless() or provider.container()."`,
    );
  });

  it("refuses a Polars expression check on Spark, naming it and check.sql; SQL-expressible checks pass", async () => {
    const out = aws.bucket({ bucket: "acme-lake", path: "out/total.parquet" });
    const error = await failure(
      raw
        .transform(total)
        .to(out)
        .check(
          check.rowCount({ min: 1 }),
          check.expr("positive", (pl) => pl.col("total").gt(0)),
        )
        .graph(),
    );
    expect(error.code).toBe("INVALID_OPTION");
    expect(error.message).toMatchInlineSnapshot(
      `"step "total->acme-lake/out/total.parquet": the Polars expression check "positive" cannot run on a spark executor: the generated Spark driver runs checks as Spark SQL, and a Polars expression has no SQL form. Write it as check.sql("positive", "<SQL boolean expression>"), which runs on every executor; or run the step on provider.serverless() or provider.local()."`,
    );
    const customers = aws.bucket({ bucket: "acme-crm", path: "customers.parquet" });
    const plan = planInfrastructure(
      raw
        .transform(total)
        .to(out)
        .check(
          check.rowCount({ min: 1 }),
          check.sql("positive", "total > 0"),
          check.relationships("total", customers, "id"),
        )
        .graph(),
    );
    // The job reads the related bucket its relationships check looks keys up in.
    expect(plan.sparkJobs[0]?.reads.map((r) => r.location)).toEqual([
      "s3://acme-lake/raw/sales.parquet",
      "s3://acme-crm/customers.parquet",
    ]);
  });

  it("grants a Lambda step read access to the buckets its relationships checks read", () => {
    const customers = aws.bucket({ bucket: "acme-crm", path: "customers.parquet" });
    const graph = raw
      .transform(identity)
      .to(clean)
      .check(check.relationships("customer", customers, "id"))
      .graph();
    const plan = planInfrastructure(graph);
    expect(plan.functions[0]?.reads.map((r) => r.location)).toEqual([
      "s3://acme-lake/raw/sales.parquet",
      "s3://acme-crm/customers.parquet",
    ]);
  });

  it("refuses Arrow IPC on Spark", async () => {
    const ipc = aws.bucket({ bucket: "acme-lake", path: "out/total.arrow" });
    const error = await failure(raw.transform(total).to(ipc).graph());
    expect(error.code).toBe("INVALID_TASK");
    expect(error.message).toMatchInlineSnapshot(
      `"step "total->acme-lake/out/total.arrow": Spark cannot read or write Arrow IPC, the format of "acme-lake/out/total.arrow". Store the bucket as Parquet, or run the step on provider.serverless()."`,
    );
  });

  it("refuses a per-partition Spark step (the driver has no key to fill in); reading every partition passes", async () => {
    const days = daily({ start: "2026-01-01" });
    const events = aws.bucket({
      bucket: "acme-lake",
      path: "events/day={day}/",
      format: "parquet",
      partitions: days,
    });
    const perDay = aws.bucket({ bucket: "acme-lake", path: "daily/{day}.parquet", partitions: days });
    const copy = spark.sql("copy", "SELECT * FROM input");
    const error = await failure(events.transform(copy).to(perDay).graph());
    expect(error.code).toBe("INVALID_TASK");
    expect(error.message).toMatchInlineSnapshot(
      `"step "copy->acme-lake/daily/{day}.parquet": the step writes acme-lake/daily/{day}.parquet, partitioned by "day", so it runs once per partition; a spark executor cannot run per partition yet (the generated Spark driver reads and writes whole buckets). Run the per-partition step on provider.serverless() or provider.container(); a Spark step may read every partition of a partitioned bucket into an unpartitioned one."`,
    );
    expect(error.hint).toContain("provider.serverless()");
    const all = aws.bucket({ bucket: "acme-lake", path: "all/events.parquet" });
    expect(() => planInfrastructure(events.transform(total).to(all).graph())).not.toThrow();
  });

  it("refuses Spark SQL parameters on a release before Spark 3.4", async () => {
    // The DSL refuses this when the task is defined (core's tests); a graph from another copy of core may not.
    const old = aws.spark({ releaseLabel: "emr-6.9.0" });
    const { param } = await import("@glacier/core");
    const since = aws.spark().sql("since", "SELECT * FROM input WHERE day >= :day", {
      params: { day: param.string() },
    });
    const step = raw.transform(since).to(clean).graph().step("since");
    const graph = LineageGraph.from({
      s: Bucket.fromNode(clean.node, [{ ...step, task: { ...step.task, executor: old.node } }]),
    });
    const error = await failure(graph);
    expect(error.code).toBe("INVALID_OPTION");
    expect(error.message).toMatchInlineSnapshot(
      `"step "since->acme-lake/clean/sales.parquet": the task declares params, which Spark SQL receives as :name markers from Spark 3.4 (emr-6.12.0); this executor uses emr-6.9.0. Use releaseLabel "emr-6.12.0" or later in provider.spark({ … })."`,
    );
  });

  it("refuses two KMS keys for one S3 bucket", async () => {
    const key = (n: number) =>
      `arn:aws:kms:eu-west-1:123456789012:key/0000000${n}-12ab-34cd-56ef-1234567890ab`;
    const a = aws.bucket({ bucket: "acme-lake", path: "a.parquet", kmsKeyArn: key(1) });
    const b = aws.bucket({ bucket: "acme-lake", path: "b.parquet", kmsKeyArn: key(2) });
    const error = await failure(a.transform(identity).to(b).graph());
    expect(error.code).toBe("INVALID_BUCKET");
    expect(error.message).toMatchInlineSnapshot(
      `"bucket "acme-lake/a.parquet": S3 bucket "acme-lake" is declared with different KMS keys: arn:aws:kms:eu-west-1:123456789012:key/00000001-12ab-34cd-56ef-1234567890ab, arn:aws:kms:eu-west-1:123456789012:key/00000002-12ab-34cd-56ef-1234567890ab. A bucket has one default key: give every location in it the same kmsKeyArn."`,
    );
  });

  it("refuses a step writing to an external bucket", async () => {
    const theirs = aws.bucket({ bucket: "partner-drop", path: "in/sales.parquet", external: true });
    const error = await failure(raw.transform(identity).to(theirs).graph());
    expect(error.code).toBe("INVALID_TARGET");
    expect(error.message).toMatchInlineSnapshot(
      `"bucket "partner-drop/in/sales.parquet": step "identity" writes to "partner-drop/in/sales.parquet", an external bucket that generate does not manage, so it cannot grant or guarantee write access there. Write the output to a bucket Glacier creates (drop external: true), and let the external owner read it from there."`,
    );
  });

  it("refuses a bucket that is external at one path and managed at another", async () => {
    const feed = aws.bucket({ bucket: "acme-lake", path: "feed/in.parquet", external: true });
    const error = await failure(feed.transform(identity).to(clean).graph());
    expect(error.code).toBe("INVALID_BUCKET");
    expect(error.message).toMatchInlineSnapshot(
      `"bucket "acme-lake/clean/sales.parquet": S3 bucket "acme-lake" is declared external at "feed/in.parquet" but not at "clean/sales.parquet". A bucket is created by generate or owned elsewhere: give every location in it the same external setting."`,
    );
  });

  it("refuses a schedule on a pipeline with local steps", async () => {
    const local = aws.local().task(function report(df) {
      return df;
    });
    const out = aws.bucket({ bucket: "acme-lake", path: "report.parquet" });
    const graph = clean.transform(local).to(out).withName("report").withSchedule("rate(1 day)").graph();
    const error = await failure(graph);
    expect(error.code).toBe("INVALID_OPTION");
    expect(error.message).toMatchInlineSnapshot(
      `"pipeline "report": the pipeline has a schedule, but its step "report" runs on the local executor, which a scheduled state machine cannot run. Bind those tasks to provider.serverless(), provider.spark() or provider.container(), or drop withSchedule() and run the pipeline with glacier run --mode cloud."`,
    );
  });

  it("refuses a function name over 64 characters", async () => {
    const long = lambda.task(
      function x(df) {
        return df;
      },
      { name: "normaliseEveryRegionalSalesRecordBeforeTheQuarterlyAudit" },
    );
    const error = await failure(raw.transform(long).to(clean).graph());
    expect(error.code).toBe("INVALID_NAME");
    expect(error.message).toMatchInlineSnapshot(
      `"step "normaliseEveryRegionalSalesRecordBeforeTheQuarterlyAudit->acme-lake/clean/sales.parquet": the Lambda function name "glacier-normalise-every-regional-sales-record-before-the-quarterly-audit-b17ca3" is 79 characters; AWS allows 64. Shorten the task name "normaliseEveryRegionalSalesRecordBeforeTheQuarterlyAudit" or the name prefix "glacier" by 15 characters."`,
    );
  });

  it("refuses a state machine name over 80 characters", async () => {
    const name = "quarterlyRegionalRevenueReconciliationForTheFinanceTeam";
    const graph = raw.transform(total).to(clean).withName(name).graph();
    const error = await failure(graph, { namePrefix: "acme-data-platform-prod-x" });
    expect(error.code).toBe("INVALID_NAME");
    expect(error.message).toMatchInlineSnapshot(
      `"pipeline "quarterlyRegionalRevenueReconciliationForTheFinanceTeam": the state machine name "acme-data-platform-prod-x-quarterly-regional-revenue-reconciliation-for-the-finance-team" is 88 characters; AWS allows 80. Shorten the pipeline name or the name prefix "acme-data-platform-prod-x" by 8 characters."`,
    );
  });

  it("refuses two pipelines that get one AWS name", async () => {
    const a = raw.transform(total).to(clean).withName("salesReport");
    const b = raw
      .transform(spark.sql("other", "SELECT * FROM input"))
      .to(aws.bucket({ bucket: "acme-lake", path: "other.parquet" }))
      .withName("sales_report");
    const error = await failure(LineageGraph.from([a, b]));
    expect(error.code).toBe("INVALID_NAME");
    expect(error.message).toMatchInlineSnapshot(
      `"pipeline "sales_report": pipeline "salesReport" and this pipeline both get the state machine name "glacier-sales-report". Names are compared in kebab case (aB, a_b and a-b are equal): rename one of them."`,
    );
  });

  it("refuses a name prefix AWS would not accept", async () => {
    const graph = raw.transform(total).to(clean).graph();
    const bad = await failure(graph, { namePrefix: "Acme_Data" });
    expect(bad.code).toBe("INVALID_OPTION");
    expect(bad.message).toMatchInlineSnapshot(
      `"option "namePrefix": name prefix "Acme_Data" is not valid. Use lowercase letters, digits and -, starting with a letter (it is part of an S3 bucket name)."`,
    );
    const long = await failure(graph, { namePrefix: "acme-data-platform-production-eu" });
    expect(long.code).toBe("INVALID_NAME");
    expect(long.message).toMatchInlineSnapshot(
      `"pipeline "acme-lake/clean/sales.parquet": the IAM role name "acme-data-platform-production-eu-acme-lake-clean-sales-parquet-sfn" is 66 characters; AWS allows 64. Shorten the pipeline name or the name prefix "acme-data-platform-production-eu" by 2 characters."`,
    );
  });
});
