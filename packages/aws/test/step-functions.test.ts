import { GetObjectCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { GlacierError, runGraph } from "@glacier/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AwsRunOptions, CloudRunRecord } from "../src/index.js";
import * as aws from "../src/index.js";
import { cloudEnvironment, type CloudEnvironment } from "./fixtures/cloud-environment.js";

let env: CloudEnvironment;
beforeAll(async () => {
  env = await cloudEnvironment("multi-source");
}, 180_000);
afterAll(() => env?.stop());

describe("--via stepfunctions", () => {
  it("starts the pipeline's generated state machine and reports each step from its execution history", async () => {
    const result = await runGraph(
      env.graph,
      {
        mode: "cloud",
        via: "stepfunctions",
        pipeline: "shopRegions",
        projectDir: env.projectDir,
      },
      aws,
    );
    expect(result.status).toBe("succeeded");
    const [execution] = env.sfn.executions;
    expect(execution?.name).toBe(result.runId);
    expect(result.steps.map((s) => [s.name, s.status])).toEqual([
      ["joinCustomers", "succeeded"],
      ["joinProducts", "succeeded"],
      ["byRegion", "succeeded"],
    ]);
    expect(result.steps[0]?.rows).toBeGreaterThan(0);
    const head = await env.client.send(
      new HeadObjectCommand({ Bucket: "glacier-example-shop", Key: "analytics/regional.parquet" }),
    );
    expect(head.ContentLength).toBeGreaterThan(0);
    const object = await env.client.send(
      new GetObjectCommand({ Bucket: env.artefactsBucket, Key: `_glacier/runs/${result.runId}.json` }),
    );
    const record = JSON.parse(await object.Body!.transformToString()) as CloudRunRecord;
    expect(record).toMatchObject({ via: "stepfunctions", status: "succeeded", pipeline: "shopRegions" });
  }, 120_000);

  it("follows the execution history page by page, newest first, never from page one again", async () => {
    const before = env.sfn.historyRequests.length;
    const result = await runGraph(
      env.graph,
      {
        mode: "cloud",
        via: "stepfunctions",
        pipeline: "shopRegions",
        projectDir: env.projectDir,
        force: true,
      },
      aws,
    );
    expect(result.status).toBe("succeeded");
    const requests = env.sfn.historyRequests.slice(before);
    const events = env.sfn.executions.find((e) => e.name === result.runId)!.events.length;
    expect(events).toBeGreaterThan(3 * env.sfn.pageSize);
    expect(requests.every((r) => r.reverse)).toBe(true);
    // Pages continued (nextToken) only to reach events not read yet: about one per page of history.
    expect(requests.filter((r) => r.continued).length).toBeLessThanOrEqual(
      Math.ceil(events / env.sfn.pageSize),
    );
  }, 120_000);

  it("runs the steps the state machine cannot run (local executor) in-process afterwards", async () => {
    const result = await runGraph(
      env.graph,
      {
        mode: "cloud",
        via: "stepfunctions",
        pipeline: "categories",
        projectDir: env.projectDir,
      },
      aws,
    );
    expect(result.steps.map((s) => [s.name, s.status, s.reason])).toEqual([
      ["joinCustomers", "succeeded", "state machine"],
      ["joinProducts", "succeeded", "state machine"],
      ["byCategory", "succeeded", "never ran"],
    ]);
    expect(result.status).toBe("succeeded");
  }, 120_000);

  it("stops the execution on Ctrl-C and reports what finished", async () => {
    env.emr.hold(true);
    const controller = new AbortController();
    const options = {
      mode: "cloud",
      via: "stepfunctions",
      pipeline: "shopRegions",
      projectDir: env.projectDir,
      signal: controller.signal,
    } satisfies AwsRunOptions;
    const running = runGraph(env.graph, options, aws);
    try {
      const submitted = env.emr.submissions.length;
      while (env.emr.submissions.length === submitted)
        await new Promise((resolve) => setTimeout(resolve, 20));
      controller.abort();
      const result = await running;
      expect(env.sfn.executions.at(-1)).toMatchObject({ name: result.runId, stopped: true });
      // Stopping the execution cancels its .sync job run (Step Functions does it, a moment later).
      const job = env.emr.submissions.at(-1)!.jobRunId;
      for (let i = 0; i < 100 && !env.emr.cancelled.includes(job); i++)
        await new Promise((resolve) => setTimeout(resolve, 20));
      expect(env.emr.cancelled).toContain(job);
      expect(result.steps.map((s) => [s.name, s.status, s.reason])).toEqual([
        ["joinCustomers", "succeeded", "state machine"],
        ["joinProducts", "succeeded", "state machine"],
        ["byRegion", "not-run", "cancelled"],
      ]);
      expect(result.status).toBe("failed");
    } finally {
      env.emr.hold(false);
    }
  }, 120_000);

  it("needs --pipeline when the graph has several state machines", async () => {
    const error = await runGraph(env.graph, { mode: "cloud", via: "stepfunctions" }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(GlacierError.is(error) && error.code).toBe("INVALID_OPTION");
    expect((error as Error).message).toMatchInlineSnapshot(
      `"option "via": --via stepfunctions starts one pipeline's state machine; this graph has 4. Pass --pipeline (categories, customerValue, enriched, shopRegions)."`,
    );
  });
});
