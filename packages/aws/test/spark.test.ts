import { join } from "node:path";
import { runGraph } from "@glacier/core";
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
