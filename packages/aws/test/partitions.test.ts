import { join } from "node:path";
import { DeleteObjectCommand, HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { runGraph, type RunResult } from "@glacier/core";
import { partitionSummary, readRun, type StepRecord } from "@glacier/engine";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cloudEnvironment, REPO, type CloudEnvironment } from "./fixtures/cloud-environment.js";
import { BUCKET, eventsCsv, NOVEMBER } from "./fixtures/partitioned-sample-data.js";

/** The 30-day partitioned pipeline on the loopback cloud: one Lambda invocation per partition. */
let env: CloudEnvironment;
beforeAll(async () => {
  env = await cloudEnvironment({
    entry: join(REPO, "packages/aws/test/fixtures/partitioned-pipeline.ts"),
    sampleData: join(REPO, "packages/aws/test/fixtures/partitioned-sample-data.ts"),
  });
}, 300_000);
afterAll(() => env?.stop());

const run = (options: Record<string, unknown> = {}) =>
  runGraph(env.graph, {
    mode: "cloud",
    projectDir: env.projectDir,
    concurrency: 8,
    ...options,
  }) as Promise<RunResult>;
const ran = (result: RunResult) =>
  result.steps.filter((s) => s.status === "succeeded" || s.status === "failed").map((s) => s.name);
const summary = (result: RunResult) =>
  Object.fromEntries(partitionSummary(result.steps as StepRecord[]).map((s) => [s.step, s]));
const putEvents = (day: string, seed: number) =>
  env.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `events/${day}.csv`, Body: eventsCsv(seed) }));

describe("a 30-day partitioned pipeline on the loopback cloud (Lambda per partition)", () => {
  it("runs 3 days, backfills the 27 missing, reruns a changed day, and resumes only a failed day", async () => {
    const invocations = () => env.lambda.invocations.length;
    const first = await run({ partition: "2026-11-01..2026-11-03" });
    expect(first.steps.filter((s) => s.status !== "succeeded").map((s) => `${s.name}: ${s.error}`)).toEqual(
      [],
    );
    expect(first.status).toBe("succeeded");
    expect(ran(first)).toEqual([
      "check[2026-11-01]",
      "check[2026-11-02]",
      "check[2026-11-03]",
      "enrich[2026-11-01]",
      "enrich[2026-11-02]",
      "enrich[2026-11-03]",
      "totalise",
    ]);
    expect(env.lambda.invocations.map((i) => (i.event as { partition?: string }).partition).sort()).toEqual(
      [...NOVEMBER.slice(0, 3), ...NOVEMBER.slice(0, 3)].sort(),
    );

    const before = invocations();
    const backfill = await run({ partition: "2026-11-01..2026-11-30" });
    expect(backfill.steps.filter((s) => s.status === "failed").map((s) => `${s.name}: ${s.error}`)).toEqual(
      [],
    );
    expect(backfill.status).toBe("succeeded");
    expect(summary(backfill)["check"]?.counts).toEqual({ succeeded: 27, skipped: 3 });
    expect(summary(backfill)["enrich"]?.counts).toEqual({ succeeded: 27, skipped: 3 });
    expect(invocations() - before).toBe(54);

    await putEvents("2026-11-05", 50);
    const changed = await run();
    expect(ran(changed)).toEqual(["check[2026-11-05]", "enrich[2026-11-05]", "totalise"]);

    await putEvents("2026-11-17", -1);
    const failed = await run();
    expect(failed.status).toBe("failed");
    expect(summary(failed)["check"]).toEqual({
      step: "check",
      counts: { skipped: 29, failed: 1 },
      failed: ["2026-11-17"],
    });
    expect(failed.steps.find((s) => s.name === "totalise")?.status).toBe("not-run");
    expect(failed.steps.find((s) => s.name === "check[2026-11-17]")?.error).toContain(
      "bad data on 2026-11-17: 2 negative amounts",
    );

    await putEvents("2026-11-17", 17);
    const resumed = await run({ resume: failed.runId });
    expect(resumed.status).toBe("succeeded");
    expect(ran(resumed)).toEqual(["check[2026-11-17]", "enrich[2026-11-17]", "totalise"]);
  }, 600_000);
});

