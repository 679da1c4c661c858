import type { BucketNode } from "@glacier/core";
import { STAGING_PREFIX, stepStagingPrefix } from "@glacier/core/internal";
import type { PolicyStatement, S3Access } from "./plan-types.js";

/**
 * Least-privilege S3 statements derived from lineage: a step may read exactly its input locations and write
 * exactly its output location plus its own staging prefix (`.glacier-tmp/<step token>/`, see `@glacier/core`'s
 * `stepStagingPrefix`), which no other step's keys share. Never `s3:*`, never a bucket-wide object resource.
 * Locations in SSE-KMS buckets add the key's use, on that key only and only through S3.
 */

/** The S3 location of a bucket node. */
export function s3Access(node: BucketNode): S3Access {
  // One role serves every partition of a partitioned location: its key pattern covers them all.
  const scheme = node.partitions;
  return {
    bucket: node.bucket,
    key: scheme ? node.path.split(`{${scheme.key}}`).join("*") : node.path,
    dataset: scheme ? true : node.dataset,
    format: node.format,
    location: node.location,
    ...(node.kmsKeyArn === undefined ? {} : { kmsKeyArn: node.kmsKeyArn }),
  };
}

const GLOB = /[*?[{]/;

/** The key before the first glob character: `raw/orders/*.parquet` → `raw/orders/`. */
export function staticPrefix(key: string): string {
  const match = GLOB.exec(key);
  return match ? key.slice(0, match.index) : key;
}

/** The directory a dataset lists: `raw/orders/*.parquet` → `raw/orders/`, `daily/` → `daily/`. */
function listedDirectory(key: string): string {
  const prefix = staticPrefix(key);
  return prefix.slice(0, prefix.lastIndexOf("/") + 1);
}

/**
 * The IAM resource pattern of the objects a location names. A glob keeps its `*` and `?` (IAM's wildcards);
 * classes and alternatives (`[ab]`, `{a,b}`), which IAM cannot express, widen to `*`.
 *
 * @example
 * ```ts
 * objectPattern({ key: "raw/orders/*.parquet", dataset: true }) // "raw/orders/*.parquet"
 * objectPattern({ key: "daily/", dataset: true })               // "daily/*"
 * objectPattern({ key: "raw/sales.csv", dataset: false })       // "raw/sales.csv"
 * ```
 */
export function objectPattern(access: Pick<S3Access, "key" | "dataset">): string {
  if (!access.dataset) return access.key;
  if (access.key.endsWith("/")) return `${access.key}*`;
  return access.key.replace(/\[[^\]]*\]|\{[^}]*\}/g, "*").replace(/\*+/g, "*");
}

/** Prefixes a reader may list (`s3:prefix` condition values) to find the objects of a location. */
export function listPrefixes(access: Pick<S3Access, "key" | "dataset">): string[] {
  if (!access.dataset) return [access.key, `${access.key}/`];
  const dir = listedDirectory(access.key);
  return dir === "" ? ["", "*"] : [dir.slice(0, -1), dir, `${dir}*`];
}

function objectArn(partition: string, bucket: string, pattern: string): string {
  return `arn:${partition}:s3:::${bucket}/${pattern}`;
}

function bucketArn(partition: string, bucket: string): string {
  return `arn:${partition}:s3:::${bucket}`;
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}

function byBucket(accesses: readonly S3Access[]): Map<string, S3Access[]> {
  const grouped = new Map<string, S3Access[]>();
  for (const access of [...accesses].sort((a, b) => (a.location < b.location ? -1 : 1))) {
    grouped.set(access.bucket, [...(grouped.get(access.bucket) ?? []), access]);
  }
  return grouped;
}

/** `ReadInputs`: GetObject on each input's objects; `List…`: ListBucket limited to the inputs' prefixes. */
export function readStatements(partition: string, inputs: readonly S3Access[]): PolicyStatement[] {
  if (inputs.length === 0) return [];
  const statements: PolicyStatement[] = [
    {
      sid: "ReadInputs",
      actions: ["s3:GetObject"],
      resources: unique(inputs.map((i) => objectArn(partition, i.bucket, objectPattern(i)))),
    },
  ];
  let n = 0;
  for (const [bucket, accesses] of byBucket(inputs)) {
    statements.push({
      sid: `ListInputs${n++ || ""}`,
      actions: ["s3:ListBucket"],
      resources: [bucketArn(partition, bucket)],
      condition: { StringLike: { "s3:prefix": unique(accesses.flatMap(listPrefixes)) } },
    });
  }
  return statements;
}

