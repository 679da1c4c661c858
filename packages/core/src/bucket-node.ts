import { controlCharacterIn } from "./control-characters.js";
import { GlacierError, shown } from "./errors.js";
import { isDatasetPath, resolveFormat } from "./formats.js";
import { checkList, type CheckNode } from "./checks.js";
import type { BucketNode, ExpectedSize, ProviderNode } from "./nodes.js";
import { checkPartitionedPath, checkScheme, partitionPath, type PartitionScheme } from "./partitions.js";
import { checkSchema, type Schema } from "./schema.js";
import { deepFreeze } from "./stable-id.js";

/** Options of `provider.bucket()`. */
export interface BucketOptions {
  /** The S3 bucket name (aws) or top directory under basePath (local). */
  readonly bucket: string;
  /** Key or key pattern in the bucket: `raw/sales.parquet`, `events/*.jsonl`, `daily/` (a directory dataset). */
  readonly path: string;
  /** Overrides the format inferred from the extension. */
  readonly format?: "parquet" | "csv" | "ndjson" | "ipc";
  /** Declared columns, checked against data before and after each step. */
  readonly schema?: Schema;
  /** Owned elsewhere: generated infrastructure references it and never creates it. */
  readonly external?: boolean;
  /** Declared size of the data (`{ bytes: 5e9, rows: 1e8 }`), for `glacier analyze --offline`. */
  readonly expectedSize?: ExpectedSize;
  /**
   * The KMS key (a key ARN, not an alias) encrypting the bucket's objects (SSE-KMS). `generate` grants each
   * step that reads or writes here `kms:Decrypt` (and `kms:GenerateDataKey` to write) on this key only, and
   * a bucket it creates gets it as default encryption. All locations in one S3 bucket give the same key.
   * Local providers ignore it.
   */
  readonly kmsKeyArn?: string;
  /**
   * Checks the result of the step writing here must pass before it replaces the stored data
   * (`[check.notNull("id"), check.unique("id")]`); `glacier check` runs them on what is stored.
   */
  readonly checks?: readonly CheckNode[];
  /**
   * Splits the bucket into partitions whose key appears in `path` as a placeholder:
   * `partitions: daily({ start: "2026-01-01" })` with `path: "events/day={day}/"`. A step whose input and
   * output share the scheme runs once per partition (`ctx.partition` holds the key).
   */
  readonly partitions?: PartitionScheme;
}

/** A KMS key ARN: IAM matches key usage against the key's ARN, never its alias. */
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d:\d{12}:key\/[A-Za-z0-9-]+$/;

function checkKmsKeyArn(value: unknown, id: string): string {
  const subject = { kind: "bucket", name: id } as const;
  if (typeof value !== "string" || !KMS_KEY_ARN.test(value)) {
    throw new GlacierError("INVALID_BUCKET", `kmsKeyArn ${shown(value)} is not a KMS key ARN.`, {
      subject,
      hint: 'Give the key\'s ARN, e.g. "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" (aliases cannot be granted by ARN).',
    });
  }
  return value;
}

function checkExpectedSize(value: unknown, id: string): ExpectedSize {
  const fail = (what: string) =>
    new GlacierError("INVALID_BUCKET", `expectedSize ${what}.`, {
      subject: { kind: "bucket", name: id },
      hint: "Write expectedSize: { bytes: 5_000_000_000, rows: 100_000_000 } (non-negative whole numbers).",
    });
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw fail("must be an object");
  const size: { bytes?: number; rows?: number } = {};
  for (const [key, n] of Object.entries(value)) {
    if (key !== "bytes" && key !== "rows") throw fail(`has an unknown field "${key}"`);
    if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
      throw fail(`${key} must be a non-negative whole number, got ${JSON.stringify(n)}`);
    }
    size[key] = n;
  }
  return size;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** S3's bucket naming rules, checked for aws providers. */
function s3NameProblem(name: string): string | null {
  if (name.length < 3 || name.length > 63) return "must be 3–63 characters long";
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name)) {
    return "may hold only lowercase letters, digits, dots and hyphens, and must begin and end with a letter or digit";
  }
  if (name.includes("..")) return "must not contain two adjacent dots";
  if (IPV4.test(name)) return "must not look like an IP address";
  if (/^(xn--|sthree-|amzn-s3-demo-)/.test(name) || /(-s3alias|--ol-s3|--x-s3)$/.test(name)) {
    return "uses a prefix or suffix AWS reserves";
  }
  return null;
}

