import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import pl from "nodejs-polars";
import { LineageGraph, Provider } from "@glacier/core";
import { listRuns } from "@glacier/engine";
import { createFileStore, executeStep } from "../src/index.js";
import { s3Client } from "../src/s3-client.js";
import { listObjects } from "../src/s3-objects.js";
import { startS3, type S3Server } from "./fixtures/s3-server.js";
import { salesFrame, testProject, type TestProject } from "./fixtures/project.js";
import { rejection, stable, statuses, stepOf } from "./fixtures/results.js";

const BUCKET = "acme-data";
let s3: S3Server;
let project: TestProject;
const saved: Record<string, string | undefined> = {};
const ENV = [
  "AWS_ENDPOINT_URL",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_REGION",
  "AWS_ALLOW_HTTP",
];

beforeAll(async () => {
  s3 = await startS3([BUCKET]);
  for (const name of ENV) saved[name] = process.env[name];
});
afterAll(async () => {
  for (const name of ENV) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
  await s3?.stop();
});
beforeEach(async () => {
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: s3.endpoint,
    AWS_ACCESS_KEY_ID: "S3RVER",
    AWS_SECRET_ACCESS_KEY: "S3RVER",
    AWS_REGION: "us-east-1",
  });
  const files = createFileStore(s3.storage);
  await files.rm(`s3://${BUCKET}/`, { recursive: true });
});
afterEach(() => project?.cleanup());

const aws = new Provider({ cloud: "aws", region: "eu-west-1" });

async function putParquet(key: string, frame: pl.DataFrame): Promise<void> {
  await createFileStore(s3.storage).write(`s3://${BUCKET}/${key}`, frame.writeParquet());
}

/** Every key in the bucket with its size (a flat listing: s3rver's delimiter listing skips deep keys). */
async function objects(): Promise<Record<string, number>> {
  const client = await s3Client({ ...s3.storage.s3, allowHttp: true });
  const listed = await listObjects(client, BUCKET, "");
  return Object.fromEntries(listed.map((o) => [`s3://${BUCKET}/${o.key}`, o.size]));
}

function salesPipeline() {
  const local = aws.local();
  const raw = aws.bucket({ bucket: BUCKET, path: "raw/sales.parquet" });
  const clean = aws.bucket({ bucket: BUCKET, path: "clean/sales.parquet" });
  const regions = aws.bucket({ bucket: BUCKET, path: "reports/regions.csv" });
  const cleanSales = local.task(function cleanSales(df: pl.LazyDataFrame) {
    return df.filter(pl.col("amount").gt(0));
  });
  const byRegion = local.sql(
    "byRegion",
    "SELECT region, SUM(amount) AS total FROM input GROUP BY region ORDER BY region",
  );
  return raw.transform(cleanSales).to(clean).transform(byRegion).to(regions);
}

