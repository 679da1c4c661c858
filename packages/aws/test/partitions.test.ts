import { join } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { runGraph, type RunResult } from "@glacier/core";
import { partitionSummary, type StepRecord } from "@glacier/engine";
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
