import { randomBytes } from "node:crypto";
import { basename, dirname, join } from "node:path";
import type { StepNode } from "@glacier/core";
import { STAGING_PREFIX, stagingKey, stagingStepId } from "@glacier/core/internal";
import { EXTENSIONS } from "./scan.js";
import type { ResolvedLocation } from "./storage.js";
import { ownerTag } from "./temp-owner.js";

/**
 * A directory dataset's output: the directory (a local path or a key prefix, ending in `/`) and who writes it,
 * for its manifest of owned files (see `output-manifest.ts`).
 */
export interface DatasetOutput {
  readonly root: string;
  /** The output bucket's id. */
  readonly output: string;
  readonly runId: string;
}

/** Where a step writes first (`temp`) and where a successful write is committed (`final`). */
export type OutputTarget =
  | {
      readonly kind: "file";
      readonly temp: string;
      readonly final: string;
      readonly dataset?: DatasetOutput;
    }
  | {
      readonly kind: "s3";
      readonly bucket: string;
      readonly tempKey: string;
      readonly finalKey: string;
      readonly dataset?: DatasetOutput;
      readonly cloudOptions: Readonly<Record<string, string>>;
    };

/** Temporary files end with this, so no glob for data (`*.parquet`) ever matches one. */
export const TEMP_SUFFIX = ".glacier-tmp";
/** S3 temporaries live under this prefix of the output's bucket (give it a lifecycle rule): core's one definition. */
export const S3_TEMP_PREFIX = STAGING_PREFIX;

/** The file a directory dataset's output is written as. */
export function partName(bucket: StepNode["output"]): string {
  return `part-0.${EXTENSIONS[bucket.format]}`;
}

/**
 * Plans an atomic write. Locally the temporary file sits in the target's directory (a rename within one
 * file system is atomic) under a hidden name ending in `.glacier-tmp` that names its writer (pid, start time,
 * host and boot tags: see `temp-owner.ts`, so a sweep never deletes a live writer's file); on S3 it is an object under the step's
 * own staging prefix (`stagingKey` of `@glacier/core`: `.glacier-tmp/<step token>/<run token>/<key>`) in the
 * same bucket, copied to the target key when complete — the prefix the step's IAM role may write, and no other
 * step's. A directory dataset is written as one file, `part-0.<ext>`, in its directory.
 *
 * @example
 * ```ts
 * outputTarget(cleanStep, { kind: "file", path: "/lake/acme/clean/sales.parquet" }, "20240131T120000Z-3f2a")
 * // { kind: "file", final: "/lake/acme/clean/sales.parquet",
 * //   temp: "/lake/acme/clean/.sales.parquet.20240131T120000Z-3f2a-9c1e.4242_1114648_5c1e9a_0b7d2f.glacier-tmp" }
 * ```
 */
export function outputTarget(step: StepNode, location: ResolvedLocation, runId: string): OutputTarget {
  const bucket = step.output;
  const token = `${runId}-${randomBytes(2).toString("hex")}`;
  if (location.kind === "file") {
    const final = bucket.dataset ? join(location.path, partName(bucket)) : location.path;
    return {
      kind: "file",
      final,
      temp: join(dirname(final), `.${basename(final)}.${token}.${ownerTag()}${TEMP_SUFFIX}`),
      ...(bucket.dataset ? { dataset: { root: location.path, output: bucket.id, runId } } : {}),
    };
  }
  const finalKey = bucket.dataset ? `${location.key}${partName(bucket)}` : location.key;
  return {
    kind: "s3",
    bucket: location.bucket,
    finalKey,
    tempKey: stagingKey(stagingStepId(step), token, finalKey),
    ...(bucket.dataset ? { dataset: { root: location.key, output: bucket.id, runId } } : {}),
    cloudOptions: location.cloudOptions,
  };
}

/** The temporary location as polars writes it: a path or an `s3://` URL. */
export function tempUrl(target: OutputTarget): string {
  return target.kind === "file" ? target.temp : `s3://${target.bucket}/${target.tempKey}`;
}

/** The final location: a path or an `s3://` URL. */
export function finalUrl(target: OutputTarget): string {
  return target.kind === "file" ? target.final : `s3://${target.bucket}/${target.finalKey}`;
}
