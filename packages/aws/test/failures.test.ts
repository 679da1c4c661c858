import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { GlacierError, runGraph } from "@glacier/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AwsRunOptions, CloudRunRecord } from "../src/index.js";
import * as aws from "../src/index.js";
import { cloudEnvironment, REPO, type CloudEnvironment } from "./fixtures/cloud-environment.js";
import { startFakeLambda } from "./fixtures/fake-lambda-server.js";

let env: CloudEnvironment;
beforeAll(async () => {
  env = await cloudEnvironment({
    entry: join(REPO, "packages/aws/test/fixtures/failing-pipeline.ts"),
    sampleData: join(REPO, "packages/aws/test/fixtures/failing-sample-data.ts"),
  });
}, 180_000);
afterAll(() => env?.stop());

const BUCKET = "glacier-test-failing";

async function exists(key: string): Promise<boolean> {
  return env.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })).then(
    () => true,
    () => false,
  );
}

async function bytesOf(key: string): Promise<Buffer> {
  const object = await env.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(await object.Body!.transformToByteArray());
}

/** An earlier run's output, which a step the run gave up on must leave as it was. */
async function previousOutput(key: string): Promise<Buffer> {
  const bytes = Buffer.from(`an earlier run's output of ${key}`);
  await env.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: bytes }));
  return bytes;
}

async function runRecords(): Promise<number> {
  const listed = await env.client.send(
    new ListObjectsV2Command({ Bucket: env.artefactsBucket, Prefix: "_glacier/runs/" }),
  );
  return listed.KeyCount ?? 0;
}

async function rejection(promise: Promise<unknown>): Promise<GlacierError> {
  const error = await promise.then(
    () => new Error("the run did not fail"),
    (e: unknown) => e,
  );
  if (!GlacierError.is(error)) throw error;
  return error;
}

describe("a task that throws", () => {
  it("fails its step with the task's message and log stream, and runs nothing downstream", async () => {
    const result = await runGraph(
      env.graph,
      {
        mode: "cloud",
        projectDir: env.projectDir,
        pipeline: "totals",
      },
      aws,
    );
    expect(result.status).toBe("failed");
    const [check, summarise] = result.steps;
    expect(check).toMatchObject({ name: "checkTotals", status: "failed", code: "TASK_FAILED", attempts: 1 });
    expect(
      check?.error?.replace(/\d{4}\/\d\d\/\d\d\/\[\$LATEST\][0-9a-f]{32}/, "<date>/[$LATEST]<stream>"),
    ).toMatchInlineSnapshot(
      `"step "checkTotals": the task threw: bad data: 1 negative totals. Fix the task; its stack trace is in the run log. (log: /aws/lambda/glacier-check-totals-8a5f44 <date>/[$LATEST]<stream>)"`,
    );
    expect(summarise).toMatchObject({ name: "summarise", status: "not-run", reason: "upstream failed" });
    expect(await exists("checked/totals.parquet")).toBe(false);
    expect(await exists("summary/totals.parquet")).toBe(false);
  }, 60_000);

  it("reports a stack trace mapped to the task's source (the bundle's linked source map)", () => {
    const failed = env.lambda.invocations.filter((i) => i.outcome === "function-error").at(-1);
    expect(failed?.error?.errorType).toBe("GlacierError.TASK_FAILED");
    const trace = failed?.error?.trace?.join("\n") ?? "";
    expect(trace).toMatch(/\/task\/packages\/aws\/src\/lambda-handler\.ts:\d+:\d+\)/);
    expect(trace).not.toMatch(/\/task\/index\.mjs:/);
  });
});

