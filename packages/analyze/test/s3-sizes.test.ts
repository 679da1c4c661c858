import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { LineageGraph, Provider } from "@glacier/core";
import { analyzeGraph, measureBucket, renderAnalysis } from "../src/index.js";
import { startS3, type S3Server } from "./fixtures/s3-server.js";
import { tempDir } from "./fixtures/examples.js";

let server: S3Server;
const temp = tempDir("glacier-analyze-s3-");
const provider = new Provider({ cloud: "aws", region: "us-east-1" });

beforeAll(async () => {
  server = await startS3(["acme-lake"]);
  const client = new S3Client({
    ...server.s3,
    forcePathStyle: true,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const put = (Key: string, bytes: number) =>
    client.send(new PutObjectCommand({ Bucket: "acme-lake", Key, Body: Buffer.alloc(bytes, 1) }));
  await put("raw/sales.csv", 1234);
  await put("events/2024-01.parquet", 1000);
  await put("events/2024-02.parquet", 2000);
  await put("events/readme.txt", 50);
  // A marker and the manifest: the executors skip them, so their sizes are not the data's.
  await put("events/_SUCCESS", 7);
  await put("events/_glacier_manifest.json", 70);
  client.destroy();
});
afterAll(async () => {
  await server.stop();
  temp.cleanup();
});

describe("sizes read from S3", () => {
  it("HeadObject for a file, ListObjectsV2 filtered by the glob for a dataset", async () => {
    const file = provider.bucket({ bucket: "acme-lake", path: "raw/sales.csv" });
    const dataset = provider.bucket({ bucket: "acme-lake", path: "events/*.parquet" });
    expect(await measureBucket(file.node, { s3: server.s3 })).toMatchObject({
      bytes: 1234,
      files: 1,
      source: "measured",
    });
    expect(await measureBucket(dataset.node, { s3: server.s3 })).toMatchObject({
      bytes: 3000,
      files: 2,
      source: "measured",
    });
  });

  it("counts the files the executors read: core's dataset matching, `{}` globs, markers skipped", async () => {
    const measure = (path: string) =>
      measureBucket(provider.bucket({ bucket: "acme-lake", path, format: "parquet" }).node, {
        s3: server.s3,
      });
    expect(await measure("events/2024-0{1,2}.parquet")).toMatchObject({ bytes: 3000, files: 2 });
    expect(await measure("events/2024-0[2-9].parquet")).toMatchObject({ bytes: 2000, files: 1 });
    expect(await measure("events/")).toMatchObject({ bytes: 3050, files: 3 });
    expect(await measure("events/*")).toMatchObject({ bytes: 3050, files: 3 });
    // The same dataset on disk (--local-storage) measures the same.
    for (const [key, bytes] of [
      ["events/2024-01.parquet", 1000],
      ["events/2024-02.parquet", 2000],
      ["events/readme.txt", 50],
      ["events/_SUCCESS", 7],
      ["events/_glacier_manifest.json", 70],
      ["events/.part.crc", 9],
    ] as const) {
      mkdirSync(dirname(join(temp.dir, "acme-lake", key)), { recursive: true });
      writeFileSync(join(temp.dir, "acme-lake", key), Buffer.alloc(bytes, 1));
    }
    const onDisk = (path: string) =>
      measureBucket(provider.bucket({ bucket: "acme-lake", path, format: "parquet" }).node, {
        localStorage: temp.dir,
      });
    expect(await onDisk("events/2024-0{1,2}.parquet")).toMatchObject({ bytes: 3000, files: 2 });
    expect(await onDisk("events/")).toMatchObject({ bytes: 3050, files: 3 });
  });

  it("a missing object falls back to the declared size, else unknown", async () => {
    const declared = provider.bucket({
      bucket: "acme-lake",
      path: "raw/none.csv",
      expectedSize: { bytes: 9 },
    });
    const missing = provider.bucket({ bucket: "acme-lake", path: "raw/none.csv" });
    expect(await measureBucket(declared.node, { s3: server.s3 })).toMatchObject({
      bytes: 9,
      source: "declared",
    });
    expect(await measureBucket(missing.node, { s3: server.s3 })).toMatchObject({
      bytes: null,
      source: "unknown",
    });
  });

  it("an analysis prices the dataset's LIST and per-file requests", async () => {
    const lambda = provider.serverless();
    const events = provider.bucket({ bucket: "acme-lake", path: "events/*.parquet" });
    const out = events
      .transform(lambda.sql("merge", "SELECT * FROM input"))
      .to(provider.bucket({ bucket: "acme-lake", path: "all.parquet" }));
    const { report } = await analyzeGraph(LineageGraph.from({ out }), {
      s3: server.s3,
      projectDir: temp.dir,
    });
    const s3 = report.steps[0]?.cost.items
      .filter((i) => i.service === "s3")
      .map((i) => [i.usage, i.quantity]);
    // 2 files: 2 HEAD + 2 ranged GETs (each under 8 MiB); 1 LIST; a 3,000-byte output is one PUT.
    expect(s3).toEqual([
      ["GET/HEAD requests", 4],
      ["PUT requests", 1],
      ["LIST requests", 1],
    ]);
  });
});

describe("without AWS credentials", () => {
  beforeAll(() => {
    // No credentials anywhere the SDK looks, and no instance metadata service to ask (no traffic off loopback).
    for (const name of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"])
      vi.stubEnv(name, undefined);
    vi.stubEnv("AWS_SHARED_CREDENTIALS_FILE", `${temp.dir}/no-credentials`);
    vi.stubEnv("AWS_CONFIG_FILE", `${temp.dir}/no-config`);
    vi.stubEnv("AWS_EC2_METADATA_DISABLED", "true");
    vi.stubEnv("AWS_CONTAINER_CREDENTIALS_FULL_URI", undefined);
    vi.stubEnv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", undefined);
  });
  afterAll(() => vi.unstubAllEnvs());

  it("falls back to the declared size, says why on the size, and the report says so first", async () => {
    const endpoint = { endpoint: server.s3.endpoint, region: "us-east-1" };
    const declared = provider.bucket({
      bucket: "acme-lake",
      path: "raw/sales.csv",
      expectedSize: { bytes: 9e9 },
    });
    expect(await measureBucket(declared.node, { s3: endpoint })).toMatchObject({
      bytes: 9e9,
      source: "declared",
      unreadable: "no AWS credentials",
    });
    const out = declared
      .transform(provider.serverless().sql("copy", "SELECT * FROM input"))
      .to(provider.bucket({ bucket: "acme-lake", path: "copy.parquet" }));
    const { report } = await analyzeGraph(LineageGraph.from({ out }), { s3: endpoint, projectDir: temp.dir });
    expect(report.notes[0]).toBe(
      "Could not read S3 (no AWS credentials), so sizes are not measured: used the declared expectedSize of acme-lake/raw/sales.csv. Configure AWS credentials, pass --local-storage DIR to read what glacier run --local-storage DIR wrote, or --offline to use declared sizes without trying S3.",
    );
    expect(renderAnalysis(report, "text")).toContain(`Note: ${report.notes[0]}`);
  });
});