describe("S3 storage (s3rver on loopback)", () => {
  it("runs an aws pipeline on S3, atomically and incrementally", async () => {
    project = testProject();
    await putParquet("raw/sales.parquet", salesFrame(300));
    const result = await salesPipeline().run({ mode: "local", projectDir: project.dir });
    expect(statuses(result)).toEqual([
      ["cleanSales", "succeeded", "never ran"],
      ["byRegion", "succeeded", "never ran"],
    ]);
    expect(Object.keys(await objects())).toEqual([
      `s3://${BUCKET}/clean/sales.parquet`,
      `s3://${BUCKET}/raw/sales.parquet`,
      `s3://${BUCKET}/reports/regions.csv`,
    ]);
    const csv = await createFileStore(s3.storage).readText(`s3://${BUCKET}/reports/regions.csv`);
    expect(csv.split("\n")[0]).toBe("region,total");
    expect(stepOf(result, "cleanSales").outputFingerprint).toMatch(/^etag:/);

    expect(statuses(await salesPipeline().run({ mode: "local", projectDir: project.dir }))).toEqual([
      ["cleanSales", "skipped", "up to date"],
      ["byRegion", "skipped", "up to date"],
    ]);
    await putParquet("raw/sales.parquet", salesFrame(400));
    expect(statuses(await salesPipeline().run({ mode: "local", projectDir: project.dir }))).toEqual([
      ["cleanSales", "succeeded", "input changed"],
      ["byRegion", "succeeded", "input changed"],
    ]);
  });

  it("reads a hive-partitioned dataset and writes a directory dataset", async () => {
    project = testProject();
    await putParquet(
      "raw/events/day=2024-01-01/part-0.parquet",
      salesFrame(20, 1).select("order_id", "amount"),
    );
    await putParquet(
      "raw/events/day=2024-01-02/part-0.parquet",
      salesFrame(30, 2).select("order_id", "amount"),
    );
    await createFileStore(s3.storage).write(`s3://${BUCKET}/raw/events/_SUCCESS`, "");
    const local = aws.local();
    const events = aws.bucket({ bucket: BUCKET, path: "raw/events/", format: "parquet" });
    const daily = aws.bucket({ bucket: BUCKET, path: "daily/", format: "parquet" });
    const perDay = local.task(function perDay(df: pl.LazyDataFrame) {
      return df.groupBy("day").agg(pl.len().alias("n")).sort("day");
    });
    const result = await events.transform(perDay).to(daily).run({ mode: "local", projectDir: project.dir });
    expect(result.status).toBe("succeeded");
    const written = await createFileStore(s3.storage).read(`s3://${BUCKET}/daily/part-0.parquet`);
    expect(pl.readParquet(Buffer.from(written)).toRecords()).toEqual([
      // polars parses hive values that look like dates into dates.
      { day: new Date("2024-01-01T00:00:00.000Z"), n: 20 },
      { day: new Date("2024-01-02T00:00:00.000Z"), n: 30 },
    ]);
  });

  it("a directory dataset replaces only objects its step wrote (its manifest lists them), never others", async () => {
    project = testProject();
    await putParquet("raw/sales.parquet", salesFrame(20));
    const files = createFileStore(s3.storage);
    await files.write(`s3://${BUCKET}/daily/README.md`, "not Glacier's");
    const local = aws.local();
    const sales = aws.bucket({ bucket: BUCKET, path: "raw/sales.parquet" });
    const daily = aws.bucket({ bucket: BUCKET, path: "daily/", format: "parquet" });
    const version = (n: number) => local.task((df: pl.LazyDataFrame) => df.head(n), { name: "daily" });
    const run = (n: number) =>
      sales.transform(version(n)).to(daily).run({ mode: "local", projectDir: project.dir });
    const before = await objects();
    const refused = await rejection(() => run(5));
    expect(refused.code).toBe("OUTPUT_NOT_OWNED");
    expect(refused.message).toContain(
      "s3://acme-data/daily/, which holds 1 file Glacier did not write there: README.md",
    );
    expect(await objects()).toEqual(before);

    await files.rm(`s3://${BUCKET}/daily/README.md`);
    expect((await run(5)).status).toBe("succeeded");
    const manifest = JSON.parse(await files.readText(`s3://${BUCKET}/daily/_glacier_manifest.json`));
    expect(manifest).toMatchObject({
      glacier: 1,
      output: "acme-data/daily/",
      step: "daily",
      files: ["part-0.parquet"],
    });
    expect((await run(6)).status).toBe("succeeded");
    await putParquet("daily/extra.parquet", salesFrame(3));
    const kept = await objects();
    expect((await rejection(() => run(7))).code).toBe("OUTPUT_NOT_OWNED");
    expect(await objects()).toEqual(kept);
  });

  it("a failed step leaves the previous object as it was and no temporary objects", async () => {
    project = testProject();
    await putParquet("raw/sales.parquet", salesFrame(100));
    await salesPipeline().run({ mode: "local", projectDir: project.dir });
    const before = await objects();
    const local = aws.local();
    const raw = aws.bucket({ bucket: BUCKET, path: "raw/sales.parquet" });
    const clean = aws.bucket({
      bucket: BUCKET,
      path: "clean/sales.parquet",
      schema: { order_id: "int64", region: "string", day: "string", amount: "float32" },
    });
    const cleanSales = local.task(function cleanSales(df: pl.LazyDataFrame) {
      return df.filter(pl.col("amount").gt(1));
    });
    const result = await raw.transform(cleanSales).to(clean).run({ mode: "local", projectDir: project.dir });
    expect(stepOf(result, "cleanSales").code).toBe("SCHEMA_MISMATCH");
    expect(await objects()).toEqual(before);
  });

  it("access denied is reported before any step runs, and nothing is written", async () => {
    project = testProject();
    await putParquet("raw/sales.parquet", salesFrame(10));
    const before = await objects();
    // s3rver checks access key ids (not SigV4 signatures): an unknown key is its "access denied".
    process.env["AWS_ACCESS_KEY_ID"] = "UNKNOWNKEY";
    const error = await rejection(() => salesPipeline().run({ mode: "local", projectDir: project.dir }));
    expect(error.code).toBe("STORAGE_ERROR");
    expect(stable(error.message, project.dir)).toMatch(
      /^bucket "acme-data\/raw\/sales.parquet": cannot read s3:\/\/acme-data\/raw\/sales.parquet: access denied \(.*\)\. Check the AWS credentials/,
    );
    process.env["AWS_ACCESS_KEY_ID"] = "S3RVER";
    expect(await objects()).toEqual(before);
    expect(await listRuns({ projectDir: project.dir })).toEqual([]);
  });

  it("an unreachable endpoint is reported before any step runs", async () => {
    project = testProject();
    process.env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9";
    const error = await rejection(() => salesPipeline().run({ mode: "local", projectDir: project.dir }));
    expect(error.code).toBe("STORAGE_ERROR");
    expect(error.message).toMatch(
      /^bucket "acme-data\/raw\/sales.parquet": cannot read s3:\/\/acme-data\/raw\/sales.parquet: storage unreachable \(.*\)\. Check the network and the S3 endpoint \(http:\/\/127.0.0.1:9\)/,
    );
    expect(await listRuns({ projectDir: project.dir })).toEqual([]);
  });

  it("maps every bucket to a local directory with localStorage", async () => {
    project = testProject();
    project.write(BUCKET, "raw/sales.parquet", salesFrame(50));
    const result = await salesPipeline().run({
      mode: "local",
      projectDir: project.dir,
      localStorage: project.data,
    });
    expect(result.status).toBe("succeeded");
    expect(Object.keys(project.files())).toEqual([
      `${BUCKET}/clean/sales.parquet`,
      `${BUCKET}/raw/sales.parquet`,
      `${BUCKET}/reports/regions.csv`,
    ]);
    expect(await objects()).toEqual({});
  });

  it("gives tasks a file store over S3: write, read, exists, ls, cp, rm", async () => {
    project = testProject();
    const files = createFileStore(s3.storage);
    const root = `s3://${BUCKET}/models`;
    await files.write(`${root}/v1/model.json`, '{"w":1}');
    expect(await files.exists(`${root}/v1/model.json`)).toBe(true);
    expect(await files.exists(`${root}/v1`)).toBe(true);
    expect(await files.exists(`${root}/v2`)).toBe(false);
    await files.cp(`${root}/v1/model.json`, `${root}/v2/model.json`);
    await files.cp(`${root}/v1/model.json`, `${project.data}/model.json`);
    await files.cp(`${project.data}/model.json`, `${root}/v3/model.json`);
    expect(await files.ls(root)).toEqual([
      { path: `${root}/v1/`, type: "directory" },
      { path: `${root}/v2/`, type: "directory" },
      { path: `${root}/v3/`, type: "directory" },
    ]);
    expect(await files.readText(`${root}/v3/model.json`)).toBe('{"w":1}');
    await files.rm(`${root}/v1`, { recursive: true });
    await files.rm(`${root}/v2/model.json`);
    expect(Object.keys(await objects())).toEqual([`${root}/v3/model.json`]);
    expect(project.files()).toEqual({ "model.json": 7 });
  });

  it("executeStep runs one step with explicit storage options, as a Lambda would", async () => {
    for (const name of ENV) delete process.env[name];
    await putParquet("raw/sales.parquet", salesFrame(80));
    const step = LineageGraph.from(salesPipeline()).step("cleanSales");
    const metrics = await executeStep({
      step,
      runId: "20240131T120000Z-3f2a",
      params: {},
      storage: s3.storage,
    });
    expect(metrics.rows).toBe(salesFrame(80).filter(pl.col("amount").gt(0)).height);
    expect(metrics.outputFingerprint).toMatch(/^etag:/);
    expect(Object.keys(await objects())).toEqual([
      `s3://${BUCKET}/clean/sales.parquet`,
      `s3://${BUCKET}/raw/sales.parquet`,
    ]);
  });
});
