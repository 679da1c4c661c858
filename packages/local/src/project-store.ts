import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";

/**
 * The layout of `<projectDir>/.glacier/`:
 *
 * ```
 * .glacier/
 *   runs/<runId>/run.json    the run record (params, per step fingerprint, status, rows, bytes, duration, error)
 *   runs/<runId>/log.jsonl   structured log, one JSON object per line, with step names
 *   state/<step>.json        the last successful run of each step: its fingerprint and output fingerprint
 *   cache/files/<path>.json  content hashes of local files, keyed by size, mtime, ctime and inode
 *   locks/<output>.lock      which run is writing an output right now
 * ```
 */
export class ProjectStore {
  readonly root: string;

  constructor(projectDir: string = process.cwd()) {
    this.root = join(resolve(projectDir), ".glacier");
  }

  runsDir(): string {
    return join(this.root, "runs");
  }
  runDir(runId: string): string {
    return join(this.root, "runs", runId);
  }
  statePath(stepId: string): string {
    return join(this.root, "state", `${fileKey(stepId)}.json`);
  }
  fileCachePath(path: string): string {
    return join(this.root, "cache", "files", `${fileKey(path)}.json`);
  }
  lockPath(location: string): string {
    return join(this.root, "locks", `${fileKey(location)}.lock`);
  }
}

/** A file name for any string: a readable slug plus a hash, so distinct keys never collide. */
export function fileKey(text: string): string {
  const slug = text
    .replace(/[^A-Za-z0-9._-]+/g, "_")
    .replace(/^[._]+/, "")
    .slice(-60);
  return `${slug}-${createHash("sha1").update(text).digest("hex").slice(0, 12)}`;
}

/** Reads a JSON file, or returns null when it is absent or unreadable (a torn write from a killed run). */
export async function readJson<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as T;
  } catch {
    return null;
  }
}

/** Writes JSON atomically: a temporary file beside the target, then a rename. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(temp, `${JSON.stringify(value, null, 2)}\n`);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
