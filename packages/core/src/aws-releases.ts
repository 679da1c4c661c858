/**
 * AWS runtime versions that `provider.serverless()` and `provider.spark()` accept, checked when the executor is
 * defined so a retired or mistyped version fails in the pipeline code instead of in `terraform apply`.
 * Data only: updating a table is the whole change when AWS ships or retires a version.
 */

/**
 * Lambda Node.js runtimes Glacier deploys to, newest first. `nodejs20.x` is gone: AWS blocked creating
 * functions on it from 2026-08-31 and updating them from 2026-09-30. `nodejs22.x` is deprecated 2027-04-30,
 * `nodejs24.x` 2028-04-30.
 */
export const LAMBDA_NODE_RUNTIMES = ["nodejs24.x", "nodejs22.x"] as const;

/** A Lambda Node.js runtime Glacier deploys to. */
export type LambdaNodeRuntime = (typeof LAMBDA_NODE_RUNTIMES)[number];

/** The runtime of `provider.serverless()` when none is given. */
export const DEFAULT_LAMBDA_RUNTIME: LambdaNodeRuntime = "nodejs24.x";

/**
 * Every EMR Serverless release label, oldest first (EMR Serverless starts at emr-6.6.0), as the EMR Serverless
 * User Guide's "Release versions" page lists them, checked 2026-12. emr-7.14.0 was released 2026-09-08 with
 * standard support until 2028-09-08 (Amazon EMR Release Guide, "Amazon EMR release 7.14.0"); emr-7.5.0, the
 * previous default, left standard support on 2026-11-21.
 */
export const EMR_SERVERLESS_RELEASES = [
  "emr-6.6.0",
  "emr-6.7.0",
  "emr-6.8.0",
  "emr-6.9.0",
  "emr-6.10.0",
  "emr-6.11.0",
  "emr-6.12.0",
  "emr-6.13.0",
  "emr-6.14.0",
  "emr-6.15.0",
  "emr-7.0.0",
  "emr-7.1.0",
  "emr-7.2.0",
  "emr-7.3.0",
  "emr-7.4.0",
  "emr-7.5.0",
  "emr-7.6.0",
  "emr-7.7.0",
  "emr-7.8.0",
  "emr-7.9.0",
  "emr-7.10.0",
  "emr-7.11.0",
  "emr-7.12.0",
  "emr-7.13.0",
  "emr-7.14.0",
] as const;

/** The release of `provider.spark()` when none is given: the newest 7.x in standard support. */
export const DEFAULT_EMR_RELEASE = "emr-7.14.0";

/**
 * The first release whose PySpark (3.4) has `spark.sql(sql, args=…)`, which the Spark driver uses for a
 * task's params.
 */
export const EMR_RELEASE_FOR_SQL_PARAMS = "emr-6.12.0";

/** `emr-6.12.0` → `[6, 12, 0]`; null when the label is not of the `emr-X.Y.Z` form. */
export function emrReleaseVersion(label: string): readonly [number, number, number] | null {
  const match = /^emr-(\d+)\.(\d+)\.(\d+)$/.exec(label);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : null;
}

/** True when release `a` is `b` or later; false when either is not of the `emr-X.Y.Z` form. */
export function emrReleaseAtLeast(a: string, b: string): boolean {
  const [x, y] = [emrReleaseVersion(a), emrReleaseVersion(b)];
  if (!x || !y) return false;
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return (x[i] as number) > (y[i] as number);
  return true;
}

/**
 * The real releases closest to a label that is not one, for an error message: by version distance when the
 * label has the `emr-X.Y.Z` form (`emr-7.15.0` → the newest ones, `emr-6.10.1` → emr-6.10.0, emr-6.11.0 …),
 * otherwise the newest.
 *
 * @example
 * ```ts
 * nearestEmrReleases("emr-6.10.1") // ["emr-6.10.0", "emr-6.11.0", "emr-6.9.0"]
 * ```
 */
export function nearestEmrReleases(label: string, count = 3): string[] {
  const version = emrReleaseVersion(label);
  const newest = [...EMR_SERVERLESS_RELEASES].reverse();
  if (!version) return newest.slice(0, count);
  const distance = (release: string): number => {
    const [a, b, c] = emrReleaseVersion(release) as readonly [number, number, number];
    return Math.abs((a - version[0]) * 10_000 + (b - version[1]) * 100 + (c - version[2]));
  };
  return [...newest].sort((x, y) => distance(x) - distance(y)).slice(0, count);
}