describe("--via stepfunctions", () => {
  it("runs the days that need it in the machine's Map state, recording each (step, day); a failing day fails alone and is the only one --resume reruns", async () => {
    await putEvents("2026-11-10", 110);
    await putEvents("2026-11-11", -1);
    await putEvents("2026-11-12", 112);
    const before = env.lambda.invocations.length;
    const failed = await run({ via: "stepfunctions", partition: "2026-11-10..2026-11-14" });
    // Only the changed days go to the execution; the up-to-date ones are skipped by the engine.
    expect(JSON.parse(env.sfn.executions.at(-1)!.input)).toEqual({
      params: {},
      partitions: ["2026-11-10", "2026-11-11", "2026-11-12"],
    });
    expect(failed.status).toBe("failed");
    const status = Object.fromEntries(failed.steps.map((s) => [s.name, `${s.status}: ${s.reason}`]));
    expect(status).toEqual({
      "check[2026-11-10]": "succeeded: state machine",
      "check[2026-11-11]": "failed: state machine",
      "check[2026-11-12]": "succeeded: state machine",
      "check[2026-11-13]": "skipped: up to date",
      "check[2026-11-14]": "skipped: up to date",
      "enrich[2026-11-10]": "succeeded: state machine",
      "enrich[2026-11-11]": "not-run: upstream failed",
      "enrich[2026-11-12]": "succeeded: state machine",
      "enrich[2026-11-13]": "skipped: up to date",
      "enrich[2026-11-14]": "skipped: up to date",
      totalise: "not-run: upstream failed",
    });
    expect(failed.steps.find((s) => s.name === "check[2026-11-11]")?.error).toContain(
      "bad data on 2026-11-11: 2 negative amounts",
    );
    expect(failed.steps.find((s) => s.name === "check[2026-11-10]")?.rows).toBeGreaterThan(0);
    expect(summary(failed)["check"]).toEqual({
      step: "check",
      counts: { succeeded: 2, failed: 1, skipped: 2 },
      failed: ["2026-11-11"],
    });
    const invoked = env.lambda.invocations
      .slice(before)
      .map((i) => i.event as { stepId: string; partition: string })
      .map((e) => `${e.stepId.split("->")[0]}[${e.partition}]`)
      .sort();
    expect(invoked).toEqual([
      "check[2026-11-10]",
      "check[2026-11-11]",
      "check[2026-11-12]",
      "enrich[2026-11-10]",
      "enrich[2026-11-12]",
    ]);
    // The run store has the same per-partition records (what `glacier runs` shows).
    const recorded = await readRun(failed.runId, { projectDir: env.projectDir });
    expect(recorded.via).toBe("stepfunctions");
    expect(recorded.steps.filter((s) => s.status === "failed").map((s) => s.name)).toEqual([
      "check[2026-11-11]",
    ]);

    await putEvents("2026-11-11", 111);
    const resumed = await run({ via: "stepfunctions", resume: failed.runId });
    expect(JSON.parse(env.sfn.executions.at(-1)!.input)).toEqual({
      params: {},
      partitions: ["2026-11-11"],
    });
    expect(resumed.status).toBe("succeeded");
    expect(ran(resumed)).toEqual(["check[2026-11-11]", "enrich[2026-11-11]", "totalise"]);
  }, 300_000);
});

describe("--via stepfunctions keeps fingerprints", () => {
  it("records each (step, day) the machine ran: the same range again starts nothing, a changed day sends only that day", async () => {
    // Days 20–22 never ran through the machine; their units ran directly above, so force them through it.
    const range = "2026-11-20..2026-11-22";
    const first = await run({ via: "stepfunctions", partition: range, force: true });
    expect(first.status).toBe("succeeded");
    expect(
      (first.steps as StepRecord[])
        .filter((s) => s.reason === "state machine" && s.fingerprint === undefined)
        .map((s) => s.name),
    ).toEqual([]);
    expect(ran(first)).toEqual([
      "check[2026-11-20]",
      "check[2026-11-21]",
      "check[2026-11-22]",
      "enrich[2026-11-20]",
      "enrich[2026-11-21]",
      "enrich[2026-11-22]",
      "totalise",
    ]);

    const executions = env.sfn.executions.length;
    const invocations = env.lambda.invocations.length;
    const again = await run({ via: "stepfunctions", partition: range });
    expect(env.sfn.executions.length).toBe(executions);
    expect(env.lambda.invocations.length).toBe(invocations);
    expect(again.status).toBe("succeeded");
    expect(again.steps.map((s) => `${s.name}: ${s.status}`).filter((s) => !s.endsWith("skipped"))).toEqual(
      [],
    );
    // A direct run reads the same state.
    expect(ran(await run({ partition: range }))).toEqual([]);

    await putEvents("2026-11-21", 121);
    const changed = await run({ via: "stepfunctions", partition: range });
    expect(JSON.parse(env.sfn.executions.at(-1)!.input)).toEqual({ params: {}, partitions: ["2026-11-21"] });
    expect(changed.status).toBe("succeeded");
    expect(ran(changed)).toEqual(["check[2026-11-21]", "enrich[2026-11-21]", "totalise"]);
    const invoked = env.lambda.invocations
      .slice(invocations)
      .map((i) => i.event as { stepId: string; partition?: string })
      .map((e) => `${e.stepId.split("->")[0]}[${e.partition ?? ""}]`)
      .sort();
    expect(invoked).toEqual(["check[2026-11-21]", "enrich[2026-11-21]"]);
    expect(ran(await run({ via: "stepfunctions", partition: range }))).toEqual([]);
    expect(env.sfn.executions.length).toBe(executions + 1);
  }, 300_000);
});

