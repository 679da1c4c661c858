import { createHash } from "node:crypto";
import { join } from "node:path";
import { ECSClient, RunTaskCommand } from "@aws-sdk/client-ecs";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { runGraph } from "@glacier/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cloudPlan, type Dispatch } from "../src/cloud-plan.js";
import type { AwsRunOptions, CloudRunResult, ContainerResult } from "../src/index.js";
import { findContainerNetwork } from "../src/preflight.js";
import {
  ACCOUNT,
  cloudEnvironment,
  REPO,
  stepsDifferingFromLocal,
  type CloudEnvironment,
} from "./fixtures/cloud-environment.js";
import type { FakeTaskDefinition } from "./fixtures/fake-ecs-server.js";

/**
 * Container steps end to end on loopback: the module `generate` writes, "applied" to a fake ECS that runs each
 * task's command as Fargate would (Node 24, an empty directory, only the container's environment) against
 * s3rver. Run directly (`--mode cloud`: RunTask, DescribeTasks, the result document) and through the generated
 * state machine in the ASL interpreter (`ecs:runTask.sync`); outputs equal local mode's.
 */

let env: CloudEnvironment;
beforeAll(async () => {
  env = await cloudEnvironment({
    entry: join(REPO, "packages/aws/test/fixtures/container-pipeline.ts"),
    sampleData: join(REPO, "packages/aws/test/fixtures/container-sample-data.ts"),
  });
}, 180_000);
afterAll(() => env?.stop());

async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return `[${(error as { code?: string }).code}] ${(error as Error).message}`;
  }
  throw new Error("expected a rejection");
}

async function objectHash(bucket: string, key: string): Promise<string> {
  const object = await env.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return createHash("sha256")
    .update(await object.Body!.transformToByteArray())
    .digest("hex");
}

const SUMMARY = { bucket: "glacier-test-containers", key: "summary/by-label.parquet" };

