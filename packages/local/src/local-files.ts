import { statSync } from "node:fs";
import { join } from "node:path";
import { datasetMatcher, datasetRoot } from "@glacier/core/internal";

/** A local file of a dataset with the stat fields its content fingerprint is cached by. */
export interface LocalFile {
  /** Absolute path. */
  readonly path: string;
  /** Path relative to the dataset's root (its directory, or the glob's literal prefix). */
  readonly relative: string;
  readonly size: number;
  /** `size:mtimeNs:ctimeNs:ino`: changes whenever the file is rewritten. */
  readonly statKey: string;
}

/**
 * The stat of a local file as a cache key, or null when it does not exist. Synchronous: one `stat` takes
 * microseconds, its round trip through libuv's thread pool several times that, and a run stats every input
 * and output of every step.
 */
export async function statFile(path: string): Promise<{ size: number; statKey: string } | null> {
  try {
    const s = statSync(path, { bigint: true });
    if (!s.isFile()) return null;
    return { size: Number(s.size), statKey: `${s.size}:${s.mtimeNs}:${s.ctimeNs}:${s.ino}` };
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT" || (error as { code?: string }).code === "ENOTDIR") {
      return null;
    }
    throw error;
  }
}

/**
 * The files of a local dataset: everything under a directory (`daily/`) or matching a glob (`raw/*.parquet`),
 * without hidden files or `_SUCCESS`-style markers, sorted by path.
 */
export async function listLocalDataset(path: string): Promise<LocalFile[]> {
  const root = datasetRoot(path);
  const pattern = path.endsWith("/") ? "**/*" : path.slice(root.length);
  let found: string[];
  try {
    // Loaded on first use: only datasets need it.
    const { glob } = await import("tinyglobby");
    found = await glob(pattern, { cwd: root, onlyFiles: true, dot: false, expandDirectories: false });
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return [];
    throw error;
  }
  const files: LocalFile[] = [];
  // tinyglobby walks only where the glob can match; core's matcher decides, as it does for S3 and analyze.
  const matches = await datasetMatcher(path);
  for (const relative of found.filter((f) => matches(root + f)).sort()) {
    const full = join(root, relative);
    const s = await statFile(full);
    if (s) files.push({ path: full, relative, ...s });
  }
  return files;
}