describe("a task that throws in the state machine (--via stepfunctions)", () => {
  it("fails its step with the Lambda error the execution history holds", async () => {
    const result = await runGraph(
      env.graph,
      {
        mode: "cloud",
        via: "stepfunctions",
        pipeline: "totals",
        projectDir: env.projectDir,
      },
      aws,
    );
    expect(result.status).toBe("failed");
    const [check, summarise] = result.steps;
    expect(check).toMatchObject({ name: "checkTotals", status: "failed", code: "TASK_FAILED" });
    expect(check?.error).toContain("bad data: 1 negative totals");
    // summarise runs on the local executor, outside the state machine: the engine gates it like any step.
    expect(summarise).toMatchObject({
      status: "not-run",
      reason: "upstream failed",
      error: 'not run: upstream step "checkTotals" failed.',
    });
    expect(await exists("checked/totals.parquet")).toBe(false);
  }, 60_000);
});

describe("an execution redriven after it failed (--via stepfunctions)", () => {
  it("is followed to its real end: ExecutionRedriven does not end it", async () => {
    const { Body } = await env.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: "raw/totals.csv" }));
    const bad = await Body!.transformToString();
    env.sfn.redriveNextFailure(async () => {
      await env.client.send(
        new PutObjectCommand({ Bucket: BUCKET, Key: "raw/totals.csv", Body: "id,total\n1,10\n2,5\n" }),
      );
    });
    try {
      const result = await runGraph(
        env.graph,
        {
          mode: "cloud",
          via: "stepfunctions",
          pipeline: "totals",
          projectDir: join(env.root, "p-redrive"),
        },
        aws,
      );
      const execution = env.sfn.executions.find((e) => e.name === result.runId)!;
      const ends = execution.events.map((e) => e.type).filter((t) => t.startsWith("Execution"));
      expect(ends).toEqual([
        "ExecutionStarted",
        "ExecutionFailed",
        "ExecutionRedriven",
        "ExecutionSucceeded",
      ]);
      expect(result.steps.map((s) => [s.name, s.status])).toEqual([
        ["checkTotals", "succeeded"],
        ["summarise", "succeeded"],
      ]);
      expect(result.status).toBe("succeeded");
    } finally {
      await env.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: "raw/totals.csv", Body: bad }));
    }
  }, 60_000);
});

describe("a task that runs past its timeout", () => {
  it("fails its step with a timeout, and leaves no output", async () => {
    const result = await runGraph(
      env.graph,
      {
        mode: "cloud",
        projectDir: env.projectDir,
        pipeline: "slow",
      },
      aws,
    );
    expect(result.steps.map((s) => [s.name, s.status, s.code, s.attempts])).toEqual([
      ["slowCopy", "failed", "TASK_FAILED", 1],
    ]);
    expect(result.steps[0]?.error).toMatchInlineSnapshot(
      `"step "slowCopy": the task timed out after 1 s. Raise its timeout option. (log: /aws/lambda/glacier-slow-copy-a9332e)"`,
    );
    expect(await exists("slow/totals.parquet")).toBe(false);
  }, 60_000);

  it("never commits after the run reported the timeout: the previous output stays byte for byte", async () => {
    const before = await previousOutput("slow/totals.parquet");
    const result = await runGraph(
      env.graph,
      {
        mode: "cloud",
        projectDir: env.projectDir,
        pipeline: "slow",
      },
      aws,
    );
    expect(result.steps.map((s) => [s.name, s.status])).toEqual([["slowCopy", "failed"]]);
    // The function ran on after the executor gave up on it (Lambda cannot stop it); wait until it ended.
    await env.lambda.idle();
    const last = env.lambda.invocations.at(-1);
    expect(last?.outcome).toBe("function-error");
    expect(last?.error?.errorMessage).toContain("deadline");
    expect(last?.error?.errorMessage).toContain("the output was not committed and is unchanged");
    expect((await bytesOf("slow/totals.parquet")).equals(before)).toBe(true);
  }, 60_000);
});

