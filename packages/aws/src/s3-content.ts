import { createHash } from "node:crypto";
import type { S3Client } from "@aws-sdk/client-s3";
import type { BucketNode } from "@glacier/core";
import { datasetMatcher, datasetRoot } from "@glacier/core/internal";

/** What a bucket holds in S3 right now, fingerprinted from S3's own metadata. */
export interface S3Content {
  readonly exists: boolean;
  /**
   * `etag:<etag>:<size>` (plus `:v=<version id>` in a versioned bucket) of a single object; for a dataset, a
   * SHA-256 over its sorted keys, ETags and sizes. S3 computes ETags from the bytes on upload, so reading them
   * costs one request and no data.
   */
  readonly fingerprint: string;
  readonly bytes: number;
}

const MISSING: S3Content = { exists: false, fingerprint: "", bytes: 0 };

function status(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

/**
 * Fingerprints an S3 bucket node: HeadObject for a single object, a listing for a dataset.
 *
 * @example
 * ```ts
 * await s3Content(client, rawSales.node);
 * // { exists: true, fingerprint: 'etag:"9b2cf535f27731c974343645a3985328":204113', bytes: 204113 }
 * ```
 */
export async function s3Content(client: S3Client, bucket: BucketNode): Promise<S3Content> {
  const { HeadObjectCommand, ListObjectsV2Command } = await import("@aws-sdk/client-s3");
  if (!bucket.dataset) {
    try {
      const head = await client.send(new HeadObjectCommand({ Bucket: bucket.bucket, Key: bucket.path }));
      const version = head.VersionId && head.VersionId !== "null" ? `:v=${head.VersionId}` : "";
      return {
        exists: true,
        fingerprint: `etag:${head.ETag ?? ""}:${head.ContentLength ?? 0}${version}`,
        bytes: head.ContentLength ?? 0,
      };
    } catch (error) {
      if (status(error) === 404 || (error as { name?: string }).name === "NotFound") return MISSING;
      throw error;
    }
  }
  // Core's dataset matching: the same files the local executor and the analyzer see.
  const prefix = datasetRoot(bucket.path);
  const matches = await datasetMatcher(bucket.path);
  const lines: string[] = [];
  let bytes = 0;
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({
        Bucket: bucket.bucket,
        Prefix: prefix,
        ...(token === undefined ? {} : { ContinuationToken: token }),
      }),
    );
    for (const item of page.Contents ?? []) {
      const key = item.Key ?? "";
      if (!matches(key)) continue;
      lines.push(`${key}\t${item.ETag ?? ""}\t${item.Size ?? 0}`);
      bytes += item.Size ?? 0;
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  if (lines.length === 0) return MISSING;
  const digest = createHash("sha256").update(lines.sort().join("\n")).digest("hex").slice(0, 32);
  return { exists: true, fingerprint: `list:${digest}`, bytes };
}
