import type { BucketNode } from "@glacier/core";

/**
 * Where a size comes from, from most to least trustworthy: read from storage, calibrated from a recorded
 * run, declared with `expectedSize`, estimated from the model's defaults, or unknown.
 */
export type SizeSource = "measured" | "calibrated" | "declared" | "estimated" | "unknown";

/** The size of a bucket's data. `bytes` is null when unknown. */
export interface DataSize {
  readonly bytes: number | null;
  /** Objects/files: a single-file bucket is 1; null when not known. */
  readonly files: number | null;
  readonly rows: number | null;
  readonly source: SizeSource;
  /** Why it is unknown, or where it was read. */
  readonly detail?: string;
  /** Storage could not be read (e.g. `"no AWS credentials"`): the size is the declared one, or unknown. */
  readonly unreadable?: string;
}

/** A size that is not known, and why. */
export function unknownSize(detail: string): DataSize {
  return { bytes: null, files: null, rows: null, source: "unknown", detail };
}

/**
 * The size declared on the bucket with `expectedSize`, or an unknown size saying how to declare one.
 *
 * @example
 * ```ts
 * declaredSize(provider.bucket({ bucket: "b", path: "raw.csv", expectedSize: { bytes: 5e9 } }).node, "offline");
 * // { bytes: 5000000000, files: 1, rows: null, source: "declared" }
 * ```
 */
export function declaredSize(bucket: BucketNode, why: string): DataSize {
  const declared = bucket.expectedSize;
  if (declared?.bytes === undefined) {
    return unknownSize(`${why}; declare expectedSize: { bytes } on ${bucket.id}`);
  }
  return {
    bytes: declared.bytes,
    files: bucket.dataset ? null : 1,
    rows: declared.rows ?? null,
    source: "declared",
  };
}
