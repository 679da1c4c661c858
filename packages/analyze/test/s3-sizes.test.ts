import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LineageGraph, Provider } from "@glacier/core";
import { analyzeGraph, measureBucket } from "../src/index.js";
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
