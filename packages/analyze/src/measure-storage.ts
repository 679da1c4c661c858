import { stat } from "node:fs/promises";
import { join } from "node:path";
import type { BucketNode } from "@glacier/core";
import { datasetMatcher, datasetRoot } from "@glacier/core/internal";
import { glob } from "tinyglobby";
import { declaredSize, unknownSize, type DataSize } from "./data-size.js";

/** Where storage is read: a local directory standing in for S3 (like `glacier run --local-storage`). */
export interface StorageOptions {
  readonly offline?: boolean;
  readonly localStorage?: string;
  /** S3 connection; absent fields come from the standard AWS configuration (`AWS_ENDPOINT_URL_S3`, profiles …). */
  readonly s3?: S3Connection;
}

/** An S3 (or S3-compatible) endpoint and credentials. */
export interface S3Connection {
  readonly endpoint?: string;
  readonly region?: string;
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
}

/** The directory standing for a bucket on disk (`DIR/<bucket>`), or null when it is in S3. */
export function localRoot(bucket: BucketNode, storage: StorageOptions): string | null {
  if (bucket.provider.cloud === "local") return bucket.location.slice(0, -bucket.path.length);
  return storage.localStorage === undefined ? null : join(storage.localStorage, bucket.bucket);
}

async function measureFiles(bucket: BucketNode, bucketRoot: string): Promise<DataSize> {
  const files: string[] = [];
  const root = join(bucketRoot, bucket.path);
  if (bucket.dataset) {
    // Core's dataset matching: the files the executors read (markers such as _SUCCESS are not data).
    const prefix = datasetRoot(bucket.path);
    const matches = await datasetMatcher(bucket.path);
    const pattern = bucket.path.endsWith("/") ? "**/*" : bucket.path.slice(prefix.length);
    const found = await glob(pattern, {
      cwd: join(bucketRoot, prefix),
      onlyFiles: true,
      expandDirectories: false,
    });
    files.push(
      ...found
        .filter((f) => matches(prefix + f))
        .map((f) => join(bucketRoot, prefix, f))
        .sort(),
    );
  } else {
    files.push(root);
  }
  let bytes = 0;
  let count = 0;
  for (const file of files) {
    try {
      bytes += (await stat(file)).size;
      count++;
    } catch {
      // A missing single file falls through to the declared size below.
    }
  }
  if (count === 0) return declaredSize(bucket, `no data at ${root}`);
  return { bytes, files: count, rows: bucket.expectedSize?.rows ?? null, source: "measured", detail: root };
}

async function measureS3(bucket: BucketNode, s3: S3Connection = {}): Promise<DataSize> {
  // Loaded only when S3 is read: `--offline` and local storage never pay for the SDK.
  const { S3Client, HeadObjectCommand, ListObjectsV2Command } = await import("@aws-sdk/client-s3");
  const endpoint =
    s3.endpoint ?? (process.env["AWS_ENDPOINT_URL_S3"] || process.env["AWS_ENDPOINT_URL"] || undefined);
  const region = s3.region ?? (bucket.provider.cloud === "aws" ? bucket.provider.region : undefined);
  const client = new S3Client({
    ...(region === undefined ? {} : { region }),
    ...(endpoint === undefined ? {} : { endpoint, forcePathStyle: true }),
    ...(s3.accessKeyId !== undefined && s3.secretAccessKey !== undefined
      ? { credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } }
      : {}),
    maxAttempts: 2,
  });
  try {
    if (!bucket.dataset) {
      const head = await client.send(new HeadObjectCommand({ Bucket: bucket.bucket, Key: bucket.path }));
      return {
        bytes: head.ContentLength ?? 0,
        files: 1,
        rows: bucket.expectedSize?.rows ?? null,
        source: "measured",
        detail: bucket.location,
      };
    }
    const prefix = datasetRoot(bucket.path);
    const matches = await datasetMatcher(bucket.path);
    let bytes = 0;
    let files = 0;
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket: bucket.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined || !matches(object.Key)) continue;
        bytes += object.Size ?? 0;
        files++;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    if (files === 0) return declaredSize(bucket, `no objects at ${bucket.location}`);
    return {
      bytes,
      files,
      rows: bucket.expectedSize?.rows ?? null,
      source: "measured",
      detail: bucket.location,
    };
  } catch (error) {
    const e = error as { name?: string; message?: string };
    if (e.name === "NotFound" || e.name === "NoSuchKey")
      return declaredSize(bucket, `no object at ${bucket.location}`);
    const why = unreadable(e);
    const fallback = declaredSize(bucket, `could not read ${bucket.location}: ${why}`);
    return {
      ...(fallback.source === "declared"
        ? fallback
        : unknownSize(`could not read ${bucket.location} (${e.message ?? e.name})`)),
      unreadable: why,
    };
  } finally {
    client.destroy();
  }
}

/** Why S3 could not be read, in a few words: the SDK's error names are not for readers. */
function unreadable(error: { name?: string; message?: string }): string {
  switch (error.name) {
    case "CredentialsProviderError":
      return "no AWS credentials";
    case "AccessDenied":
    case "Forbidden":
    case "InvalidAccessKeyId":
    case "SignatureDoesNotMatch":
    case "ExpiredToken":
      return `access denied (${error.name})`;
    case "NoSuchBucket":
      return "no such bucket";
    default:
      return error.name ?? error.message ?? "error";
  }
}

/**
 * Reads the size of a bucket's data: file sizes on disk (`localStorage` maps S3 buckets to
 * `DIR/<bucket>/<path>`), or S3 HeadObject / ListObjectsV2. Offline, or when nothing is there, the declared
 * `expectedSize` is used, else the size is unknown with the reason.
 *
 * @example
 * ```ts
 * await measureBucket(rawSales.node, { localStorage: ".glacier-demo" });
 * // { bytes: 152344, files: 1, rows: null, source: "measured", detail: ".glacier-demo/glacier-example-sales/raw/sales.csv" }
 * await measureBucket(rawSales.node, { offline: true });
 * // { bytes: null, source: "unknown", detail: "offline; declare expectedSize: { bytes } on glacier-example-sales/raw/sales.csv" }
 * ```
 */
export async function measureBucket(bucket: BucketNode, storage: StorageOptions): Promise<DataSize> {
  if (storage.offline) return declaredSize(bucket, "offline");
  const root = localRoot(bucket, storage);
  return root === null ? measureS3(bucket, storage.s3) : measureFiles(bucket, root);
}
