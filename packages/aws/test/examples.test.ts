import { mkdtempSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { runGraph } from "@glacier/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CloudRunRecord, CloudRunResult } from "../src/index.js";
import * as aws from "../src/index.js";
import {
  cloudEnvironment,
  copyInputs,
  type CloudEnvironment,
  type Example,
} from "./fixtures/cloud-environment.js";
import { localFrame, s3Frame } from "./fixtures/frames.js";

const EXAMPLES: readonly Example[] = ["simple", "multi-source", "complete"];

describe.each(EXAMPLES)("example %s: generate → serve the bundles → run in the cloud", (example) => {
  let env: CloudEnvironment;
  let cloud: CloudRunResult;
  beforeAll(async () => {
    env = await cloudEnvironment(example);
    cloud = await runGraph(env.graph, { mode: "cloud", projectDir: env.projectDir }, aws);
  }, 180_000);
  afterAll(() => env?.stop());

  it("runs every step where its executor says, and succeeds", () => {
    expect(cloud.steps.flatMap((s) => (s.error === undefined ? [] : [s.error]))).toEqual([]);
    expect(cloud.status).toBe("succeeded");
    expect(cloud.steps.map((s) => [s.name, s.status, s.reason])).toEqual(
      env.graph.executionOrder().map((s) => [s.name, "succeeded", "never ran"]),
    );
    const runsOn = Object.fromEntries(env.plan.steps.map((s) => [s.stepId, s.runsOn]));
    expect(cloud.plan.steps.map((s) => s.dispatch.kind)).toEqual(
      cloud.plan.steps.map(
        (s) =>
          ({ lambda: "lambda", "emr-serverless": "emr", "ecs-fargate": "ecs", "in-process": "in-process" })[
            runsOn[s.id]!
          ],
      ),
    );
  });

  it("invokes each serverless step's generated function once, with the handler's event", () => {
    const invoked = env.lambda.invocations.filter((i) => i.outcome === "ok");
    const ran = new Set(cloud.steps.filter((s) => s.status !== "not-run").map((s) => s.id));
    expect(invoked.map((i) => i.functionName).sort()).toEqual(
      env.plan.functions
        .filter((f) => ran.has(f.stepId))
        .map((f) => f.functionName)
        .sort(),
    );
    for (const call of invoked) {
      const fn = env.plan.functions.find((f) => f.functionName === call.functionName)!;
      expect(call.event).toEqual({
        stepId: fn.stepId,
        runId: cloud.runId,
        params: expect.any(Object),
        deadline: expect.any(Number),
      });
    }
  });

  it("submits each spark step's generated job to its application, with the run id", () => {
    const ran = new Set(cloud.steps.filter((s) => s.status !== "not-run").map((s) => s.id));
    const jobs = env.plan.sparkJobs.filter((j) => ran.has(j.stepId));
    expect(env.emr.submissions).toHaveLength(jobs.length);
    for (const job of jobs) {
      const submitted = env.emr.submissions.find((s) =>
        JSON.stringify(s.request).includes(`s3://${env.artefactsBucket}/${job.scriptKey}`),
      );
      expect(submitted?.state).toBe("SUCCESS");
      expect(submitted?.request).toMatchObject({
        executionRoleArn: `arn:aws:iam::123456789012:role/glacier-${job.scriptKey.slice("glacier/spark/".length, -3)}-emr`,
        jobDriver: {
          sparkSubmit: { entryPointArguments: ["--run-id", cloud.runId, "--params", expect.any(String)] },
        },
      });
    }
  });

  it("writes outputs equal to a local run's on the same inputs (two interpreters, one answer)", async () => {
    const storage = copyInputs(env);
    const local = await runGraph(env.graph, {
      mode: "local",
      localStorage: storage,
      projectDir: mkdtempSync(join(env.root, "local-project-")),
    });
    expect(local.steps.map((s) => [s.name, s.status])).toEqual(cloud.steps.map((s) => [s.name, s.status]));
    for (const step of env.graph.executionOrder()) {
      const [inCloud, inLocal] = [await s3Frame(env.client, step.output), localFrame(storage, step.output)];
      expect(inCloud.height, step.name).toBe(inLocal.height);
      expect(inCloud.frameEqual(inLocal), `${step.name}'s output differs`).toBe(true);
    }
  });

  it("records the run in the artefacts bucket and under .glacier/runs", async () => {
    const object = await env.client.send(
      new GetObjectCommand({ Bucket: env.artefactsBucket, Key: `_glacier/runs/${cloud.runId}.json` }),
    );
    const record = JSON.parse(await object.Body!.transformToString()) as CloudRunRecord;
    const local = JSON.parse(readFileSync(join(cloud.recordPath!, "run.json"), "utf8")) as CloudRunRecord;
    expect(record).toEqual(local);
    expect(record).toMatchObject({
      mode: "cloud",
      status: cloud.status,
      region: env.plan.region,
      accountId: "123456789012",
    });
    expect(record.steps.map((s) => [s.id, s.status])).toEqual(cloud.steps.map((s) => [s.id, s.status]));
    for (const step of record.steps.filter((s) => s.status === "succeeded")) {
      expect(step.outputFingerprint).toMatch(/^etag:/);
    }
  });

  it("skips every step that succeeded on a rerun with unchanged inputs, code and parameters", async () => {
    const again = await runGraph(env.graph, { mode: "cloud", projectDir: env.projectDir });
    const before = new Map(cloud.steps.map((s) => [s.id, s.status]));
    expect(
      again.steps.filter((s) => before.get(s.id) === "succeeded").map((s) => [s.name, s.status, s.reason]),
    ).toEqual(
      cloud.steps.filter((s) => s.status === "succeeded").map((s) => [s.name, "skipped", "up to date"]),
    );
  });

  it("runs each pipeline's generated state machine in the ASL interpreter, writing what local mode writes", async () => {
    for (const machine of env.plan.stateMachines) {
      const viaMachine = await runGraph(
        env.graph,
        {
          mode: "cloud",
          via: "stepfunctions",
          pipeline: machine.pipeline,
          projectDir: env.projectDir,
          // Everything is up to date (the runs above): forced, or no execution would start.
          force: true,
        },
        aws,
      );
      expect(viaMachine.status, `pipeline ${machine.pipeline}`).toBe("succeeded");
      expect(env.sfn.executions.find((e) => e.name === viaMachine.runId)?.status).toBe("SUCCEEDED");
    }
    const storage = copyInputs(env);
    await runGraph(env.graph, {
      mode: "local",
      localStorage: storage,
      projectDir: mkdtempSync(join(env.root, "local-project-")),
    });
    for (const step of env.graph.executionOrder()) {
      const [inCloud, inLocal] = [await s3Frame(env.client, step.output), localFrame(storage, step.output)];
      expect(inCloud.frameEqual(inLocal), `${step.name}'s output differs`).toBe(true);
    }
  }, 180_000);
});
