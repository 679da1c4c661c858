import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { runGraph } from "@glacier/core";
import { readRun, type RecordedRunResult, type RunRecord, type StepRecord } from "@glacier/engine";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cloudEnvironment, copyInputs, type CloudEnvironment } from "./fixtures/cloud-environment.js";

/**
 * One graph, two step drivers, one engine: the multi-source example runs locally (polars on files) and in the
 * cloud (Lambda, EMR Serverless and in-process steps over s3rver), and the engine must decide the same for
 * both — a first run, a no-op rerun, and a rerun after one source changed — and record both the same way.
 */
let env: CloudEnvironment;
let storage: string;
let localProject: string;

beforeAll(async () => {
  env = await cloudEnvironment("multi-source");
  storage = copyInputs(env);
  localProject = mkdtempSync(join(env.root, "local-project-"));
}, 180_000);
afterAll(() => env?.stop());

const local = () =>
  runGraph(env.graph, {
    mode: "local",
    localStorage: storage,
    projectDir: localProject,
  }) as Promise<RecordedRunResult>;
const cloud = () =>
  runGraph(env.graph, { mode: "cloud", projectDir: env.projectDir }) as Promise<RecordedRunResult>;
const decisions = (result: RecordedRunResult) => result.steps.map((s) => [s.name, s.status, s.reason]);

/**
 * The fields only one driver knows: where a cloud step ran; how a local step ran and the memory it took (local
 * steps run in the run's process, so only local runs admit them against a memory budget).
 */
const CLOUD_RUN = ["accountId", "artefact", "region", "via"];
const CLOUD_STEP = ["jobRunId", "logs", "resource", "runsOn"];
const LOCAL_STEP = ["notes", "peakMemoryBytes"];
const LOCAL_OPTIONS = ["localStorage", "memoryBudget", "memoryPolicy"];
const keys = (value: object, without: readonly string[]) =>
  Object.keys(value)
    .filter((k) => !without.includes(k))
    .sort();

/** Compares two runs' records: the same fields, but for each driver's own. */
async function sameShape(localRun: RecordedRunResult, cloudRun: RecordedRunResult): Promise<void> {
  const l: RunRecord = await readRun(localRun.runId, { projectDir: localProject });
  const c: RunRecord = await readRun(cloudRun.runId, { projectDir: env.projectDir });
  expect([l.mode, c.mode]).toEqual(["local", "cloud"]);
  expect([l.version, c.version]).toEqual([1, 1]);
  expect(keys(c, CLOUD_RUN)).toEqual(keys(l, []));
  expect(keys(c.options, [])).toEqual(keys(l.options, LOCAL_OPTIONS));
  expect(c.steps.map((s) => s.id)).toEqual(l.steps.map((s) => s.id));
  for (const [i, cs] of c.steps.entries()) {
    const ls = l.steps[i] as StepRecord;
    expect(cs.runsOn, cs.name).toBeDefined();
    // EMR Serverless reports no row count, and its output is not read back: a Spark step's record has neither.
    const rows = cs.runsOn === "emr" ? ["rows", "outputSchema"] : [];
    expect(keys(cs, [...CLOUD_STEP, ...rows]), cs.name).toEqual(keys(ls, [...LOCAL_STEP, ...rows]));
  }
}

describe("the engine decides and records the same for the local and the cloud driver", () => {
  it("on a first run: every step runs, never ran", async () => {
    const [l, c] = [await local(), await cloud()];
    expect(decisions(c)).toEqual(decisions(l));
    expect(decisions(l)).toEqual(env.graph.executionOrder().map((s) => [s.name, "succeeded", "never ran"]));
    await sameShape(l, c);
  });

  it("on a no-op rerun: every step is skipped, up to date", async () => {
    const [l, c] = [await local(), await cloud()];
    expect(decisions(c)).toEqual(decisions(l));
    expect(decisions(l)).toEqual(env.graph.executionOrder().map((s) => [s.name, "skipped", "up to date"]));
    await sameShape(l, c);
  });

  it("after one source changed: what reads it reruns, and everything downstream; the rest is skipped", async () => {
    // Every product's price doubles: joinProducts reads it, and every output after it changes.
    const path = join(storage, "glacier-example-shop", "raw", "products.ndjson");
    const changed = readFileSync(path, "utf8")
      .trim()
      .split("\n")
      .map((line) => {
        const product = JSON.parse(line) as { unit_price: number };
        return JSON.stringify({ ...product, unit_price: product.unit_price * 2 });
      })
      .join("\n");
    writeFileSync(path, `${changed}\n`);
    await env.client.send(
      new PutObjectCommand({
        Bucket: "glacier-example-shop",
        Key: "raw/products.ndjson",
        Body: `${changed}\n`,
      }),
    );
    const [l, c] = [await local(), await cloud()];
    expect(decisions(c)).toEqual(decisions(l));
    expect(Object.fromEntries(decisions(l).map(([name, ...rest]) => [name, rest]))).toEqual({
      joinCustomers: ["skipped", "up to date"],
      joinProducts: ["succeeded", "input changed"],
      byRegion: ["succeeded", "input changed"],
      byCategory: ["succeeded", "input changed"],
      byCustomer: ["succeeded", "input changed"],
    });
    await sameShape(l, c);
  });
});
