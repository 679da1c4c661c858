import { isAbsolute, join, resolve } from "node:path";
import type { BucketNode } from "@glacier/core";
import { absurd } from "@glacier/core/internal";

/** S3 connection settings. Absent fields come from the standard AWS configuration (env vars, profiles). */
export interface S3Options {
  /** An S3-compatible endpoint, e.g. `http://127.0.0.1:9000`. Default: `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL`. */
  readonly endpoint?: string;
  readonly region?: string;
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
  readonly sessionToken?: string;
  /** Allow `http://` endpoints. Default: true when the endpoint is `http://`. */
  readonly allowHttp?: boolean;
}

/** Where data lives: S3 settings, or a local directory standing in for every S3 bucket. */
export interface StorageOptions {
  /** Maps every S3 bucket to `<localStorage>/<bucket>/<path>` (offline development). */
  readonly localStorage?: string;
  readonly s3?: S3Options;
}

/** A bucket's data on disk or in S3. For a dataset, `path`/`key` is the directory or glob. */
export type ResolvedLocation =
  | { readonly kind: "file"; readonly path: string }
  | {
      readonly kind: "s3";
      readonly url: string;
      readonly bucket: string;
      readonly key: string;
      /** Options for polars' cloud scans and sinks (`aws_endpoint_url`, `aws_region`, …). */
      readonly cloudOptions: Readonly<Record<string, string>>;
    };

function env(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === "" ? undefined : value;
}

/**
 * The S3 settings in force: explicit options first, then the standard AWS environment variables
 * (`AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL`, `AWS_REGION` / `AWS_DEFAULT_REGION`, `AWS_ACCESS_KEY_ID`,
 * `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`), then the provider's region. Static credentials from the
 * environment are made explicit so polars and the SDK use the very same ones.
 */
export function effectiveS3(storage: StorageOptions | undefined, providerRegion?: string): S3Options {
  const given = storage?.s3 ?? {};
  const endpoint = given.endpoint ?? env("AWS_ENDPOINT_URL_S3") ?? env("AWS_ENDPOINT_URL");
  const region = given.region ?? env("AWS_REGION") ?? env("AWS_DEFAULT_REGION") ?? providerRegion;
  const explicit = given.accessKeyId !== undefined && given.secretAccessKey !== undefined;
  const accessKeyId = explicit ? given.accessKeyId : env("AWS_ACCESS_KEY_ID");
  const secretAccessKey = explicit ? given.secretAccessKey : env("AWS_SECRET_ACCESS_KEY");
  const sessionToken = explicit ? given.sessionToken : env("AWS_SESSION_TOKEN");
  const credentials = accessKeyId !== undefined && secretAccessKey !== undefined;
  return {
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(region === undefined ? {} : { region }),
    ...(credentials ? { accessKeyId, secretAccessKey } : {}),
    ...(credentials && sessionToken !== undefined ? { sessionToken } : {}),
    allowHttp: given.allowHttp ?? endpoint?.startsWith("http://") ?? false,
  };
}

/**
 * polars' `cloudOptions` for these settings. Credentials are passed only when given explicitly; otherwise
 * polars reads the same `AWS_*` variables the SDK does.
 */
export function polarsCloudOptions(s3: S3Options): Record<string, string> {
  const options: Record<string, string> = {};
  if (s3.endpoint !== undefined) options["aws_endpoint_url"] = s3.endpoint;
  if (s3.region !== undefined) options["aws_region"] = s3.region;
  if (s3.accessKeyId !== undefined) options["aws_access_key_id"] = s3.accessKeyId;
  if (s3.secretAccessKey !== undefined) options["aws_secret_access_key"] = s3.secretAccessKey;
  if (s3.sessionToken !== undefined) options["aws_session_token"] = s3.sessionToken;
  if (s3.allowHttp) options["aws_allow_http"] = "true";
  return options;
}

/** Splits `s3://bucket/key` into its parts. */
export function parseS3Url(url: string): { readonly bucket: string; readonly key: string } | null {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  return match ? { bucket: match[1] as string, key: match[2] as string } : null;
}

/** A local path for `s3://bucket/key` under `localStorage`, or null when S3 is not mapped. */
export function mapS3ToLocal(url: string, storage: StorageOptions | undefined): string | null {
  const parts = parseS3Url(url);
  if (!parts || storage?.localStorage === undefined) return null;
  return join(resolve(storage.localStorage), parts.bucket, parts.key);
}

/**
 * Where a bucket's data is for this run: a local path (local provider, or an aws provider mapped by
 * `localStorage`) or an S3 URL with the polars cloud options to reach it.
 *
 * @example
 * ```ts
 * resolveLocation(raw.node, { localStorage: "/tmp/lake" });
 * // { kind: "file", path: "/tmp/lake/acme-data/raw/sales.parquet" }
 * resolveLocation(raw.node, { s3: { endpoint: "http://127.0.0.1:4568" } });
 * // { kind: "s3", url: "s3://acme-data/raw/sales.parquet", bucket: "acme-data", key: "raw/sales.parquet",
 * //   cloudOptions: { aws_endpoint_url: "http://127.0.0.1:4568", aws_region: "eu-west-1", aws_allow_http: "true" } }
 * ```
 */
export function resolveLocation(bucket: BucketNode, storage?: StorageOptions): ResolvedLocation {
  const provider = bucket.provider;
  switch (provider.cloud) {
    case "local":
      return { kind: "file", path: keepSlash(resolve(bucket.location), bucket.location) };
    case "aws": {
      if (storage?.localStorage !== undefined) {
        const path = join(resolve(storage.localStorage), bucket.bucket, bucket.path);
        return { kind: "file", path: keepSlash(path, bucket.path) };
      }
      const s3 = effectiveS3(storage, provider.region);
      return {
        kind: "s3",
        url: bucket.location,
        bucket: bucket.bucket,
        key: bucket.path,
        cloudOptions: polarsCloudOptions(s3),
      };
    }
    default:
      return absurd(provider, "provider");
  }
}

/** `path.resolve` drops a trailing `/`, which marks a directory dataset: keep it. */
function keepSlash(path: string, original: string): string {
  return original.endsWith("/") && !path.endsWith("/") ? `${path}/` : path;
}

/** A local path made absolute (relative paths resolve against the working directory). */
export function absolutePath(path: string): string {
  return isAbsolute(path) ? path : resolve(path);
}

/** How a location reads in messages: the path or URL. */
export function describeLocation(location: ResolvedLocation): string {
  return location.kind === "file" ? location.path : location.url;
}
