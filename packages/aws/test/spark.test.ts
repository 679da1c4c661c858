import { createHash } from "node:crypto";
import { join } from "node:path";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { runGraph, type CheckResult } from "@glacier/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CloudRunResult } from "../src/index.js";
import * as aws from "../src/index.js";
import { cloudEnvironment, REPO, type CloudEnvironment } from "./fixtures/cloud-environment.js";

let env: CloudEnvironment;
beforeAll(async () => {
  env = await cloudEnvironment({
    entry: join(REPO, "packages/aws/test/fixtures/spark-pipeline.ts"),
    sampleData: join(REPO, "packages/aws/test/fixtures/spark-sample-data.ts"),
  });
}, 180_000);
afterAll(() => env?.stop());

function submissionsOf(result: CloudRunResult, stepName: string) {
  const script = env.plan.sparkJobs.find((j) => j.stepName === stepName)!.scriptKey;
  return env.emr.submissions.filter(
    (s) => JSON.stringify(s.request).includes(script) && JSON.stringify(s.request).includes(result.runId),
  );
}

describe("a Spark step on EMR Serverless", () => {
  it("is retried with a new job run after a transient failure", async () => {
    env.emr.failNext(1);
    const result = await runGraph(
      env.graph,
      {
        mode: "cloud",
        projectDir: env.projectDir,
        pipeline: "retried",
      },
      aws,
    );
    expect(result.steps.map((s) => [s.name, s.status, s.attempts])).toEqual([["copyTotals", "succeeded", 2]]);
    const jobs = submissionsOf(result, "copyTotals");
    expect(jobs.map((j) => j.state)).toEqual(["FAILED", "SUCCESS"]);
    const tokens = jobs.map((j) => j.request["clientToken"] as string);
    expect(new Set(tokens).size).toBe(2);
    for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9._-]{1,64}$/);
    expect(tokens.map((t) => t.slice(-2))).toEqual(["-1", "-2"]);
    expect(jobs[0]!.request["name"]).toMatch(/^copy-totals-[0-9a-f]{6}-\d{8}T\d{6}Z-[0-9a-f]{4}$/);
  }, 120_000);

  it("fails at once on the driver's SCHEMA_MISMATCH, whatever its retries, naming the missing column", async () => {
    const result = await runGraph(
      env.graph,
      {
        mode: "cloud",
        projectDir: env.projectDir,
        pipeline: "mismatched",
      },
      aws,
    );
    const [step] = result.steps;
    expect(step).toMatchObject({
      name: "dropTotals",
      status: "failed",
      code: "SCHEMA_MISMATCH",
      attempts: 1,
    });
    expect(step?.error).toContain("Last few exceptions: GlacierStepError: SCHEMA_MISMATCH: step dropTotals");
    expect(step?.error).toContain("the result lacks declared columns ['total']");
    expect(submissionsOf(result, "dropTotals")).toHaveLength(1);
  }, 120_000);
});

