import { GlacierError, type BucketNode } from "@glacier/core";
import { hashText } from "./content-hash.js";
import { storageError } from "./errors.js";
import type { FileHashCache } from "./file-hash-cache.js";
import { listLocalDataset, statFile } from "./local-files.js";
import { s3Client } from "./s3-client.js";
import { headObject, listDataset, staticPrefix } from "./s3-objects.js";
import { effectiveS3, type ResolvedLocation, type StorageOptions } from "./storage.js";

/** One file of a bucket's content. */
export interface ContentFile {
  /** Relative to the dataset root; the file name for a single file. */
  readonly relative: string;
  readonly size: number;
}

/** What a bucket holds right now, fingerprinted. */
export interface Content {
  readonly exists: boolean;
  /**
   * `xxh128:…` of the bytes (local), `etag:…` (S3); for datasets, a hash over the file list and theirs.
   * Empty when listed without hashing.
   */
  readonly fingerprint: string;
  /** A cheap identity that changes whenever the content may have: stat keys (local) or ETags (S3). */
  readonly identity: string;
  readonly bytes: number;
  readonly files: readonly ContentFile[];
}

const MISSING: Content = { exists: false, fingerprint: "", identity: "", bytes: 0, files: [] };

/**
 * Fingerprints a bucket's content cheaply. Local files: the XXH3-128 hash of their bytes, cached by stat so an
 * unchanged file is only `stat`ed. S3 objects: their ETag (S3 computes it from the bytes on upload, so it is
 * free to read and changes with the content). Datasets: a hash over their sorted files and fingerprints.
 */
export async function fingerprintContent(
  bucket: BucketNode,
  location: ResolvedLocation,
  cache: FileHashCache,
  storage?: StorageOptions,
  options: { readonly hash: boolean } = { hash: true },
): Promise<Content> {
  if (location.kind === "file") {
    try {
      if (!bucket.dataset) {
        const s = await statFile(location.path);
        if (!s) return MISSING;
        return {
          exists: true,
          fingerprint: options.hash ? await cache.hash(location.path, s.statKey) : "",
          identity: s.statKey,
          bytes: s.size,
          files: [{ relative: "", size: s.size }],
        };
      }
      const files = await listLocalDataset(location.path);
      if (files.length === 0) return MISSING;
      const lines: string[] = [];
      if (options.hash) {
        for (const file of files)
          lines.push(`${file.relative}\t${await cache.hash(file.path, file.statKey)}`);
      }
      return {
        exists: true,
        fingerprint: options.hash ? await hashText(lines.join("\n")) : "",
        identity: files.map((f) => `${f.relative}\t${f.statKey}`).join("\n"),
        bytes: files.reduce((sum, f) => sum + f.size, 0),
        files: files.map((f) => ({ relative: f.relative, size: f.size })),
      };
    } catch (error) {
      if (GlacierError.is(error)) throw error;
      throw storageError("cannot read", location.path, error, { kind: "bucket", name: bucket.id });
    }
  }
  const s3 = effectiveS3(storage, bucket.provider.cloud === "aws" ? bucket.provider.region : undefined);
  const client = await s3Client(s3);
  try {
    if (!bucket.dataset) {
      const head = await headObject(client, location.bucket, location.key);
      if (!head) return MISSING;
      return {
        exists: true,
        fingerprint: `etag:${head.etag}:${head.size}`,
        identity: `etag:${head.etag}:${head.size}`,
        bytes: head.size,
        files: [{ relative: "", size: head.size }],
      };
    }
    const objects = await listDataset(client, location.bucket, location.key);
    if (objects.length === 0) return MISSING;
    const root = location.key.endsWith("/") ? location.key : staticPrefix(location.key);
    const listing = objects.map((o) => `${o.key}\t${o.etag}\t${o.size}`).join("\n");
    return {
      exists: true,
      fingerprint: await hashText(listing),
      identity: listing,
      bytes: objects.reduce((sum, o) => sum + o.size, 0),
      files: objects.map((o) => ({ relative: o.key.slice(root.length), size: o.size })),
    };
  } catch (error) {
    throw storageError("cannot read", location.url, error, { kind: "bucket", name: bucket.id }, s3.endpoint);
  }
}