describe("a container step run directly (--mode cloud)", () => {
  it("runs on ECS with RunTask, reads the result the task wrote, and writes what local mode writes", async () => {
    const result = (await runGraph(env.graph, {
      mode: "cloud",
      projectDir: env.projectDir,
    })) as CloudRunResult;
    expect(result.steps.map((s) => [s.name, s.status, s.error ?? ""])).toEqual([
      ["cleanReadings", "succeeded", ""],
      ["summarise", "succeeded", ""],
    ]);
    expect(result.plan.steps.map((s) => s.dispatch.kind)).toEqual(["lambda", "ecs"]);
    expect(result.steps[1]?.rows).toBe(3);
    const [task] = env.ecs!.tasks;
    expect(env.ecs!.tasks).toHaveLength(1);
    expect(task!.exitCode, task!.output).toBe(0);
    // The container had only its own environment: the task definition's, RunTask's overrides, what ECS adds.
    expect(Object.keys(task!.environment).sort()).toEqual([
      "AWS_CONTAINER_CREDENTIALS_FULL_URI",
      "AWS_ENDPOINT_URL_S3",
      "AWS_REGION",
      "AWS_REQUEST_CHECKSUM_CALCULATION",
      "AWS_RESPONSE_CHECKSUM_VALIDATION",
      "ECS_CONTAINER_METADATA_URI_V4",
      "GLACIER_BUNDLE_S3",
      "GLACIER_DEADLINE",
      "GLACIER_ENVIRONMENT",
      "GLACIER_LAYER_S3",
      "GLACIER_LOG_GROUP",
      "GLACIER_PARAMS",
      "GLACIER_RESULT_BUCKET",
      "GLACIER_RESULT_KEY",
      "GLACIER_RUN_ID",
      "GLACIER_STEP_ID",
      "GLACIER_TIMEOUT_SECONDS",
      "HOME",
      "NODE_OPTIONS",
      "PATH",
      "POLARS_TEMP_DIR",
      "TMPDIR",
    ]);
    // …and in its directory only what its command fetched: the bundle and the polars layer.
    expect(task!.files.filter((f) => !/^tmp\/(glacier\/(task|node_modules)|polars)\//.test(f))).toEqual([]);
    expect(task!.files).toContain("tmp/glacier/task/index.mjs");
    expect(task!.files).toContain("tmp/glacier/node_modules/nodejs-polars/package.json");
    const resultKey = task!.environment["GLACIER_RESULT_KEY"]!;
    expect(resultKey).toMatch(/^_glacier\/results\/.+\/summarise-[0-9a-f]{6}-1\.json$/);
    const document = await env.client.send(
      new GetObjectCommand({ Bucket: env.artefactsBucket, Key: resultKey }),
    );
    const written = JSON.parse(await document.Body!.transformToString()) as ContainerResult;
    expect(written).toMatchObject({ ok: true, response: { rows: 3, stepId: result.steps[1]!.id } });
    expect(await stepsDifferingFromLocal(env)).toEqual([]);
  }, 180_000);

  it("reports the handler's failure from the result document and leaves the output as it was", async () => {
    const before = await objectHash(SUMMARY.bucket, SUMMARY.key);
    const result = (await runGraph(env.graph, {
      mode: "cloud",
      projectDir: env.projectDir,
      params: { failOn: "b" },
      force: true,
    })) as CloudRunResult;
    const step = result.steps.find((s) => s.name === "summarise")!;
    expect(step.status).toBe("failed");
    expect(step.code).toBe("TASK_FAILED");
    expect(step.error).toContain("label b is not allowed");
    expect(step.error).toMatch(/\(log: \/ecs\/glacier-summarise-[0-9a-f]{6} glacier\/step\/[0-9a-f]{32}\)/);
    expect(env.ecs!.tasks.at(-1)!.exitCode).toBe(1);
    expect(await objectHash(SUMMARY.bucket, SUMMARY.key)).toBe(before);
  }, 180_000);

  it("stops the task with StopTask when the run is cancelled, and keeps the previous output", async () => {
    const before = await objectHash(SUMMARY.bucket, SUMMARY.key);
    const controller = new AbortController();
    const started = env.ecs!.tasks.length;
    const options: AwsRunOptions = {
      mode: "cloud",
      projectDir: env.projectDir,
      force: true,
      signal: controller.signal,
    };
    const running = runGraph(env.graph, options);
    while (env.ecs!.tasks.slice(started).every((t) => t.lastStatus !== "RUNNING"))
      await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort();
    const result = (await running) as CloudRunResult;
    expect(result.steps.map((s) => [s.name, s.status, s.reason])).toEqual([
      ["cleanReadings", "succeeded", "forced"],
      ["summarise", "not-run", "cancelled"],
    ]);
    const task = env.ecs!.tasks.at(-1)!;
    await expect.poll(() => task.lastStatus).toBe("STOPPED");
    expect(task.stopCode).toBe("UserInitiated");
    expect(task.exitCode).toBe(143);
    expect(await objectHash(SUMMARY.bucket, SUMMARY.key)).toBe(before);
  }, 180_000);
});

describe("the generated state machine runs a container step with ecs:runTask.sync", () => {
  it("starts the task, waits for it, and writes what local mode writes", async () => {
    const tasks = env.ecs!.tasks.length;
    const result = (await runGraph(env.graph, {
      mode: "cloud",
      via: "stepfunctions",
      projectDir: env.projectDir,
      force: true,
    })) as CloudRunResult;
    expect(result.steps.map((s) => [s.name, s.status])).toEqual([
      ["cleanReadings", "succeeded"],
      ["summarise", "succeeded"],
    ]);
    // Its rows come from the result document the task wrote.
    expect(result.steps[1]?.rows).toBe(3);
    const execution = env.sfn.executions.at(-1)!;
    const scheduled = execution.events.filter((e) => e.type === "TaskScheduled");
    expect(scheduled.map((e) => (e["taskScheduledEventDetails"] as { resource: string }).resource)).toEqual([
      "invoke",
      "runTask.sync",
    ]);
    const task = env.ecs!.tasks.at(-1)!;
    expect(env.ecs!.tasks.length).toBe(tasks + 1);
    expect(task.environment["GLACIER_RUN_ID"]).toBe(execution.name);
    expect(task.environment["GLACIER_RESULT_KEY"]).toMatch(
      new RegExp(`^_glacier/results/${execution.name}/summarise-[0-9a-f]{6}\\.json$`),
    );
    expect(JSON.parse(task.environment["GLACIER_PARAMS"]!)).toEqual({ failOn: "" });
    expect(await stepsDifferingFromLocal(env)).toEqual([]);
  }, 180_000);

  it("fails the state when the container exits non-zero", async () => {
    const result = (await runGraph(env.graph, {
      mode: "cloud",
      via: "stepfunctions",
      projectDir: env.projectDir,
      params: { failOn: "c" },
      force: true,
    })) as CloudRunResult;
    const step = result.steps.find((s) => s.name === "summarise")!;
    expect([step.status, step.code]).toEqual(["failed", "TASK_FAILED"]);
    expect(step.error).toContain("label c is not allowed");
    const failed = env.sfn.executions.at(-1)!.events.find((e) => e.type === "TaskFailed");
    expect((failed?.["taskFailedEventDetails"] as { error: string }).error).toBe("States.TaskFailed");
  }, 180_000);
});

describe("the fake ECS rejects what ECS rejects", () => {
  const definition = (): FakeTaskDefinition => ({
    family: "glacier-test-odd",
    cpu: "512",
    memory: "8192",
    networkMode: "awsvpc",
    requiresCompatibilities: ["FARGATE"],
    containerDefinitions: [{ name: "step", image: "public.ecr.aws/docker/library/node:24-slim" }],
  });

  it("refuses a cpu/memory pair Fargate does not offer, and storage outside 21–200 GiB", () => {
    expect(() => env.ecs!.register(definition())).toThrow(
      "No Fargate configuration exists for given values: 512 CPU, 8192 memory.",
    );
    expect(() =>
      env.ecs!.register({ ...definition(), memory: "4096", ephemeralStorage: { sizeInGiB: 201 } }),
    ).toThrow("between 21 GiB and 200 GiB");
  });

  it("refuses RunTask on an unknown cluster, a missing task definition, or without a network", async () => {
    const ecs = new ECSClient({
      endpoint: env.ecs!.endpoint,
      region: env.plan.region,
      credentials: { accessKeyId: "x", secretAccessKey: "x" },
    });
    const network = {
      awsvpcConfiguration: { subnets: ["subnet-0a1b2c3d4e5f60718"], assignPublicIp: "ENABLED" as const },
    };
    const family = env.plan.containers!.tasks[0]!.family;
    try {
      await expect(
        ecs.send(
          new RunTaskCommand({ cluster: "nope", taskDefinition: family, networkConfiguration: network }),
        ),
      ).rejects.toMatchObject({ name: "ClusterNotFoundException" });
      await expect(
        ecs.send(
          new RunTaskCommand({
            cluster: env.plan.containers!.cluster.name,
            taskDefinition: "glacier-missing",
            networkConfiguration: network,
          }),
        ),
      ).rejects.toMatchObject({ name: "ClientException", message: "Unable to describe task definition." });
      await expect(
        ecs.send(new RunTaskCommand({ cluster: env.plan.containers!.cluster.name, taskDefinition: family })),
      ).rejects.toMatchObject({ name: "InvalidParameterException" });
    } finally {
      ecs.destroy();
    }
  });

  it("makes preflight name a missing cluster or task definition, and the networking it reads", async () => {
    const { AwsClients } = await import("../src/aws-clients.js");
    const plan = cloudPlan(env.graph, env.plan, ACCOUNT);
    const withEcs = (change: Partial<Extract<Dispatch, { kind: "ecs" }>>) => ({
      ...plan,
      steps: plan.steps.map((s) =>
        s.dispatch.kind === "ecs" ? { ...s, dispatch: { ...s.dispatch, ...change } } : s,
      ),
    });
    const clients = new AwsClients(env.plan.region);
    try {
      expect(await findContainerNetwork(clients, plan)).toEqual({
        subnets: ["subnet-0a1b2c3d4e5f60718"],
        securityGroups: ["sg-0a1b2c3d4e5f60718"],
        assignPublicIp: "ENABLED",
      });
      expect(
        await rejection(findContainerNetwork(clients, withEcs({ taskDefinition: "glacier-gone" }))),
      ).toMatchInlineSnapshot(
        `"[CLOUD_ERROR] mode "cloud": ECS task definition glacier-gone does not exist in eu-west-1. Run \`glacier generate\` and apply it first (terraform init && terraform apply)."`,
      );
      expect(
        await rejection(findContainerNetwork(clients, withEcs({ cluster: "glacier-nowhere" }))),
      ).toMatchInlineSnapshot(
        `"[CLOUD_ERROR] mode "cloud": ECS cluster glacier-nowhere does not exist in eu-west-1. Run \`glacier generate\` and apply it first (terraform init && terraform apply)."`,
      );
    } finally {
      await clients.destroy();
    }
  });
});