describe("data checks on a Spark step (compiled to Spark SQL in the generated driver)", () => {
  const BUCKET = "glacier-test-spark-failures";
  const OUTPUT = "curated/orders.parquet";
  const hashOf = async (key: string) => {
    const object = await env.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    return createHash("sha256")
      .update(await object.Body!.transformToByteArray())
      .digest("hex");
  };
  const summary = (checks: readonly CheckResult[] | undefined) =>
    checks?.map((c) => [c.name, c.severity, c.status, c.failing]);

  it("run in the job before the commit: results recorded, a failed warn check included", async () => {
    const result = await runGraph(
      env.graph,
      { mode: "cloud", projectDir: env.projectDir, pipeline: "checkedSpark" },
      aws,
    );
    const [step] = result.steps;
    expect(step).toMatchObject({ name: "copyOrders", status: "succeeded", attempts: 1 });
    const checks = (step as { checks?: readonly CheckResult[] }).checks;
    expect(summary(checks)).toEqual([
      ["relationships(customer->glacier-test-spark-failures/ref/customers.csv.id)", "blocking", "passed", 0],
      ["row_count", "blocking", "passed", 0],
      ["small_amount", "warn", "failed", 1],
      ["accepted_values(customer)", "blocking", "passed", 0],
      ["not_null(id)", "blocking", "passed", 0],
      ["unique(id)", "blocking", "passed", 0],
    ]);
    expect(checks?.[2]).toMatchObject({
      message: "1 row does not satisfy amount < 9",
      sample: [{ id: 1, customer: 1, amount: 10 }],
    });
    expect(checks?.[1]?.message).toBe("3 rows, at least 1 and at most 100");
    // The job's results file is read and removed: nothing is left in the staging prefix.
    const left = await env.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: ".glacier-tmp/" }));
    expect(left.Contents ?? []).toEqual([]);
  }, 120_000);

  it("a blocking failure is CHECK_FAILED naming the checks, counts and samples: one job, nothing committed", async () => {
    const before = await hashOf(OUTPUT);
    await env.client.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: "raw/orders.csv",
        Body: "id,customer,amount\n1,1,10\n2,7,5\n3,3,7\n3,1,8\n",
      }),
    );
    const result = await runGraph(
      env.graph,
      { mode: "cloud", projectDir: env.projectDir, pipeline: "checkedSpark" },
      aws,
    );
    const [step] = result.steps;
    expect(step).toMatchObject({ name: "copyOrders", status: "failed", code: "CHECK_FAILED", attempts: 1 });
    expect(step?.error).toContain(
      'GlacierStepError: CHECK_FAILED: step copyOrders->glacier-test-spark-failures/curated/orders.parquet: 3 blocking checks failed: relationships(customer->glacier-test-spark-failures/ref/customers.csv.id): 1 row has a "customer" missing from "id" of glacier-test-spark-failures/ref/customers.csv, e.g. {"id":2,"customer":7,"amount":5}; accepted_values(customer): 1 row has a value of "customer" outside [1,2,3,9], e.g. {"id":2,"customer":7,"amount":5}; unique(id): 2 rows share 1 value of "id", e.g. {"id":3,"rows":2}. The output was not committed: the previous one is intact.',
    );
    const checks = (step as { checks?: readonly CheckResult[] }).checks;
    expect(summary(checks)).toEqual([
      ["relationships(customer->glacier-test-spark-failures/ref/customers.csv.id)", "blocking", "failed", 1],
      ["row_count", "blocking", "passed", 0],
      ["small_amount", "warn", "failed", 1],
      ["accepted_values(customer)", "blocking", "failed", 1],
      ["not_null(id)", "blocking", "passed", 0],
      ["unique(id)", "blocking", "failed", 2],
    ]);
    expect(checks?.[5]?.sample).toEqual([{ id: 3, rows: 2 }]);
    expect(submissionsOf(result, "copyOrders")).toHaveLength(1);
    expect(await hashOf(OUTPUT)).toBe(before);
  }, 120_000);
});

