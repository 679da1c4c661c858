import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { GlacierError, runGraph } from "@glacier/core";
import { readRun } from "@glacier/engine";
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

  it("keeps each step's fingerprints as a direct run does: an identical run starts no execution, a direct run skips too, a changed input runs again", async () => {
    const options = {
      mode: "cloud",
      via: "stepfunctions",
      pipeline: "shopRegions",
      projectDir: env.projectDir,
    } satisfies AwsRunOptions;
    const states = async (runId: string) =>
      (await readRun(runId, { projectDir: env.projectDir })).steps.map((s) => [
        s.name,
        s.status,
        s.reason,
        s.fingerprint !== undefined,
      ]);
    const first = await runGraph(env.graph, { ...options, force: true }, aws);
    expect(first.status).toBe("succeeded");
    // Every step the machine ran carries the fingerprints a direct run records (Lambda and EMR alike).
    expect(await states(first.runId)).toEqual([
      ["joinCustomers", "succeeded", "state machine", true],
      ["joinProducts", "succeeded", "state machine", true],
      ["byRegion", "succeeded", "state machine", true],
    ]);

    const executions = env.sfn.executions.length;
    const invocations = env.lambda.invocations.length;
    const again = await runGraph(env.graph, options, aws);
    expect(env.sfn.executions.length).toBe(executions);
    expect(env.lambda.invocations.length).toBe(invocations);
    expect(again.steps.map((s) => [s.name, s.status, s.reason])).toEqual([
      ["joinCustomers", "skipped", "up to date"],
      ["joinProducts", "skipped", "up to date"],
      ["byRegion", "skipped", "up to date"],
    ]);
    const log = await readFile(join(env.projectDir, ".glacier/runs", again.runId, "log.jsonl"), "utf8");
    expect(log).toContain("not started: every step it runs is up to date.");

    // The state is the one a direct run reads.
    const direct = await runGraph(env.graph, { ...options, via: "direct" }, aws);
    expect(direct.steps.map((s) => s.status)).toEqual(["skipped", "skipped", "skipped"]);

    // A changed source: the machine runs again (it runs every step it has), then all is up to date again.
    const object = await env.client.send(
      new GetObjectCommand({ Bucket: "glacier-example-shop", Key: "raw/products.ndjson" }),
    );
    const lines = (await object.Body!.transformToString()).trim().split("\n");
    await env.client.send(
      new PutObjectCommand({
        Bucket: "glacier-example-shop",
        Key: "raw/products.ndjson",
        Body: `${lines.reverse().join("\n")}\n`,
      }),
    );
    const plan = (await runGraph(env.graph, { ...options, plan: true }, aws)) as unknown as {
      steps: { name: string; reason: string }[];
    };
    expect(plan.steps.map((s) => [s.name, s.reason])).toEqual([
      ["joinCustomers", "up to date"],
      ["joinProducts", "input changed"],
      ["byRegion", "upstream will run"],
    ]);
    const changed = await runGraph(env.graph, options, aws);
    expect(env.sfn.executions.length).toBe(executions + 1);
    expect(changed.status).toBe("succeeded");
    const settled = await runGraph(env.graph, options, aws);
    expect(env.sfn.executions.length).toBe(executions + 1);
    expect(settled.steps.map((s) => s.status)).toEqual(["skipped", "skipped", "skipped"]);
  }, 180_000);

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
        // Its Lambda steps are up to date (the shopRegions runs above): forced, so the machine runs them.
        force: true,
      },
      aws,
    );
    expect(result.steps.map((s) => [s.name, s.status, s.reason])).toEqual([
      ["joinCustomers", "succeeded", "state machine"],
      ["joinProducts", "succeeded", "state machine"],
      ["byCategory", "succeeded", "forced"],
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
      force: true,
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