describe("the generated partitioned state machine in the real ASL interpreter", () => {
  const machine = () => env.plan.stateMachines.find((m) => m.pipeline === "daily_total")!;
  async function execute(name: string, input: unknown) {
    const sfn = new SFNClient({
      endpoint: env.sfn.endpoint,
      region: env.plan.region,
      credentials: { accessKeyId: "x", secretAccessKey: "x" },
    });
    try {
      const { executionArn } = await sfn.send(
        new StartExecutionCommand({
          stateMachineArn: `arn:aws:states:${env.plan.region}:123456789012:stateMachine:${machine().name}`,
          name,
          input: JSON.stringify(input),
        }),
      );
      let described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      while (described.status === "RUNNING") {
        await new Promise((resolve) => setTimeout(resolve, 100));
        described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      }
      return described;
    } finally {
      sfn.destroy();
    }
  }
  const exists = (key: string) =>
    env.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })).then(
      () => true,
      () => false,
    );

  it("fans the partition list out in a Map state: a failed partition ends only itself, then the execution fails naming it", async () => {
    const states = machine().definition["States"] as Record<string, { Type: string }>;
    expect(states["Each partition"]?.Type).toBe("Map");
    expect(states["Each partition (distributed)"]?.Type).toBe("Map");
    await putEvents("2026-11-21", -5);
    const before = env.lambda.invocations.length;
    const failed = await execute("three-days", { partitions: ["2026-11-20", "2026-11-21", "2026-11-22"] });
    expect(failed.status).toBe("FAILED");
    // The fake's DescribeExecution has no error fields: the history's ExecutionFailed event has them.
    const end = env.sfn.executions.at(-1)!.events.find((e) => e.type === "ExecutionFailed") as unknown as {
      executionFailedEventDetails: { error: string; cause: string };
    };
    expect(end.executionFailedEventDetails.error).toBe("Glacier.PartitionsFailed");
    expect(end.executionFailedEventDetails.cause).toContain('{"failed":"2026-11-21"');
    const invoked = env.lambda.invocations
      .slice(before)
      .map((i) => i.event as { stepId: string; partition: string; runId: string });
    // Every iteration's function gets the execution's name as its run id (from the Map's ItemSelector).
    expect(new Set(invoked.map((e) => e.runId))).toEqual(new Set(["three-days"]));
    // check ran for all three days, enrich only for the two that passed: the failed day's chain stopped.
    expect(
      invoked
        .filter((e) => e.stepId.startsWith("check->"))
        .map((e) => e.partition)
        .sort(),
    ).toEqual(["2026-11-20", "2026-11-21", "2026-11-22"]);
    expect(
      invoked
        .filter((e) => e.stepId.startsWith("enrich->"))
        .map((e) => e.partition)
        .sort(),
    ).toEqual(["2026-11-20", "2026-11-22"]);
    await putEvents("2026-11-21", 21);
  }, 300_000);

  it("runs a relative partition, what withSchedule's partition option sends (the real handler resolves it): latest-1 is the day before the latest", async () => {
    // What the schedule of withSchedule(…, { partition: "previous" }) starts the machine with (its Terraform
    // input is tested in @glacier/terraform's orchestration test).
    const input = { params: {}, partitions: ["latest-1"] };
    // The scheme ends 2026-11-30: the day before it is 2026-11-29.
    await env.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: "checked/2026-11-29.parquet" }));
    const before = env.lambda.invocations.length;
    const scheduled = await execute("scheduled-previous", input);
    expect(scheduled.status).toBe("SUCCEEDED");
    const invoked = env.lambda.invocations
      .slice(before)
      .map((i) => (i.event as { partition: string }).partition);
    expect(invoked).toEqual(["latest-1", "latest-1"]);
    expect(await exists("checked/2026-11-29.parquet")).toBe(true);
  }, 300_000);

  it("runs the latest partition when the execution gives none (what withSchedule starts)", async () => {
    const before = env.lambda.invocations.length;
    const latest = await execute("scheduled", {});
    expect(latest.status).toBe("SUCCEEDED");
    const invoked = env.lambda.invocations
      .slice(before)
      .map((i) => (i.event as { partition: string }).partition);
    expect(invoked).toEqual(["latest", "latest"]);
    expect(await exists("checked/2026-11-30.parquet")).toBe(true);
  }, 300_000);
});
