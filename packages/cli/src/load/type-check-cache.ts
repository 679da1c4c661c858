import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { readJson, RunStore, writeJsonAtomic } from "@glacier/engine";

/** One file the compiler read: its stat key, and its content's hash for when only the stat moved. */
interface ReadFile {
  readonly path: string;
  readonly statKey: string;
  readonly hash: string;
}

/** A stored check: what it was asked, what it read, what it looked for and did not find, what it found. */
interface Entry<T> {
  readonly key: string;
  readonly read: readonly ReadFile[];
  readonly missing: readonly string[];
  readonly result: T;
}

/** What a check reads and probes, recorded through its compiler host and config reads. */
export interface ReadLog {
  /**
   * Files read (sources, declarations, tsconfig files and what they extend, package.json files), each with the
   * hash of the text the compiler got ({@link textHash}).
   */
  readonly read: Map<string, string>;
  /**
   * Paths probed that were not there, as `file:<path>` or `dir:<path>` (what was looked for): a file or
   * directory created there later could change how an import resolves.
   */
  readonly missing: Set<string>;
}

/** A new, empty {@link ReadLog}. */
export function readLog(): ReadLog {
  return { read: new Map(), missing: new Set() };
}

/** The hash of a file's text as the compiler reads it. */
export function textHash(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

async function statKey(path: string): Promise<string | null> {
  const s = await stat(path, { bigint: true }).catch(() => null);
  return s ? `${s.size}:${s.mtimeNs}:${s.ctimeNs}:${s.ino}` : null;
}

async function hashOf(path: string): Promise<string | null> {
  const text = await readFile(path, "utf8").catch(() => null);
  return text === null ? null : textHash(text);
}

/** The installed TypeScript's version, read from its package.json: the compiler itself is not loaded. */
function typeScriptVersion(): string {
  try {
    const manifest = createRequire(import.meta.url).resolve("typescript/package.json");
    return (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

/**
 * The result of a clean type check, kept under `.glacier/cache/typecheck/` and reused while nothing it depends on
 * changed, so `glacier validate` and `glacier run` on unchanged modules do not load the compiler (~1 s). A
 * result with errors is not kept (`typeCheck`): a run refused for them writes nothing.
 *
 * The key is what the check was asked: the root modules, the project directory, the tsconfig.json each root
 * uses and the TypeScript version. The entry holds every file the compiler read — the modules and what they
 * import, the declaration files of the libraries and of TypeScript's `lib`, the tsconfig files and what they
 * extend — each with its stat key (`size:mtimeNs:ctimeNs:ino`) and content hash, and every path it probed
 * and did not find. It is reused only when each read file has the same content (its stat key, or when only the
 * stat moved, its hash) and each probed path is still absent: an edited module, a changed compiler option
 * (it lives in a tsconfig file), an upgraded library or a new file that an import would now resolve to all
 * mean a full check. Compiler options that do not come from a file (the defaults) are fixed by the TypeScript
 * version and whether `@types/node` resolves — its files are among those read.
 *
 * @example
 * ```ts
 * const cache = new TypeCheckCache(projectDir, roots, configs);
 * (await cache.lookup()) ?? (await cache.store(await check(log), log));
 * ```
 */
export class TypeCheckCache<T> {
  readonly #path: string;
  readonly #key: string;

  constructor(projectDir: string, roots: readonly string[], configs: readonly (string | undefined)[]) {
    this.#key = JSON.stringify({
      typescript: typeScriptVersion(),
      projectDir: resolve(projectDir),
      roots: roots.map((root, i) => [resolve(root), configs[i] ?? null]).sort(),
    });
    this.#path = new RunStore(projectDir).cachePath("typecheck", this.#key);
  }

  /** The stored result when nothing it depends on changed; otherwise null. */
  async lookup(): Promise<T | null> {
    const entry = await readJson<Entry<T>>(this.#path);
    if (entry?.key !== this.#key) return null;
    const unchanged = await Promise.all([
      ...entry.read.map(async (file) => {
        const now = await statKey(file.path);
        if (now === null) return false;
        return now === file.statKey || (await hashOf(file.path)) === file.hash;
      }),
      ...entry.missing.map(async (probe) => {
        const [kind, path] = probe.startsWith("dir:") ? ["dir", probe.slice(4)] : ["file", probe.slice(5)];
        const found = await stat(path as string).catch(() => null);
        return kind === "dir" ? !found?.isDirectory() : !found?.isFile();
      }),
    ]);
    return unchanged.every(Boolean) ? entry.result : null;
  }

  /**
   * Stores a result with what its check read. Nothing is stored when a file no longer holds the text the
   * compiler read (it changed during the check): the result may not be that of its content now. A cache that
   * cannot be written costs only the next check.
   */
  async store(result: T, log: ReadLog): Promise<T> {
    const read: ReadFile[] = [];
    for (const [path, asRead] of [...log.read].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const key = await statKey(path);
      const hash = await hashOf(path);
      if (key === null || hash !== asRead) return result;
      read.push({ path, statKey: key, hash });
    }
    const entry: Entry<T> = { key: this.#key, read, missing: [...log.missing].sort(), result };
    await writeJsonAtomic(this.#path, entry).catch(() => undefined);
    return result;
  }
}
