import { createHash } from "node:crypto";
import { zipSync, type Zippable } from "fflate";

/**
 * Zips that are byte-identical for identical contents, on any machine: entries sorted by path, one fixed
 * timestamp, fixed Unix permissions, and fflate's pure-JavaScript deflate (Node's zlib output can differ
 * between zlib builds and CPUs, which would change `source_code_hash` and redeploy unchanged code).
 */

/** One file of a zip. */
export interface ZipEntry {
  /** Path inside the zip, `/`-separated, e.g. `nodejs/node_modules/nodejs-polars/bin/index.js`. */
  readonly path: string;
  readonly data: Uint8Array;
}

/**
 * DOS timestamps are local time; a Date built from local fields encodes the same bytes in every time zone.
 * 1980-01-01 is the earliest DOS date.
 */
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);
/** `-rw-r--r--` as Unix external attributes (the Lambda runtime user must read every file). */
const FILE_ATTRIBUTES = 0o100644 << 16;
const UNIX = 3;

/**
 * @example
 * ```ts
 * const zip = deterministicZip([{ path: "index.mjs", data: code }]);
 * sha256Base64(zip) // the same string for the same code, every time: Lambda's source_code_hash
 * ```
 */
export function deterministicZip(entries: readonly ZipEntry[], level: 1 | 6 | 9 = 6): Uint8Array {
  const files: Zippable = {};
  for (const entry of [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    files[entry.path] = [entry.data, { level, mtime: FIXED_MTIME, os: UNIX, attrs: FILE_ATTRIBUTES }];
  }
  return zipSync(files);
}

/** Base64 SHA-256, the form of Lambda's `source_code_hash` / `CodeSha256`. */
export function sha256Base64(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("base64");
}
