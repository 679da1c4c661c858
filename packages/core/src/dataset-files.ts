/**
 * Which files belong to a dataset bucket (a directory `daily/` or a glob `events/*.jsonl`): the one
 * definition the local executor, the cloud executor and the analyzer share, on disk and in S3 alike.
 *
 * - The glob is picomatch's: `*` and `?` within one path segment, `**` across segments, `{a,b}` alternatives,
 *   `[abc]` classes. A directory holds every file under it.
 * - Hidden files and markers are not data: a path segment (below the dataset's literal root) starting with `.`
 *   or `_` — `_SUCCESS`, `_glacier_manifest.json`, `_temporary/`, `.crc` files — is skipped, even when the glob
 *   would match it.
 */

/**
 * The literal part of a dataset path before its first wildcard segment: the directory (or S3 prefix) to list.
 *
 * @example
 * ```ts
 * datasetRoot("events/2024-*\/part-*.jsonl"); // "events/"
 * datasetRoot("daily/");                       // "daily/"
 * datasetRoot("*.csv");                        // ""
 * ```
 */
export function datasetRoot(path: string): string {
  if (path.endsWith("/")) return path;
  const segments = path.split("/");
  const literal: string[] = [];
  for (const segment of segments) {
    if (/[*?[{]/.test(segment)) break;
    literal.push(segment);
  }
  if (literal.length === segments.length) return path;
  return literal.length === 0 ? "" : `${literal.join("/")}/`;
}

/**
 * True for a data file, given its path relative to the dataset's root: not a directory, and no segment is
 * hidden (`.x`) or a marker (`_x`).
 *
 * @example
 * ```ts
 * isDataFile("day=1/part-0.parquet"); // true
 * isDataFile("_SUCCESS");             // false
 * isDataFile("day=1/.part-0.crc");    // false
 * ```
 */
export function isDataFile(relative: string): boolean {
  if (relative === "" || relative.endsWith("/")) return false; // a directory (S3's "folder" objects too)
  return !relative.split("/").some((s) => s.startsWith(".") || s.startsWith("_"));
}

/**
 * A predicate over whole keys (paths relative to the bucket) that says which belong to the dataset at
 * `path`. picomatch is loaded on first use: only datasets need it.
 *
 * @example
 * ```ts
 * const matches = await datasetMatcher("events/{2023,2024}-*.jsonl");
 * matches("events/2024-01.jsonl"); // true
 * matches("events/2022-01.jsonl"); // false
 * matches("events/_SUCCESS");      // false
 * ```
 */
export async function datasetMatcher(path: string): Promise<(key: string) => boolean> {
  const root = datasetRoot(path);
  if (path.endsWith("/")) return (key) => key.startsWith(root) && isDataFile(key.slice(root.length));
  const { default: picomatch } = await import("picomatch");
  // The root is literal (a directory may be named "(2024)"): only the part below it is a glob.
  const glob = picomatch(path.slice(root.length), { dot: false });
  return (key) => {
    if (!key.startsWith(root)) return false;
    const relative = key.slice(root.length);
    return isDataFile(relative) && glob(relative);
  };
}
