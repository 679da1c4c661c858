import { randomBytes } from "node:crypto";
import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  writevSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import { shortHash } from "@glacier/core/internal";
import type { ExecutorMode } from "./run-record.js";

/**
 * The layout of `<projectDir>/.glacier/`, the same for local and cloud runs:
 *
 * ```
 * .glacier/
 *   runs/<runId>/run.json        the run record (mode, params, options, per step status, reason, fingerprint …)
 *   runs/<runId>/log.jsonl       the run's structured log, one JSON object per line
 *   state/<mode>/<step>.json     the last successful run of each step in that mode (local, cloud)
 *   cache/<kind>/<key>.json      an executor's caches (local: file hashes, probed sources)
 *   locks/<output>.lock          which run is writing an output right now
 * ```
 *
 * Every file named after a step, a path or a location is named by {@link fileKey}.
 *
 * @example
 * ```ts
 * new RunStore("/work/shop").statePath("cloud", "cleanSales->acme/clean/sales.parquet");
 * // "/work/shop/.glacier/state/cloud/cleanSales-_acme_clean_sales.parquet-3f2a9c1b7d0e.json"
 * ```
 */
export class RunStore {
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
  recordPath(runId: string): string {
    return join(this.runDir(runId), "run.json");
  }
  logPath(runId: string): string {
    return join(this.runDir(runId), "log.jsonl");
  }
  statePath(mode: ExecutorMode, stepId: string): string {
    return join(this.root, "state", mode, `${fileKey(stepId)}.json`);
  }
  cachePath(kind: string, key: string): string {
    return join(this.root, "cache", kind, `${fileKey(key)}.json`);
  }
  lockPath(location: string): string {
    return join(this.root, "locks", `${fileKey(location)}.lock`);
  }
}

/**
 * A file name for any string: a readable slug plus a hash (core's `shortHash`), so distinct keys never collide.
 *
 * @example
 * ```ts
 * fileKey("acme/raw/sales.parquet"); // "acme_raw_sales.parquet-6d1c0e9f2b3a"
 * ```
 */
export function fileKey(text: string): string {
  let key = fileKeys.get(text);
  if (key === undefined) {
    const slug = text
      .replace(/[^A-Za-z0-9._-]+/g, "_")
      .replace(/^[._]+/, "")
      .slice(-60);
    key = `${slug}-${shortHash(text, 12)}`;
    // A run asks for each step's and each file's key several times (a hash each); a long-lived process forgets.
    if (fileKeys.size >= FILE_KEYS_KEPT) fileKeys.clear();
    fileKeys.set(text, key);
  }
  return key;
}

const FILE_KEYS_KEPT = 10_000;
const fileKeys = new Map<string, string>();

/** Reads a JSON file, or returns null when it is absent or unreadable (a torn write from a killed run). */
export async function readJson<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as T;
  } catch {
    return null;
  }
}

/** Writes JSON atomically: a temporary file beside the target, then a rename. */
export function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  return writeTextAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * What makes this process's temporary names unique: its pid, a random tag drawn once (a recycled pid, another
 * host on a shared disk) and a counter (concurrent writes of one path). Random bytes for every write were a
 * measurable part of a tiny step.
 */
const TEMP_TAG = randomBytes(4).toString("hex");
let tempCount = 0;

/**
 * Writes text atomically: a temporary file beside the target, then a rename. The directory is made only when
 * the first write finds it missing: a run writes its record and state files thousands of times into a few
 * directories, and a `mkdir` before each write was a syscall per write for nothing. The text may come in
 * pieces, written in order with one `writev` (the run record: its parts are kept encoded, never joined).
 *
 * The file operations are synchronous (so is {@link readJson}): the files are small and local, each operation
 * takes microseconds, and through libuv's thread pool each was a round trip — a hand-off to a pool thread and a
 * wake-up of the event loop — costing several times that. A step's state, hash-cache entry and record took
 * about a dozen such trips per step, the largest part of a tiny step's overhead after the task itself.
 */
export async function writeTextAtomic(path: string, text: string | readonly Uint8Array[]): Promise<void> {
  writeTextAtomicSync(path, text);
  return Promise.resolve();
}

function writeTextAtomicSync(path: string, text: string | readonly Uint8Array[]): void {
  const temp = `${path}.${process.pid}-${TEMP_TAG}-${(tempCount++).toString(36)}.tmp`;
  try {
    try {
      writeTo(temp, text);
    } catch (error) {
      if ((error as { code?: string }).code !== "ENOENT") throw error;
      mkdirSync(dirname(path), { recursive: true });
      writeTo(temp, text);
    }
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

function writeTo(file: string, text: string | readonly Uint8Array[]): void {
  if (typeof text === "string") return writeFileSync(file, text);
  const fd = openSync(file, "w");
  try {
    const expected = text.reduce((sum, piece) => sum + piece.byteLength, 0);
    const bytesWritten = writevSync(fd, text as Uint8Array[]);
    if (bytesWritten !== expected) throw new Error(`${file}: wrote ${bytesWritten} of ${expected} bytes`);
  } finally {
    closeSync(fd);
  }
}