describe("a task that runs past its timeout in the state machine (--via stepfunctions)", () => {
  it("never commits after Step Functions timed the attempt out: the previous output stays byte for byte", async () => {
    const before = await previousOutput("slow/totals.parquet");
    const invoked = env.lambda.invocations.length;
    const result = await runGraph(
      env.graph,
      { mode: "cloud", via: "stepfunctions", projectDir: env.projectDir, pipeline: "slow" },
      aws,
    );
    expect(result.steps.map((s) => [s.name, s.status, s.code])).toEqual([
      ["slowCopy", "failed", "TASK_FAILED"],
    ]);
    expect(result.steps[0]?.error).toBe(
      'step "slowCopy" failed in the state machine: the task timed out after 1 s (States.Timeout). Raise its timeout option.',
    );
    const execution = env.sfn.executions.find((e) => e.name === result.runId)!;
    // The ASL interpreter timed the Task state out (TimeoutSeconds); the function ran on.
    expect(execution.events.map((e) => e.type)).toContain("TaskTimedOut");
    await env.lambda.idle();
    const mine = env.lambda.invocations.slice(invoked);
    expect(mine.map((i) => i.outcome)).toEqual(["function-error"]);
    expect(mine[0]?.error?.errorMessage).toContain("the attempt's deadline");
    expect(mine[0]?.error?.errorMessage).toContain("the output was not committed and is unchanged");
    expect((await bytesOf("slow/totals.parquet")).equals(before)).toBe(true);
  }, 60_000);
});

describe("a run cancelled while a Lambda step runs", () => {
  it("reports the step cancelled, and the function never commits afterwards", async () => {
    const before = await previousOutput("counted/totals.parquet");
    const controller = new AbortController();
    const options = {
      mode: "cloud",
      projectDir: env.projectDir,
      pipeline: "counted",
      signal: controller.signal,
    } satisfies AwsRunOptions;
    const invoked = env.lambda.invocations.length;
    const running = runGraph(env.graph, options, aws);
    while (!env.lambda.invocations.slice(invoked).some((i) => i.outcome === "running"))
      await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort();
    const result = await running;
    expect(result.steps.map((s) => [s.name, s.status, s.reason])).toEqual([
      ["slowCount", "not-run", "cancelled"],
    ]);
    await env.lambda.idle();
    const last = env.lambda.invocations.at(-1);
    expect(last?.error?.errorMessage).toContain(`run ${result.runId} was cancelled`);
    expect((await bytesOf("counted/totals.parquet")).equals(before)).toBe(true);
  }, 60_000);
});

describe("a run cancelled while its state machine runs a Lambda step (--via stepfunctions)", () => {
  it("stops the execution, and the function it invoked never commits afterwards", async () => {
    const before = await previousOutput("counted/totals.parquet");
    const controller = new AbortController();
    const invoked = env.lambda.invocations.length;
    const options = {
      mode: "cloud",
      via: "stepfunctions",
      projectDir: env.projectDir,
      pipeline: "counted",
      signal: controller.signal,
    } satisfies AwsRunOptions;
    const running = runGraph(env.graph, options, aws);
    while (!env.lambda.invocations.slice(invoked).some((i) => i.outcome === "running"))
      await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort();
    const result = await running;
    expect(result.steps.map((s) => [s.name, s.status, s.reason])).toEqual([
      ["slowCount", "not-run", "cancelled"],
    ]);
    expect(env.sfn.executions.at(-1)).toMatchObject({ name: result.runId, status: "ABORTED" });
    await env.lambda.idle();
    expect(env.lambda.invocations.at(-1)?.error?.errorMessage).toContain(`run ${result.runId} was cancelled`);
    expect((await bytesOf("counted/totals.parquet")).equals(before)).toBe(true);
  }, 60_000);
});