/** Where a step writes: its output and its own staging prefix. */
export interface WriteTarget {
  readonly output: S3Access;
  /** The step's staging prefix, `.glacier-tmp/<step token>/`. */
  readonly stagingPrefix: string;
}

/** The write target of a step: `stepStagingPrefix` of `@glacier/core`, the prefix every executor stages under. */
export function writeTarget(stepId: string, output: S3Access): WriteTarget {
  return { output, stagingPrefix: stepStagingPrefix(stepId) };
}

/**
 * `WriteOutput`: put (single and multipart), read back and abort the output and the step's staged copies;
 * `StageOutput`: delete staged copies once committed (and, for a dataset, the previous generation's parts);
 * `ListOutput`: list the output and the step's staging prefix.
 *
 * `spark` adds what the Spark driver's Hadoop file system (EMRFS) does besides: the empty `…_$folder$` marker
 * objects it writes when it creates a directory (the staging directories, the dataset directory), and the
 * HEAD of a dataset directory's own key (`daily` for `daily/`) it makes before listing it (`InspectOutput`,
 * read-only).
 */
export function writeStatements(partition: string, target: WriteTarget, spark = false): PolicyStatement[] {
  const { output, stagingPrefix } = target;
  const staged = `${stagingPrefix}*`;
  const outputObjects = objectPattern(output);
  const directory = output.dataset ? output.key.replace(/\/+$/, "") : undefined;
  const markers = spark
    ? [
        `${STAGING_PREFIX.slice(0, -1)}_$folder$`,
        `${stagingPrefix.slice(0, -1)}_$folder$`,
        ...(directory === undefined ? [] : [`${directory}_$folder$`]),
      ]
    : [];
  const arns = (patterns: readonly string[]) =>
    unique(patterns.map((p) => objectArn(partition, output.bucket, p)));
  return [
    {
      sid: "WriteOutput",
      actions: ["s3:AbortMultipartUpload", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:PutObject"],
      resources: arns([outputObjects, staged, ...markers]),
    },
    {
      sid: "StageOutput",
      actions: ["s3:DeleteObject"],
      resources: arns([...(output.dataset ? [outputObjects] : []), staged, ...markers]),
    },
    ...(spark && directory !== undefined
      ? [{ sid: "InspectOutput", actions: ["s3:GetObject"], resources: arns([directory]) }]
      : []),
    {
      sid: "ListOutput",
      actions: ["s3:ListBucket"],
      resources: [bucketArn(partition, output.bucket)],
      condition: {
        StringLike: {
          "s3:prefix": unique([...listPrefixes(output), stagingPrefix.slice(0, -1), stagingPrefix, staged]),
        },
      },
    },
  ];
}

/**
 * `UseDataKeys`: for locations in SSE-KMS buckets, `kms:Decrypt` to read (and to complete multipart uploads)
 * and `kms:GenerateDataKey` to write, on exactly the buckets' keys, only when S3 in this region asks.
 */
export function kmsStatements(
  partition: string,
  region: string,
  reads: readonly S3Access[],
  write: S3Access | undefined,
): PolicyStatement[] {
  const keys = unique(
    [...reads, ...(write ? [write] : [])].flatMap((a) => (a.kmsKeyArn ? [a.kmsKeyArn] : [])),
  );
  if (keys.length === 0) return [];
  const writeKeys = write?.kmsKeyArn ? [write.kmsKeyArn] : [];
  const domain = partition === "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com";
  const via = { StringEquals: { "kms:ViaService": [`s3.${region}.${domain}`] } };
  return [
    { sid: "DecryptData", actions: ["kms:Decrypt"], resources: keys, condition: via },
    ...(writeKeys.length === 0
      ? []
      : [{ sid: "EncryptOutput", actions: ["kms:GenerateDataKey"], resources: writeKeys, condition: via }]),
  ];
}
