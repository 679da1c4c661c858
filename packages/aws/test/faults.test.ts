import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { runGraph } from "@glacier/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AwsRunOptions, CloudRunResult } from "../src/index.js";
import * as aws from "../src/index.js";
import { cloudEnvironment, copyInputs, type CloudEnvironment } from "./fixtures/cloud-environment.js";
import { localFrame, s3Frame } from "./fixtures/frames.js";

let env: CloudEnvironment;
beforeAll(async () => {
  env = await cloudEnvironment("multi-source");
}, 180_000);
afterAll(() => env?.stop());

describe("a run against flaky services", () => {
  it("completes through Lambda throttling and 5xx and S3 500s, losing and duplicating nothing", async () => {
    env.lambda.faults({ throttleEvery: 2, failEvery: 3 });
    await env.s3.failEvery(7);
    let result: CloudRunResult;
    try {
      result = await runGraph(env.graph, { mode: "cloud", projectDir: env.projectDir }, aws);
    } finally {
      env.lambda.faults({});
    }
    const s3Faults = await env.s3.failEvery(0);
    expect(result.steps.flatMap((s) => (s.error === undefined ? [] : [s.error]))).toEqual([]);
    expect(result.status).toBe("succeeded");

    const outcomes = env.lambda.invocations.map((i) => i.outcome);
    expect(outcomes).toContain("throttled");
    expect(outcomes).toContain("failed-5xx");
    expect(s3Faults).toBeGreaterThan(0);
    // Each function ran exactly once: faults were retried before the function ran, never after.
    const ran = env.lambda.invocations.filter((i) => i.outcome === "ok").map((i) => i.functionName);
    expect(ran.sort()).toEqual(env.plan.functions.map((f) => f.functionName).sort());

    const storage = copyInputs(env);
    const local = await runGraph(env.graph, {
      mode: "local",
      localStorage: storage,
      projectDir: mkdtempSync(join(env.root, "local-project-")),
    });
    expect(local.status).toBe("succeeded");
    for (const step of env.graph.executionOrder()) {
      const [inCloud, inLocal] = [await s3Frame(env.client, step.output), localFrame(storage, step.output)];
      expect(inCloud.frameEqual(inLocal), `${step.name}'s output differs`).toBe(true);
    }
  }, 180_000);
});

describe("Ctrl-C during a run", () => {
  it("cancels in-flight EMR Serverless job runs and reports what finished", async () => {
    env.emr.hold(true);
    const controller = new AbortController();
    const options = {
      mode: "cloud",
      projectDir: env.projectDir,
      force: true,
      signal: controller.signal,
    } satisfies AwsRunOptions;
    const running = runGraph(env.graph, options, aws);
    try {
      while (
        !env.emr.submissions.some((s) => s.state === "RUNNING" && !env.emr.cancelled.includes(s.jobRunId))
      ) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      controller.abort();
      const result = await running;
      const job = env.emr.submissions.at(-1)!;
      expect(env.emr.cancelled).toContain(job.jobRunId);
      expect(job.state).toBe("CANCELLED");
      expect(result.status).toBe("failed");
      const byName = Object.fromEntries(result.steps.map((s) => [s.name, [s.status, s.reason]]));
      expect(byName).toMatchObject({
        joinCustomers: ["succeeded", "forced"],
        joinProducts: ["succeeded", "forced"],
        byRegion: ["not-run", "cancelled"],
      });
    } finally {
      env.emr.hold(false);
    }
  }, 120_000);
});
