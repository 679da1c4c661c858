import { GlacierError } from "./errors.js";

/** The storage formats a bucket can hold. */
export const FORMATS = Object.freeze(["parquet", "csv", "ndjson", "ipc"] as const);
export type Format = (typeof FORMATS)[number];

/** The file extension a format is written with (a directory dataset's files, a temporary file's name). */
export const FILE_EXTENSIONS: Readonly<Record<Format, string>> = Object.freeze({
  parquet: "parquet",
  csv: "csv",
  ndjson: "ndjson",
  ipc: "arrow",
});

const EXTENSIONS: Readonly<Record<string, Format>> = {
  parquet: "parquet",
  pq: "parquet",
  csv: "csv",
  ndjson: "ndjson",
  jsonl: "ndjson",
  arrow: "ipc",
  ipc: "ipc",
  feather: "ipc",
};

/** True when `path` names many files: a glob, or a directory (trailing `/`). */
export function isDatasetPath(path: string): boolean {
  return path.endsWith("/") || /[*?[{]/.test(path);
}

/**
 * The format of a bucket: the one given, else the one its extension names.
 *
 * @example
 * ```ts
 * resolveFormat("raw/sales.parquet") // "parquet"
 * resolveFormat("events/*.jsonl")    // "ndjson"
 * ```
 */
export function resolveFormat(path: string, given: string | undefined, bucketId: string): Format {
  if (given !== undefined) {
    if ((FORMATS as readonly string[]).includes(given)) return given as Format;
    throw new GlacierError("UNKNOWN_FORMAT", `format "${given}" is not one of ${FORMATS.join(", ")}.`, {
      subject: { kind: "bucket", name: bucketId },
      hint: `Set format to one of: ${FORMATS.join(", ")}.`,
    });
  }
  const last = path.split("/").filter(Boolean).pop() ?? "";
  const dot = last.lastIndexOf(".");
  const ext = dot >= 0 ? last.slice(dot + 1).toLowerCase() : "";
  const format = EXTENSIONS[ext];
  if (format) return format;
  throw new GlacierError(
    "UNKNOWN_FORMAT",
    ext
      ? `cannot infer a format from the extension ".${ext}".`
      : isDatasetPath(path)
        ? `cannot infer the format of the dataset "${path}": the path names no file extension.`
        : `cannot infer a format from "${path}": it has no file extension.`,
    {
      subject: { kind: "bucket", name: bucketId },
      hint: `Use one of .parquet, .csv, .ndjson/.jsonl, .arrow/.ipc, or pass format: "parquet" | "csv" | "ndjson" | "ipc".`,
    },
  );
}
