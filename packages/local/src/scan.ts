import { join } from "node:path";
import { type BucketNode, type Format, GlacierError } from "@glacier/core";
import { absurd, FILE_EXTENSIONS } from "@glacier/core/internal";
import { messageOf, storageError, storageProblem } from "./errors.js";
import { staticPrefix } from "./s3-objects.js";
import type { ContentFile } from "./content-fingerprint.js";
import type { LazyFrame, Polars } from "./polars.js";
import { actualSchema, polarsType, type ActualSchema } from "./schema-check.js";
import { describeLocation, type ResolvedLocation } from "./storage.js";

/** The file extension each format is written with (core's one definition). */
export const EXTENSIONS: Readonly<Record<Format, string>> = FILE_EXTENSIONS;

/**
 * nodejs-polars (0.24.1, still 0.26.1) honours `cloudOptions` only in its Parquet scan and sink; the CSV, NDJSON and IPC readers and
 * writers take S3 settings from the `AWS_*` environment variables, which polars (Rust) reads from the process
 * environment when it runs. Explicit settings are therefore exported there too.
 */
export function exportCloudEnv(cloudOptions: Readonly<Record<string, string>>): void {
  const names: Readonly<Record<string, string>> = {
    aws_endpoint_url: "AWS_ENDPOINT_URL",
    aws_region: "AWS_REGION",
    aws_access_key_id: "AWS_ACCESS_KEY_ID",
    aws_secret_access_key: "AWS_SECRET_ACCESS_KEY",
    aws_session_token: "AWS_SESSION_TOKEN",
    aws_allow_http: "AWS_ALLOW_HTTP",
  };
  for (const [option, variable] of Object.entries(names)) {
    const value = cloudOptions[option];
    if (value !== undefined && process.env[variable] !== value) process.env[variable] = value;
  }
}

function extensionOf(relative: string): string {
  const name = relative.split("/").pop() ?? "";
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(dot + 1) : "";
}

/** True when a dataset's files sit in `key=value` directories (hive partitioning). */
export function isHivePartitioned(files: readonly ContentFile[]): boolean {
  return files.some((f) =>
    f.relative
      .split("/")
      .slice(0, -1)
      .some((segment) => /^[^=]+=[^=]*$/.test(segment)),
  );
}

/**
 * What polars reads for a bucket: the file itself, or for a dataset a glob. polars would read every file of a
 * bare directory, hidden temporaries and `_SUCCESS` markers included, so a directory becomes
 * `dir/**\/*.<ext>` with the extension its files share.
 */
export function scanTarget(
  bucket: BucketNode,
  location: ResolvedLocation,
  files: readonly ContentFile[],
): string {
  const base = describeLocation(location);
  if (!bucket.dataset || !base.endsWith("/")) return base;
  const extensions = [...new Set(files.map((f) => extensionOf(f.relative)))];
  if (extensions.length > 1) {
    throw new GlacierError(
      "SOURCE_UNREADABLE",
      `the dataset ${base} holds files of several types (${extensions.map((e) => `.${e || "(none)"}`).join(", ")}).`,
      {
        subject: { kind: "bucket", name: bucket.id },
        hint: `Keep one format per dataset, or point the bucket at a glob such as "${bucket.path}**/*.${EXTENSIONS[bucket.format]}".`,
      },
    );
  }
  return `${base}**/*.${extensions[0] || EXTENSIONS[bucket.format]}`;
}

/**
 * Lazily scans a bucket with the polars reader of its format. `files` (from the bucket's fingerprint) decide
 * the glob and hive partitioning of a dataset; a CSV bucket with a declared schema is read with those types.
 */
