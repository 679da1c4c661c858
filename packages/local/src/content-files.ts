import type { BucketNode } from "@glacier/core";
import type { ContentFile } from "./content-fingerprint.js";
import { listLocalDataset } from "./local-files.js";
import { s3Client } from "./s3-client.js";
import { listDataset, staticPrefix } from "./s3-objects.js";
import { effectiveS3, type ResolvedLocation, type StorageOptions } from "./storage.js";

/**
 * The files of a dataset bucket without fingerprinting them (what a scan needs to pick its glob and hive
 * partitioning); a single-file bucket needs none.
 */
export async function listContentFiles(
  bucket: BucketNode,
  location: ResolvedLocation,
  storage?: StorageOptions,
): Promise<readonly ContentFile[]> {
  if (!bucket.dataset) return [];
  if (location.kind === "file") {
    return (await listLocalDataset(location.path)).map((f) => ({ relative: f.relative, size: f.size }));
  }
  const region = bucket.provider.cloud === "aws" ? bucket.provider.region : undefined;
  const client = await s3Client(effectiveS3(storage, region));
  const root = location.key.endsWith("/") ? location.key : staticPrefix(location.key);
  return (await listDataset(client, location.bucket, location.key)).map((o) => ({
    relative: o.key.slice(root.length),
    size: o.size,
  }));
}
