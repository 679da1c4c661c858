/**
 * Writers stage an S3 output under this prefix of its bucket and copy it into place when complete, so readers
 * never see half an object: `.glacier-tmp/<run token>/<output key>`. One definition for the local executor
 * (which writes there), the AWS model (the IAM policies, the Spark driver and the bucket's lifecycle rule).
 *
 * @example
 * ```ts
 * `${ATOMIC_TEMP_PREFIX}20240131T120000Z-3f2a-9c1e/clean/sales.parquet`
 * // ".glacier-tmp/20240131T120000Z-3f2a-9c1e/clean/sales.parquet"
 * ```
 */
export const ATOMIC_TEMP_PREFIX = ".glacier-tmp/";