describe("a Spark step in the generated state machine (--via stepfunctions)", () => {
  const BUCKET = "glacier-test-spark-failures";
  const OUTPUT = "curated/orders.parquet";
  const hashOf = async (key: string) => {
    const object = await env.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    return createHash("sha256")
      .update(await object.Body!.transformToByteArray())
      .digest("hex");
  };
  // `force`: the same inputs as an earlier run would leave the step up to date, not run.
  const viaMachine = (pipeline: string) =>
    runGraph(
      env.graph,
      { mode: "cloud", via: "stepfunctions", projectDir: env.projectDir, pipeline, force: true },
      aws,
    ) as Promise<CloudRunResult>;

  /** The details of the execution's event of `type` (the fake's history events carry them untyped). */
  const detailsOf = (runId: string, type: string, key: string) =>
    env.sfn.executions
      .find((e) => e.name === runId)
      ?.events.filter((e) => e.type === type)
      .map((e) => e[key] as { error?: string; cause?: string; input?: string }) ?? [];

  it("a passing run records the job's check results", async () => {
    await env.client.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: "raw/orders.csv",
        Body: "id,customer,amount\n1,1,10\n2,2,5\n3,3,7\n",
      }),
    );
    const result = await viaMachine("checkedSpark");
    expect(result.steps[0]).toMatchObject({ name: "copyOrders", status: "succeeded" });
    expect(result.steps[0]?.checks?.map((c) => [c.name, c.status])).toEqual([
      ["relationships(customer->glacier-test-spark-failures/ref/customers.csv.id)", "passed"],
      ["row_count", "passed"],
      ["small_amount", "failed"],
      ["accepted_values(customer)", "passed"],
      ["not_null(id)", "passed"],
      ["unique(id)", "passed"],
    ]);
  }, 120_000);

  it("a blocking check failure is permanent: one job, CHECK_FAILED with the check results, output intact", async () => {
    await env.client.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: "raw/orders.csv",
        Body: "id,customer,amount\n1,1,10\n2,7,5\n3,3,7\n3,1,8\n",
      }),
    );
    const before = await hashOf(OUTPUT);
    const result = await viaMachine("checkedSpark");
    expect(result.status).toBe("failed");
    const [step] = result.steps;
    // copyOrders has retries: 2; a Retry block on the job's States.TaskFailed would have run it three times.
    expect(submissionsOf(result, "copyOrders")).toHaveLength(1);
    expect(step).toMatchObject({ name: "copyOrders", status: "failed", code: "CHECK_FAILED" });
    expect(step?.error).toContain("GlacierStepError: CHECK_FAILED: step copyOrders");
    expect(step?.checks?.map((c) => [c.name, c.severity, c.status, c.failing])).toEqual([
      ["relationships(customer->glacier-test-spark-failures/ref/customers.csv.id)", "blocking", "failed", 1],
      ["row_count", "blocking", "passed", 0],
      ["small_amount", "warn", "failed", 1],
      ["accepted_values(customer)", "blocking", "failed", 1],
      ["not_null(id)", "blocking", "passed", 0],
      ["unique(id)", "blocking", "failed", 2],
    ]);
    expect(await hashOf(OUTPUT)).toBe(before);
    // The execution ends in the step's Fail state with the driver's code as its error.
    const execution = env.sfn.executions.find((e) => e.name === result.runId);
    expect(execution?.status).toBe("FAILED");
    const [end] = detailsOf(result.runId, "ExecutionFailed", "executionFailedEventDetails");
    expect(end?.error).toBe("GlacierError.CHECK_FAILED");
    expect(end?.cause).toContain("GlacierStepError: CHECK_FAILED");
    const left = await env.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: ".glacier-tmp/" }));
    expect(left.Contents ?? []).toEqual([]);
  }, 120_000);

  it("the driver's SCHEMA_MISMATCH is permanent too: one job", async () => {
    const result = await viaMachine("mismatched");
    expect(result.steps[0]).toMatchObject({ name: "dropTotals", status: "failed", code: "SCHEMA_MISMATCH" });
    expect(submissionsOf(result, "dropTotals")).toHaveLength(1);
  }, 120_000);

  it("a transient job failure is retried by the machine's retry states and succeeds", async () => {
    env.emr.failNext(1);
    const result = await viaMachine("retried");
    expect(result.steps.map((s) => [s.name, s.status, s.error])).toEqual([
      ["copyTotals", "succeeded", undefined],
    ]);
    expect(submissionsOf(result, "copyTotals").map((j) => j.state)).toEqual(["FAILED", "SUCCESS"]);
  }, 120_000);

  it("every retry waits and counts: two transient failures of a step with retries 2, then success", async () => {
    await env.client.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: "raw/orders.csv",
        Body: "id,customer,amount\n1,1,10\n2,2,5\n3,3,7\n",
      }),
    );
    env.emr.failNext(2);
    const result = await viaMachine("checkedSpark");
    expect(result.steps[0]).toMatchObject({ name: "copyOrders", status: "succeeded" });
    expect(submissionsOf(result, "copyOrders").map((j) => j.state)).toEqual(["FAILED", "FAILED", "SUCCESS"]);
    // Each Wait state's input holds the step's attempt counter: the retry policy's ceilings, 1 s then 2 s.
    const waits = detailsOf(result.runId, "WaitStateEntered", "stateEnteredEventDetails").map((d) => {
      const input = JSON.parse(d.input ?? "{}") as Record<string, unknown>;
      return Object.entries(input).find(([key]) => key.startsWith("glacier_retries_copy_orders_"))?.[1];
    });
    expect(waits).toMatchObject([
      { n: 1, wait: 1 },
      { n: 2, wait: 2 },
    ]);
  }, 120_000);

  it("when the retries run out, the step fails with the last attempt's error", async () => {
    env.emr.failNext(2);
    const result = await viaMachine("retried");
    expect(result.steps[0]).toMatchObject({ name: "copyTotals", status: "failed", code: "TASK_FAILED" });
    expect(result.steps[0]?.error).toContain("ExecutorLostFailure");
    expect(submissionsOf(result, "copyTotals").map((j) => j.state)).toEqual(["FAILED", "FAILED"]);
    const [end] = detailsOf(result.runId, "ExecutionFailed", "executionFailedEventDetails");
    expect(end?.error).toBe("States.TaskFailed");
  }, 120_000);
});