function checkPath(path: unknown, id: string): string {
  const subject = { kind: "bucket", name: id } as const;
  if (typeof path !== "string" || path.trim() === "") {
    throw new GlacierError("INVALID_PATH", "the path is empty.", {
      subject,
      hint: `Give the key inside the bucket, e.g. path: "raw/sales.parquet".`,
    });
  }
  const control = controlCharacterIn(path);
  if (control !== null) {
    throw new GlacierError(
      "INVALID_PATH",
      `path ${JSON.stringify(path)} contains a control character (${control}).`,
      {
        subject: { kind: "bucket", name: JSON.stringify(id).slice(1, -1) },
        hint: "Remove line breaks, tabs and other control characters from the path.",
      },
    );
  }
  if (path.startsWith("/") || path.includes("\\")) {
    throw new GlacierError("INVALID_PATH", `path "${path}" must be relative, with / separators.`, {
      subject,
      hint: "Write the key without a leading / (the bucket is its root).",
    });
  }
  const segments = path.split("/");
  if (path.endsWith("/")) segments.pop();
  for (const segment of segments) {
    if (segment === "..") {
      throw new GlacierError("INVALID_PATH", `path "${path}" has a ".." segment.`, {
        subject,
        hint: "Paths stay inside their bucket: remove the .. segment.",
      });
    }
    if (segment === "" || segment === ".") {
      throw new GlacierError("INVALID_PATH", `path "${path}" has an empty or "." segment.`, {
        subject,
        hint: "Remove the doubled / or ./ from the path.",
      });
    }
  }
  return path;
}

/** @internal Builds and checks the node behind `provider.bucket()`. */
export function createBucketNode(provider: ProviderNode, options: BucketOptions): BucketNode {
  if (typeof options !== "object" || options === null) {
    throw new GlacierError("INVALID_BUCKET", "provider.bucket() needs { bucket, path }.", {
      hint: `Write provider.bucket({ bucket: "acme-data", path: "raw/sales.parquet" }).`,
    });
  }
  const { bucket } = options;
  if (typeof bucket !== "string" || bucket.trim() === "") {
    throw new GlacierError("INVALID_BUCKET", "the bucket name is empty.", {
      subject: {
        kind: "bucket",
        name: `(unnamed)/${typeof options.path === "string" ? options.path : "(no path)"}`,
      },
      hint: `Give the bucket a name, e.g. bucket: "acme-data".`,
    });
  }
  const id = `${bucket}/${typeof options.path === "string" ? options.path : "(no path)"}`;
  const control = controlCharacterIn(bucket);
  if (control !== null) {
    throw new GlacierError(
      "INVALID_BUCKET",
      `bucket name ${JSON.stringify(bucket)} contains a control character (${control}).`,
      {
        subject: { kind: "bucket", name: JSON.stringify(id).slice(1, -1) },
        hint: "Remove line breaks, tabs and other control characters from the bucket name.",
      },
    );
  }
  if (provider.cloud === "aws") {
    const problem = s3NameProblem(bucket);
    if (problem) {
      throw new GlacierError("INVALID_BUCKET", `"${bucket}" is not a valid S3 bucket name: it ${problem}.`, {
        subject: { kind: "bucket", name: id },
        hint: "Follow S3's bucket naming rules, e.g. acme-data-raw.",
      });
    }
  } else if (bucket.includes("/") || bucket.includes("\\") || bucket === "." || bucket === "..") {
    throw new GlacierError("INVALID_BUCKET", `"${bucket}" is not a directory name.`, {
      subject: { kind: "bucket", name: id },
      hint: `Use a plain directory name: no / or \\, and not "." or "..".`,
    });
  }
  const path = checkPath(options.path, id);
  const partitions =
    options.partitions === undefined
      ? undefined
      : checkScheme(options.partitions, { kind: "bucket", name: id });
  if (partitions) checkPartitionedPath(path, partitions, { kind: "bucket", name: id });
  // A partition is one file or directory: what the path names once the key fills its placeholder.
  const concrete = partitions ? partitionPath(path, partitions, "k") : path;
  const format = resolveFormat(concrete, options.format, id);
  const location =
    provider.cloud === "aws"
      ? `s3://${bucket}/${path}`
      : `${provider.basePath === "/" ? "" : provider.basePath}/${bucket}/${path}`;
  const schema = options.schema === undefined ? undefined : checkSchema(options.schema, id);
  if (options.external !== undefined && typeof options.external !== "boolean") {
    throw new GlacierError(
      "INVALID_BUCKET",
      `external must be true or false, got ${typeof options.external}.`,
      {
        subject: { kind: "bucket", name: id },
        hint: "Write external: true for a location owned elsewhere, or leave it out.",
      },
    );
  }
  const expectedSize =
    options.expectedSize === undefined ? undefined : checkExpectedSize(options.expectedSize, id);
  const kmsKeyArn = options.kmsKeyArn === undefined ? undefined : checkKmsKeyArn(options.kmsKeyArn, id);
  const checks =
    options.checks === undefined
      ? undefined
      : checkList(options.checks, { kind: "bucket", name: id }, schema);
  return deepFreeze({
    kind: "bucket",
    id,
    bucket,
    path,
    format,
    dataset: isDatasetPath(concrete),
    location,
    provider,
    ...(schema === undefined ? {} : { schema }),
    external: options.external ?? false,
    ...(expectedSize === undefined ? {} : { expectedSize }),
    ...(kmsKeyArn === undefined ? {} : { kmsKeyArn }),
    ...(checks === undefined || checks.length === 0 ? {} : { checks }),
    ...(partitions === undefined ? {} : { partitions }),
  });
}
