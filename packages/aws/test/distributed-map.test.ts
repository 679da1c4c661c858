import { join } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { runGraph, type RunResult } from "@glacier/core";
import { partitionSummary, type StepRecord } from "@glacier/engine";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cloudEnvironment, REPO, type CloudEnvironment } from "./fixtures/cloud-environment.js";
import { eventsCsv } from "./fixtures/partitioned-sample-data.js";
import { s3Frame } from "./fixtures/frames.js";
import { BAD_DAY, HIVE_DAYS, WIDE_BUCKET, WIDE_DAYS } from "./fixtures/wide-partitioned-sample-data.js";

/** 45 days through Step Functions: more than the inline Map runs, so each day is a Distributed Map child. */
let env: CloudEnvironment;
beforeAll(async () => {
  env = await cloudEnvironment({
    entry: join(REPO, "packages/aws/test/fixtures/wide-partitioned-pipeline.ts"),
    sampleData: join(REPO, "packages/aws/test/fixtures/wide-partitioned-sample-data.ts"),
  });
}, 300_000);
afterAll(() => env?.stop());

const run = (options: Record<string, unknown> = {}) =>
  runGraph(env.graph, {
    mode: "cloud",
    via: "stepfunctions",
    pipeline: "wide_total",
    projectDir: env.projectDir,
    ...options,
  }) as Promise<RunResult>;
const RANGE = `${WIDE_DAYS[0]}..${WIDE_DAYS.at(-1)}`;

describe("--via stepfunctions with more partitions than an inline Map runs", () => {
  it("reads each day from its Distributed Map child execution: records, fingerprints, a failed day alone, --resume of that day only", async () => {
    const failed = await run({ partition: RANGE });
    const execution = env.sfn.executions.at(-1)!;
    expect(execution.name).toBe(failed.runId);
    expect((JSON.parse(execution.input) as { partitions: string[] }).partitions).toHaveLength(45);
    // As on AWS: the iterations are child executions of one map run, their task events in their own histories.
    expect(env.sfn.mapRuns.filter((m) => m.executionArn === execution.arn)).toHaveLength(1);
    const [mapRun] = env.sfn.mapRuns;
    expect(mapRun?.children).toHaveLength(45);
    expect(execution.events.some((e) => e.type === "MapRunStarted")).toBe(true);
    expect(execution.events.filter((e) => e.type.startsWith("Task"))).toEqual([]);
    // Each child's function gets the run's id, not the child execution's name.
    expect(new Set(env.lambda.invocations.map((i) => (i.event as { runId: string }).runId))).toEqual(
      new Set([failed.runId]),
    );

    expect(failed.status).toBe("failed");
    const steps = failed.steps as StepRecord[];
    const check = partitionSummary(steps).find((s) => s.step === "check");
    // On a mismatch, say why each day failed (a day other than the bad one failing is the fake's, or ours).
    const why = steps
      .filter((s) => s.status === "failed")
      .map((s) => `${s.name}: ${s.error}`)
      .join("\n");
    expect(check, why).toEqual({ step: "check", counts: { succeeded: 44, failed: 1 }, failed: [BAD_DAY] });
    expect(steps.find((s) => s.name === `check[${BAD_DAY}]`)?.error).toContain(
      `bad data on ${BAD_DAY}: 2 negative amounts`,
    );
    const good = steps.filter((s) => s.status === "succeeded" && s.partition !== undefined);
    expect(good.every((s) => s.reason === "state machine" && (s.rows ?? 0) > 0)).toBe(true);
    expect(good.filter((s) => s.fingerprint === undefined)).toEqual([]);
    expect(steps.find((s) => s.name === "totalise")?.status).toBe("not-run");

    await env.client.send(
      new PutObjectCommand({ Bucket: WIDE_BUCKET, Key: `events/${BAD_DAY}.csv`, Body: eventsCsv(20) }),
    );
    const invocations = env.lambda.invocations.length;
    const resumed = await run({ resume: failed.runId });
    expect(JSON.parse(env.sfn.executions.at(-1)!.input)).toEqual({ params: {}, partitions: [BAD_DAY] });
    expect(resumed.status).toBe("succeeded");
    expect(env.lambda.invocations.length - invocations).toBe(1);
    expect(resumed.steps.find((s) => s.name === "totalise")?.status).toBe("succeeded");

    // The 44 days the children ran kept their fingerprints: the whole range again starts nothing.
    const executions = env.sfn.executions.length;
    const again = await run({ partition: RANGE });
    expect(env.sfn.executions.length).toBe(executions);
    expect(again.steps.filter((s) => s.status !== "skipped").map((s) => s.name)).toEqual([]);
  }, 600_000);
});

describe("a directory-per-day source (day={day}/) read whole on Lambda", () => {
  it("gives the files' columns only, as the local executor and the Spark driver do: no hive `day` column", async () => {
    const result = await runGraph(env.graph, {
      mode: "cloud",
      pipeline: "hive_days",
      projectDir: env.projectDir,
    });
    expect(result.status).toBe("succeeded");
    expect(result.steps.map((s) => [s.name, (s as StepRecord).runsOn])).toEqual([["allDays", "lambda"]]);
    const frame = await s3Frame(env.client, env.graph.step("allDays").output);
    expect([...frame.columns].sort()).toEqual(["amount", "id"]);
    expect(frame.height).toBe(HIVE_DAYS.length * 2);
  }, 300_000);
});
