import type { S3Client } from "@aws-sdk/client-s3";
import { datasetMatcher, datasetRoot } from "@glacier/core/internal";
import { loadS3 } from "./s3-client.js";

/** One object of a listing. */
export interface S3Object {
  readonly key: string;
  readonly size: number;
  readonly etag: string;
}

/** Metadata of one object, or null when it does not exist. */
export async function headObject(client: S3Client, bucket: string, key: string): Promise<S3Object | null> {
  const { HeadObjectCommand } = await loadS3();
  try {
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return { key, size: head.ContentLength ?? 0, etag: head.ETag ?? "" };
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404 || (error as { name?: string }).name === "NotFound") return null;
    throw error;
  }
}

/** Every object under `prefix`, following continuation tokens. */
export async function listObjects(client: S3Client, bucket: string, prefix: string): Promise<S3Object[]> {
  const { ListObjectsV2Command } = await loadS3();
  const objects: S3Object[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        ...(token === undefined ? {} : { ContinuationToken: token }),
      }),
    );
    for (const item of page.Contents ?? []) {
      if (item.Key !== undefined)
        objects.push({ key: item.Key, size: item.Size ?? 0, etag: item.ETag ?? "" });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return objects;
}

/** Dataset file matching is core's (one definition for local, cloud and analyze); the names local uses. */
export { datasetRoot as staticPrefix, isDataFile } from "@glacier/core/internal";

/**
 * The objects of a dataset: everything under a directory key (`daily/`), or the keys matching a glob
 * (`events/*.jsonl`, `{}` and `[]` included), without hidden or marker files, sorted by key (core's
 * `datasetMatcher`).
 */
export async function listDataset(client: S3Client, bucket: string, path: string): Promise<S3Object[]> {
  const objects = await listObjects(client, bucket, datasetRoot(path));
  const matches = await datasetMatcher(path);
  return objects.filter((o) => matches(o.key)).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

const FIVE_GIB = 5 * 1024 ** 3;
const PART = 512 * 1024 ** 2;

/**
 * Copies an object inside S3 and returns the new object's ETag. Objects over 5 GiB (CopyObject's limit) are
 * copied part by part with UploadPartCopy; either way the target appears only when the copy completes.
 */
export async function copyObject(
  client: S3Client,
  from: { bucket: string; key: string; size: number },
  to: { bucket: string; key: string },
): Promise<string> {
  const s3 = await loadS3();
  const source = `${from.bucket}/${encodeURIComponent(from.key).replace(/%2F/g, "/")}`;
  if (from.size <= FIVE_GIB) {
    const copied = await client.send(
      new s3.CopyObjectCommand({ Bucket: to.bucket, Key: to.key, CopySource: source }),
    );
    return copied.CopyObjectResult?.ETag ?? "";
  }
  const upload = await client.send(new s3.CreateMultipartUploadCommand({ Bucket: to.bucket, Key: to.key }));
  const uploadId = upload.UploadId as string;
  try {
    const parts: { ETag: string; PartNumber: number }[] = [];
    for (let start = 0, n = 1; start < from.size; start += PART, n++) {
      const end = Math.min(start + PART, from.size) - 1;
      const part = await client.send(
        new s3.UploadPartCopyCommand({
          Bucket: to.bucket,
          Key: to.key,
          UploadId: uploadId,
          PartNumber: n,
          CopySource: source,
          CopySourceRange: `bytes=${start}-${end}`,
        }),
      );
      parts.push({ ETag: part.CopyPartResult?.ETag ?? "", PartNumber: n });
    }
    const done = await client.send(
      new s3.CompleteMultipartUploadCommand({
        Bucket: to.bucket,
        Key: to.key,
        UploadId: uploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
    return done.ETag ?? "";
  } catch (error) {
    await client
      .send(new s3.AbortMultipartUploadCommand({ Bucket: to.bucket, Key: to.key, UploadId: uploadId }))
      .catch(() => undefined);
    throw error;
  }
}

/** Deletes objects by key, a thousand per request. */
export async function deleteObjects(
  client: S3Client,
  bucket: string,
  keys: readonly string[],
): Promise<void> {
  const { DeleteObjectsCommand, DeleteObjectCommand } = await loadS3();
  if (keys.length === 1) {
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: keys[0] as string }));
    return;
  }
  for (let i = 0; i < keys.length; i += 1000) {
    await client.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true },
      }),
    );
  }
}
