import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { Bucket, LineageGraph, runGraph, type StepNode } from "@glacier/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as aws from "../src/index.js";
import { cloudEnvironment, type CloudEnvironment } from "./fixtures/cloud-environment.js";

let env: CloudEnvironment;
beforeAll(async () => {
  env = await cloudEnvironment("simple");
  await runGraph(env.graph, { mode: "cloud", projectDir: env.projectDir });
}, 180_000);
afterAll(() => env?.stop());

const runs = () => readdirSync(join(env.projectDir, ".glacier", "runs")).length;
const decisions = (plan: aws.CloudRunPlan) => plan.steps.map((s) => [s.name, s.action, s.reason]);
const statuses = (result: aws.CloudRunResult) => result.steps.map((s) => [s.name, s.status, s.reason]);

describe("--plan in cloud mode", () => {
  it("says what would run and why from S3 metadata, and invokes and writes nothing", async () => {
    const [invocations, records] = [env.lambda.invocations.length, runs()];
    const plan = await runGraph(
      env.graph,
      {
        mode: "cloud",
        projectDir: env.projectDir,
        plan: true,
        params: { minOrders: "3" },
      },
      aws,
    );
    expect(decisions(plan)).toEqual([
      ["cleanSales", "skip", "up to date"],
      ["dailyRevenue", "run", "parameters changed"],
    ]);
    expect(plan.plan.steps.map((s) => [s.name, s.dispatch])).toEqual([
      [
        "cleanSales",
        { kind: "lambda", functionName: "glacier-clean-sales-f7e1d6", functionTimeoutSeconds: 300 },
      ],
      ["dailyRevenue", { kind: "in-process" }],
    ]);
    expect(env.lambda.invocations).toHaveLength(invocations);
    expect(runs()).toBe(records);
  });

  it("sees a new codeVersion as a code change", async () => {
    const [clean, daily] = env.graph.executionOrder() as [StepNode, StepNode];
    const versioned: StepNode = { ...clean, task: { ...clean.task, codeVersion: "2" } };
    const graph = LineageGraph.from(Bucket.fromNode(daily.output, [versioned, daily]));
    const plan = await runGraph(
      graph,
      {
        mode: "cloud",
        projectDir: env.projectDir,
        plan: true,
      },
      aws,
    );
    expect(decisions(plan)).toEqual([
      ["cleanSales", "run", "code changed"],
      ["dailyRevenue", "run", "upstream will run"],
    ]);
  });

  it("sees a changed source through its ETag, and everything downstream of it", async () => {
    await env.client.send(
      new PutObjectCommand({
        Bucket: "glacier-example-sales",
        Key: "raw/sales.csv",
        Body: "order_id,day,region,amount\n1,2024-01-01,north,10.5\n",
      }),
    );
    const plan = await runGraph(
      env.graph,
      {
        mode: "cloud",
        projectDir: env.projectDir,
        plan: true,
      },
      aws,
    );
    expect(decisions(plan)).toEqual([
      ["cleanSales", "run", "input changed"],
      ["dailyRevenue", "run", "upstream will run"],
    ]);
    const run = await runGraph(env.graph, { mode: "cloud", projectDir: env.projectDir }, aws);
    expect(statuses(run)).toEqual([
      ["cleanSales", "succeeded", "input changed"],
      ["dailyRevenue", "succeeded", "input changed"],
    ]);
    expect(run.steps.map((s) => s.rows)).toEqual([1, 1]);
    expect(existsSync(join(run.recordPath!, "log.jsonl"))).toBe(true);
  });
});
