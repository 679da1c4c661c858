import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  describeScheme,
  partitionBucket,
  partitionKeys,
  type BucketNode,
  type LineageGraph,
  type StepNode,
} from "@glacier/core";
import { previousStatuses, RunStore } from "@glacier/engine";

/** What `glacier list` says of one partitioned bucket. */
export interface PartitionStatus {
  readonly bucket: string;
  readonly scheme: string;
  /** Keys whose data is there. */
  readonly materialised: readonly string[];
  /** Keys of the scheme's range (up to now) whose data is not there. */
  readonly missing: readonly string[];
  /** Keys whose unit failed in the newest local run that ran it (written buckets only). */
  readonly failed: readonly string[];
  /** False for an S3 bucket without `--local-storage`: materialised/missing were not checked. */
  readonly checked: boolean;
}

/** Where a bucket's data lies on this machine, or null when it is in S3 and no local storage is given. */
function localPath(bucket: BucketNode, localStorage: string | undefined): string | null {
  if (bucket.provider.cloud === "local") return bucket.location;
  return localStorage === undefined ? null : join(localStorage, bucket.bucket, bucket.path);
}

/**
 * Every partitioned bucket's partitions: those materialised (a file or directory is at the partition's
 * location), those missing from the scheme's range, and those whose step failed last time it ran.
 *
 * @example
 * ```ts
 * await partitionStatus(graph, { projectDir: ".", localStorage: "./data" });
 * // [{ bucket: "acme/clean/{day}.parquet", scheme: "daily from 2026-11-01 ({day})",
 * //    materialised: ["2026-11-01", …], missing: ["2026-11-17"], failed: ["2026-11-17"], checked: true }]
 * ```
 */
export async function partitionStatus(
  graph: LineageGraph,
  options: { readonly projectDir: string; readonly localStorage?: string; readonly now?: Date },
): Promise<readonly PartitionStatus[]> {
  const buckets = graph.buckets.filter((b) => b.partitions !== undefined);
  if (buckets.length === 0) return [];
  const statuses = await previousStatuses(new RunStore(options.projectDir), "local").catch(
    () => new Map<string, string>(),
  );
  return buckets.map((bucket) => {
    const scheme = bucket.partitions as NonNullable<BucketNode["partitions"]>;
    const keys = partitionKeys(scheme, undefined, { kind: "bucket", name: bucket.id }, options.now);
    const producer: StepNode | undefined = graph.producerOf(bucket);
    const checked = localPath(bucket, options.localStorage) !== null;
    const materialised: string[] = [];
    const missing: string[] = [];
    const failed: string[] = [];
    for (const key of keys) {
      const partition = partitionBucket(bucket, key);
      const path = localPath(partition, options.localStorage);
      if (path !== null) (existsSync(path) ? materialised : missing).push(key);
      if (producer && statuses.get(`${producer.name}->${partition.id}`) === "failed") failed.push(key);
    }
    return { bucket: bucket.id, scheme: describeScheme(scheme), materialised, missing, failed, checked };
  });
}

/** Keys as runs of consecutive ones: `2026-11-01..2026-11-03, 2026-11-05`. */
export function keyRanges(keys: readonly string[], all: readonly string[]): string {
  const index = new Map(all.map((key, i) => [key, i]));
  const runs: string[][] = [];
  for (const key of keys) {
    const last = runs.at(-1);
    if (last && index.get(last.at(-1) as string) === (index.get(key) ?? -2) - 1) last.push(key);
    else runs.push([key]);
  }
  return runs.map((r) => (r.length === 1 ? r[0] : `${r[0]}..${r.at(-1)}`)).join(", ");
}
