import { readFileSync } from "node:fs";
import { join } from "node:path";
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { check, LineageGraph, runGraph, type CheckResult, type RunPlan } from "@glacier/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listRuns, readRun } from "@glacier/engine";
import type { CloudRunResult } from "../src/index.js";
import { openLineageProblems } from "../../engine/test/fixtures/openlineage/validate-openlineage.js";
import { checkedWith } from "./fixtures/checks-pipeline.js";
import { cloudEnvironment, REPO, type CloudEnvironment } from "./fixtures/cloud-environment.js";

/**
 * Data checks on a Lambda step, through the loopback cloud: the generated bundle runs the checks in the real
 * handler before its commit, a blocking failure is `GlacierError.CHECK_FAILED` (never retried, directly or in
 * the state machine) and the previous output stays byte-identical in s3rver.
 */
let env: CloudEnvironment;
beforeAll(async () => {
  env = await cloudEnvironment({
    entry: join(REPO, "packages/aws/test/fixtures/checks-pipeline.ts"),
    sampleData: join(REPO, "packages/aws/test/fixtures/checks-sample-data.ts"),
  });
}, 180_000);
afterAll(() => env?.stop());

const BUCKET = "glacier-test-checks";
const OUTPUT = "clean/orders.parquet";

async function bytesOf(key: string): Promise<Buffer> {
  const object = await env.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(await object.Body!.transformToByteArray());
}

async function exists(key: string): Promise<boolean> {
  return env.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })).then(
    () => true,
    () => false,
  );
}

const putOrders = (csv: string) =>
  env.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: "raw/orders.csv", Body: csv }));

/** The invocations of `clean`'s function since `from`. */
const cleanInvocations = (from: number) =>
  env.lambda.invocations.slice(from).filter((i) => i.functionName.includes("clean"));

