import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import pl from "nodejs-polars";
import { LineageGraph, Provider, param } from "@glacier/core";
import { executeStep, resolveLocation } from "../src/index.js";
import { salesFrame, testProject, type TestProject } from "./fixtures/project.js";
import { rejection, stable } from "./fixtures/results.js";

let project: TestProject;
afterEach(() => project?.cleanup());

function step(
  p: TestProject,
  fn: (df: pl.LazyDataFrame, ctx: { params: { min: number } }) => unknown,
  schema?: Record<string, string>,
) {
  const local = p.provider.local();
  const raw = p.provider.bucket({
    bucket: "acme",
    path: "raw/sales.parquet",
    ...(schema ? { schema: schema as never } : {}),
  });
  const task = local.task(fn as never, { name: "keep", params: { min: param.number({ default: 0 }) } });
  const out = raw.transform(task).to(p.provider.bucket({ bucket: "acme", path: "out/kept.parquet" }));
  return LineageGraph.from(out).step("keep");
}

describe("executeStep (one step, in this thread, as a Lambda runs it)", () => {
  it("writes the output atomically and returns its metrics", async () => {
    project = testProject();
    project.write("acme", "raw/sales.parquet", salesFrame(100));
    const s = step(project, (df, ctx) => df.filter(pl.col("amount").gt(ctx.params.min)));
    const lines: unknown[] = [];
    const log = { debug: () => {}, info: (m: string) => lines.push(m), warn: () => {}, error: () => {} };
    const metrics = await executeStep({
      step: s,
      runId: "20240131T120000Z-3f2a",
      params: { min: 10, other: "x" },
      log,
    });
    const expected = salesFrame(100).filter(pl.col("amount").gt(10)).height;
    expect(metrics).toMatchObject({ rows: expected, outputFingerprint: expect.stringMatching(/^xxh128:/) });
    expect(metrics.bytes).toBe(readFileSync(project.path("acme", "out/kept.parquet")).length);
    expect(readdirSync(project.path("acme", "out"))).toEqual(["kept.parquet"]);
    expect(existsSync(join(project.dir, ".glacier"))).toBe(false);
  });

  it("checks its inputs itself: a missing input is SOURCE_MISSING", async () => {
    project = testProject();
    const error = await rejection(() =>
      executeStep({ step: step(project, (df) => df), runId: "r", params: {} }),
    );
    expect(error.code).toBe("SOURCE_MISSING");
    expect(stable(error.message, project.dir)).toMatchInlineSnapshot(
      `"bucket "acme/raw/sales.parquet": <project>/data/acme/raw/sales.parquet does not exist. Create the data first, or fix the bucket's path."`,
    );
    expect(project.files()).toEqual({});
  });

  it("checks declared input schemas, and keeps the previous output when it fails", async () => {
    project = testProject();
    project.write("acme", "raw/sales.parquet", salesFrame(100));
    await executeStep({ step: step(project, (df) => df), runId: "r1", params: {} });
    const before = project.files();
    const error = await rejection(() =>
      executeStep({
        step: step(project, (df) => df, {
          order_id: "int64",
          region: "string",
          day: "date",
          amount: "float64",
        }),
        runId: "r2",
        params: {},
      }),
    );
    expect(error.code).toBe("SCHEMA_MISMATCH");
    expect(error.message).toContain('column "day" is String, declared date');
    expect(project.files()).toEqual(before);
  });

  it("throws TASK_FAILED for a task that throws, leaving nothing behind", async () => {
    project = testProject();
    project.write("acme", "raw/sales.parquet", salesFrame(10));
    const error = await rejection(() =>
      executeStep({
        step: step(project, () => {
          throw new TypeError("bad input");
        }),
        runId: "r",
        params: {},
      }),
    );
    expect(error.code).toBe("TASK_FAILED");
    expect(error.message).toBe(
      'step "keep": the task threw: bad input. Fix the task; its stack trace is in the run log.',
    );
    expect(Object.keys(project.files())).toEqual(["acme/raw/sales.parquet"]);
  });

  it("resolveLocation maps buckets to local paths, localStorage directories or S3 URLs", () => {
    project = testProject();
    const local = project.provider.bucket({ bucket: "acme", path: "raw/sales.parquet" }).node;
    expect(resolveLocation(local)).toEqual({ kind: "file", path: project.path("acme", "raw/sales.parquet") });
    const aws = new Provider({ cloud: "aws", region: "eu-west-1" });
    const daily = aws.bucket({ bucket: "acme-data", path: "daily/", format: "parquet" }).node;
    expect(resolveLocation(daily, { localStorage: project.data })).toEqual({
      kind: "file",
      path: `${project.path("acme-data", "daily")}/`,
    });
    expect(
      resolveLocation(daily, {
        s3: { endpoint: "http://127.0.0.1:4568", accessKeyId: "AK", secretAccessKey: "SK" },
      }),
    ).toEqual({
      kind: "s3",
      url: "s3://acme-data/daily/",
      bucket: "acme-data",
      key: "daily/",
      cloudOptions: {
        aws_endpoint_url: "http://127.0.0.1:4568",
        aws_region: process.env["AWS_REGION"] ?? process.env["AWS_DEFAULT_REGION"] ?? "eu-west-1",
        aws_access_key_id: "AK",
        aws_secret_access_key: "SK",
        aws_allow_http: "true",
      },
    });
  });
});