export function scanBucket(
  pl: Polars,
  bucket: BucketNode,
  location: ResolvedLocation,
  files: readonly ContentFile[],
): LazyFrame {
  const target = scanTarget(bucket, location, files);
  const cloud = location.kind === "s3" ? { cloudOptions: { ...location.cloudOptions } } : {};
  if (location.kind === "s3" && bucket.format !== "parquet") exportCloudEnv(location.cloudOptions);
  if (bucket.dataset && target.includes("{")) {
    // polars' globs have no braces: read the files the listing matched, one scan each.
    const root =
      location.kind === "file"
        ? staticPrefix(location.path)
        : `s3://${location.bucket}/${staticPrefix(location.key)}`;
    const single = { ...bucket, dataset: false };
    return pl.concat(
      files.map((f) => scanBucket(pl, single, withPath(location, root + f.relative), [f])),
      { how: "vertical" },
    ) as unknown as LazyFrame;
  }
  switch (bucket.format) {
    case "parquet":
      return pl.scanParquet(target, {
        ...cloud,
        // Every partition of a partitioned bucket: its key directories (`day=…/`) are Glacier's layout, not
        // data, so no column comes from them, as with `{day}/` or `{day}.parquet` and in the Spark driver.
        ...(bucket.allPartitionsOf
          ? { hivePartitioning: false }
          : bucket.dataset && isHivePartitioned(files)
            ? { hivePartitioning: true }
            : {}),
      });
    case "csv": {
      const inferred = pl.scanCSV(target);
      if (!bucket.schema) return inferred;
      // CSV holds no types: the declared schema is the truth, applied when the header has its columns.
      const header = inferred.columns;
      const declared = bucket.schema;
      if (header.length !== Object.keys(declared).length || header.some((c) => !(c in declared))) {
        return inferred;
      }
      const schema = Object.fromEntries(header.map((c) => [c, polarsType(pl, declared[c] as never)]));
      return pl.scanCSV(target, { schema: schema as never });
    }
    case "ndjson":
      return pl.scanJson(target);
    case "ipc":
      return pl.scanIPC(target);
    default:
      return absurd(bucket.format, "format");
  }
}

/** One file of a dataset as its own location (`relative` to the dataset's directory or glob's literal prefix). */
export function fileLocation(location: ResolvedLocation, relative: string): ResolvedLocation {
  if (location.kind === "file") {
    const root = location.path.endsWith("/") ? location.path : staticPrefix(location.path);
    return { kind: "file", path: join(root, relative) };
  }
  const root = location.key.endsWith("/") ? location.key : staticPrefix(location.key);
  return { ...location, key: `${root}${relative}`, url: `s3://${location.bucket}/${root}${relative}` };
}

function withPath(location: ResolvedLocation, full: string): ResolvedLocation {
  return location.kind === "file" ? { kind: "file", path: full } : { ...location, url: full };
}

/** A scan failure as an error naming the bucket: SOURCE_MISSING, STORAGE_ERROR or SOURCE_UNREADABLE. */
export function scanError(error: unknown, bucket: BucketNode, location: ResolvedLocation): GlacierError {
  if (GlacierError.is(error)) return error;
  const where = describeLocation(location);
  const message = messageOf(error);
  const problem = storageProblem(error);
  if (/expanded paths were empty|No such file or directory/.test(message) || problem === "missing") {
    return new GlacierError("SOURCE_MISSING", `${where} does not exist.`, {
      subject: { kind: "bucket", name: bucket.id },
      hint: "Create the data first, or fix the bucket's path.",
      cause: error,
    });
  }
  if (location.kind === "s3" && (problem === "denied" || problem === "unreachable")) {
    return storageError("cannot read", where, error, { kind: "bucket", name: bucket.id });
  }
  return new GlacierError(
    "SOURCE_UNREADABLE",
    `${where} cannot be read as ${bucket.format}: ${messageOf(error, true)}`,
    {
      subject: { kind: "bucket", name: bucket.id },
      hint: `Check that the data is ${bucket.format} (or set the bucket's format) and not truncated.`,
      cause: error,
    },
  );
}

/** A bucket's lazy frame and, when probed, its schema. */
export interface OpenedSource {
  readonly frame: LazyFrame;
  readonly schema?: ActualSchema;
}

/**
 * Scans a bucket; with `probe`, also resolves its schema now (reading only a Parquet footer or a CSV header),
 * so a missing, unreadable or forbidden source fails here, named, instead of deep inside a task.
 */
export function openSource(
  pl: Polars,
  bucket: BucketNode,
  location: ResolvedLocation,
  files: readonly ContentFile[],
  options: { readonly probe: boolean },
): OpenedSource {
  try {
    const frame = scanBucket(pl, bucket, location, files);
    if (!options.probe) return { frame };
    return { frame, schema: actualSchema(frame.limit(0).collectSync()) };
  } catch (error) {
    throw scanError(error, bucket, location);
  }
}