describe("checks on a Lambda step", () => {
  it("run in the handler: the results come back with the step, a failed warn check included", async () => {
    const result = (await runGraph(env.graph, {
      mode: "cloud",
      projectDir: env.projectDir,
    })) as CloudRunResult;
    expect(result.steps.map((s) => [s.name, s.status])).toEqual([
      ["clean", "succeeded"],
      ["total", "succeeded"],
    ]);
    const checks = (result.steps[0] as { checks?: readonly CheckResult[] } | undefined)?.checks;
    expect(checks?.map((c) => [c.name, c.severity, c.status, c.failing])).toEqual([
      ["relationships(customer->glacier-test-checks/ref/customers.csv.id)", "blocking", "passed", 0],
      ["positive_amount", "warn", "failed", 1],
      ["not_null(id)", "blocking", "passed", 0],
      ["unique(id)", "blocking", "passed", 0],
    ]);
    expect(checks?.[1]?.sample).toEqual([{ id: 2, customer: 2, amount: -5 }]);
    // The cloud run's OpenLineage events: S3 datasets, the checks as assertions, each valid against the spec.
    const events = readFileSync(join(result.recordPath as string, "openlineage.jsonl"), "utf8")
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as { eventType: string; job: { name: string }; outputs: unknown[] });
    for (const event of events) expect(openLineageProblems(event)).toEqual([]);
    // A consumer starts once its input is committed, so steps' events interleave; each job's are in order.
    const byJob = (name: string) =>
      events.filter((e) => e.job.name.split("->")[0] === name).map((e) => e.eventType);
    expect([byJob("glacier"), byJob("clean"), byJob("total")]).toEqual([
      ["START", "COMPLETE"],
      ["START", "COMPLETE"],
      ["START", "COMPLETE"],
    ]);
    expect(
      events.find((e) => e.eventType === "COMPLETE" && e.job.name.startsWith("clean"))?.outputs[0],
    ).toMatchObject({
      namespace: "s3://glacier-test-checks",
      name: "clean/orders.parquet",
      facets: {
        dataQualityAssertions: {
          assertions: expect.arrayContaining([{ assertion: "unique(id)", success: true, column: "id" }]),
        },
      },
    });
    // Column lineage of the Polars tasks, derived from their plans: in the Lambda handler for `clean`, in
    // this process for `total`.
    const identity = (field: string) => ({
      namespace: "s3://glacier-test-checks",
      name: "raw/orders.csv",
      field,
      transformations: [{ type: "DIRECT", subtype: "IDENTITY" }],
    });
    const lineageOf = (step: string) =>
      (
        events.find((e) => e.eventType === "COMPLETE" && e.job.name.startsWith(step))?.outputs[0] as {
          facets?: { columnLineage?: unknown };
        }
      ).facets?.columnLineage;
    expect(lineageOf("clean")).toMatchObject({
      fields: {
        id: { inputFields: [identity("id")] },
        customer: { inputFields: [identity("customer")] },
        amount: { inputFields: [identity("amount")] },
      },
      dataset: [],
    });
    expect(lineageOf("total")).toMatchObject({
      fields: {
        amount: {
          inputFields: [
            {
              namespace: "s3://glacier-test-checks",
              name: "clean/orders.parquet",
              field: "amount",
              transformations: [{ type: "DIRECT", subtype: "AGGREGATION" }],
            },
          ],
        },
      },
      dataset: [],
    });
  }, 60_000);

  it("fail the step with CHECK_FAILED before the commit, once (no retry), leaving the output byte-identical", async () => {
    const before = await bytesOf(OUTPUT);
    const from = env.lambda.invocations.length;
    await putOrders("id,customer,amount\n1,1,10\n2,9,5\n3,3,7\n3,1,8\n");
    const result = (await runGraph(env.graph, {
      mode: "cloud",
      projectDir: env.projectDir,
    })) as CloudRunResult;
    expect(result.status).toBe("failed");
    const [clean, total] = result.steps;
    expect(clean).toMatchObject({ name: "clean", status: "failed", code: "CHECK_FAILED", attempts: 1 });
    expect(clean?.error).toContain(
      '2 blocking checks failed: relationships(customer->glacier-test-checks/ref/customers.csv.id): 1 row has a "customer" missing from "id" of glacier-test-checks/ref/customers.csv, e.g. {"id":2,"customer":9,"amount":5}; unique(id): 2 rows share 1 value of "id", e.g. {"id":3,"rows":2}. The output was not committed: the previous one is intact.',
    );
    expect(total).toMatchObject({ status: "not-run", reason: "upstream failed" });
    expect(await bytesOf(OUTPUT)).toEqual(before);
    const invoked = cleanInvocations(from);
    expect(invoked.map((i) => [i.outcome, i.error?.errorType])).toEqual([
      ["function-error", "GlacierError.CHECK_FAILED"],
    ]);
    // The handler's reply carries every check's result as data; the shown error does not repeat them.
    expect(invoked[0]?.error?.errorMessage).toMatch(/\nGlacier check results: \[\{"name":"relationships/);
    expect(clean?.error).not.toContain("Glacier check results");
    const failedResults = [
      ["relationships(customer->glacier-test-checks/ref/customers.csv.id)", "blocking", "failed", 1],
      ["positive_amount", "warn", "passed", 0],
      ["not_null(id)", "blocking", "passed", 0],
      ["unique(id)", "blocking", "failed", 2],
    ];
    expect(clean?.checks?.map((c) => [c.name, c.severity, c.status, c.failing])).toEqual(failedResults);
    expect(clean?.checks?.[3]?.sample).toEqual([{ id: 3, rows: 2 }]);
    expect(clean?.checks?.[0]?.sample).toEqual([{ id: 2, customer: 9, amount: 5 }]);
    // As a local run records them: in run.json, counted by `glacier runs`.
    const record = await readRun(result.runId, { projectDir: env.projectDir });
    expect(record?.steps[0]?.checks?.map((c) => [c.name, c.severity, c.status, c.failing])).toEqual(
      failedResults,
    );
    const [listed] = await listRuns({ projectDir: env.projectDir, limit: 1 });
    expect(listed).toMatchObject({ runId: result.runId, checks: { passed: 2, warned: 0, failed: 2 } });
  }, 60_000);

  it("in the state machine, CHECK_FAILED is permanent: one invocation, the step failed, the output kept", async () => {
    const before = await bytesOf(OUTPUT);
    const from = env.lambda.invocations.length;
    const result = (await runGraph(env.graph, {
      mode: "cloud",
      via: "stepfunctions",
      projectDir: env.projectDir,
    })) as CloudRunResult;
    expect(result.status).toBe("failed");
    expect(result.steps[0]).toMatchObject({ name: "clean", status: "failed", code: "CHECK_FAILED" });
    // Step Functions passes the function's error payload on as the cause: its check results are recorded too.
    expect(result.steps[0]?.checks?.map((c) => [c.name, c.status, c.failing])).toEqual([
      ["relationships(customer->glacier-test-checks/ref/customers.csv.id)", "failed", 1],
      ["positive_amount", "passed", 0],
      ["not_null(id)", "passed", 0],
      ["unique(id)", "failed", 2],
    ]);
    expect(result.steps[0]?.error).not.toContain("Glacier check results");
    expect(cleanInvocations(from)).toHaveLength(1);
    expect(await bytesOf(OUTPUT)).toEqual(before);
    expect(await exists("reports/total.parquet")).toBe(true);
  }, 60_000);

  it("a check added to an up-to-date step runs from the run's process on the stored output: no invocation", async () => {
    await putOrders("id,customer,amount\n1,1,10\n2,2,5\n3,3,7\n");
    const first = await runGraph(env.graph, { mode: "cloud", projectDir: env.projectDir });
    expect(first.steps.map((s) => [s.name, s.status])).toEqual([
      ["clean", "succeeded"],
      ["total", "succeeded"],
    ]);
    const before = await bytesOf(OUTPUT);
    const from = env.lambda.invocations.length;
    const changed = LineageGraph.from({ checked: checkedWith([check.rowCount({ max: 2 })]) });
    const plan = (await runGraph(changed, {
      mode: "cloud",
      projectDir: env.projectDir,
      plan: true,
    })) as RunPlan;
    expect(plan.steps.map((s) => [s.name, s.action, s.reason])).toEqual([
      ["clean", "check", "checks changed"],
      ["total", "skip", "up to date"],
    ]);
    const result = (await runGraph(changed, { mode: "cloud", projectDir: env.projectDir })) as CloudRunResult;
    expect(result.steps.map((s) => [s.name, s.status, s.reason])).toEqual([
      ["clean", "failed", "checks changed"],
      ["total", "not-run", "upstream failed"],
    ]);
    expect(result.steps[0]).toMatchObject({ code: "CHECK_FAILED" });
    expect(result.steps[0]?.error).toContain("row_count: 3 rows, expected at most 2, on the stored output");
    expect(result.steps[0]?.checks?.map((c) => [c.name, c.status])).toEqual([
      ["relationships(customer->glacier-test-checks/ref/customers.csv.id)", "passed"],
      ["positive_amount", "passed"],
      ["row_count", "failed"],
      ["not_null(id)", "passed"],
      ["unique(id)", "passed"],
    ]);
    expect(cleanInvocations(from)).toEqual([]);
    expect(await bytesOf(OUTPUT)).toEqual(before);
  }, 60_000);

  it("in the state machine, a Polars Lambda step's COMPLETE carries the column lineage its function derived", async () => {
    // Orders no earlier test wrote, so the state machine runs the step whatever earlier tests left up to date.
    await putOrders("id,customer,amount\n1,1,10\n2,2,5\n3,3,7\n4,1,9\n");
    const result = (await runGraph(env.graph, {
      mode: "cloud",
      via: "stepfunctions",
      projectDir: env.projectDir,
    })) as CloudRunResult;
    expect(result.steps[0]).toMatchObject({ name: "clean", status: "succeeded" });
    const events = readFileSync(join(result.recordPath as string, "openlineage.jsonl"), "utf8")
      .trimEnd()
      .split("\n")
      .map(
        (line) =>
          JSON.parse(line) as {
            eventType: string;
            job: { name: string };
            outputs: { facets?: { columnLineage?: unknown } }[];
          },
      );
    for (const event of events) expect(openLineageProblems(event)).toEqual([]);
    const done = events.find((e) => e.eventType === "COMPLETE" && e.job.name.startsWith("clean"));
    const identity = (field: string) => ({
      namespace: "s3://glacier-test-checks",
      name: "raw/orders.csv",
      field,
      transformations: [{ type: "DIRECT", subtype: "IDENTITY" }],
    });
    expect(done?.outputs[0]?.facets?.columnLineage).toMatchObject({
      fields: {
        id: { inputFields: [identity("id")] },
        customer: { inputFields: [identity("customer")] },
        amount: { inputFields: [identity("amount")] },
      },
    });
  }, 60_000);
});