describe("--resume", () => {
  it("reruns what failed once the data is fixed, and records which run it resumed", async () => {
    const failed = await runGraph(
      env.graph,
      {
        mode: "cloud",
        projectDir: env.projectDir,
        pipeline: "totals",
      },
      aws,
    );
    expect(failed.status).toBe("failed");
    await env.client.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: "raw/totals.csv", Body: "id,total\n1,10\n2,5\n3,7\n" }),
    );
    const resumed = await runGraph(
      env.graph,
      {
        mode: "cloud",
        projectDir: env.projectDir,
        resume: failed.runId,
      },
      aws,
    );
    expect(resumed.steps.map((s) => [s.name, s.status, s.reason])).toEqual([
      ["checkTotals", "succeeded", "failed last time"],
      ["summarise", "succeeded", "never ran"],
    ]);
    const record = JSON.parse(readFileSync(join(resumed.recordPath!, "run.json"), "utf8")) as CloudRunRecord;
    expect(record.resumeOf).toBe(failed.runId);
    expect(await exists("summary/totals.parquet")).toBe(true);
  }, 60_000);
});

describe("preflight", () => {
  it("says to generate and apply when a function does not exist, before anything runs or is written", async () => {
    const empty = await startFakeLambda([], {});
    const saved = process.env["AWS_ENDPOINT_URL_LAMBDA"];
    process.env["AWS_ENDPOINT_URL_LAMBDA"] = empty.endpoint;
    const records = await runRecords();
    try {
      const error = await rejection(
        runGraph(env.graph, { mode: "cloud", projectDir: join(env.root, "p-missing") }),
      );
      expect(error.code).toBe("CLOUD_ERROR");
      expect(error.message).toMatchInlineSnapshot(
        `"mode "cloud": Lambda functions glacier-check-totals-8a5f44, glacier-slow-copy-a9332e, glacier-slow-count-c334b0 do not exist in eu-west-1. Run \`glacier generate\` and apply it first (terraform init && terraform apply)."`,
      );
    } finally {
      process.env["AWS_ENDPOINT_URL_LAMBDA"] = saved;
      await empty.stop();
    }
    expect(empty.invocations).toEqual([]);
    expect(existsSync(join(env.root, "p-missing", ".glacier"))).toBe(false);
    expect(await runRecords()).toBe(records);
  });

  it("names a missing source object", async () => {
    const { Body } = await env.client.send(
      new (await import("@aws-sdk/client-s3")).GetObjectCommand({ Bucket: BUCKET, Key: "raw/totals.csv" }),
    );
    const csv = await Body!.transformToString();
    await env.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: "raw/totals.csv" }));
    try {
      const error = await rejection(
        runGraph(env.graph, { mode: "cloud", projectDir: join(env.root, "p-source") }),
      );
      expect(error.code).toBe("SOURCE_MISSING");
      expect(error.message).toMatchInlineSnapshot(
        `"bucket "glacier-test-failing/raw/totals.csv": there is no data at s3://glacier-test-failing/raw/totals.csv. Upload the object first, or fix the bucket's path."`,
      );
      expect(existsSync(join(env.root, "p-source", ".glacier"))).toBe(false);
    } finally {
      await env.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: "raw/totals.csv", Body: csv }));
    }
  });

  it("reports credentials AWS rejects", async () => {
    env.sts.reject(true);
    try {
      const error = await rejection(
        runGraph(env.graph, { mode: "cloud", projectDir: join(env.root, "p-creds") }),
      );
      expect(error.code).toBe("CLOUD_ERROR");
      expect(error.message).toMatchInlineSnapshot(
        `"mode "cloud": AWS rejected the credentials: The security token included in the request is invalid. Refresh them (aws sso login) or check AWS_PROFILE."`,
      );
    } finally {
      env.sts.reject(false);
    }
  });

  it("rejects options that contradict each other", async () => {
    const error = await rejection(runGraph(env.graph, { mode: "cloud", resume: "x", force: true }));
    expect(error.code).toBe("INVALID_OPTION");
    expect(error.message).toMatchInlineSnapshot(
      `"option "resume": --resume and --force contradict each other. Resume a run, or force a full rerun, not both."`,
    );
  });
});
