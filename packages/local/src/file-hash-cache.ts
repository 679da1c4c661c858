import { hashFile } from "./content-hash.js";
import { statFile } from "./local-files.js";
import { readJson, writeJsonAtomic, type RunStore } from "@glacier/engine";

interface Entry {
  readonly path: string;
  readonly statKey: string;
  readonly hash: string;
}

/**
 * Files this small get no cache entry: reading and hashing one again next run costs about what reading its
 * entry would, and writing the entry (a new file and a rename, per step output) was a measurable part of a
 * tiny step. Larger files keep theirs: re-reading many files of a few hundred KiB on every run would not pay.
 */
export const UNCACHED_BYTES = 16 * 1024;

/** The size a stat key (`size:mtimeNs:ctimeNs:ino`) starts with. */
function sizeOf(statKey: string): number {
  return Number(statKey.slice(0, statKey.indexOf(":")));
}

/**
 * Content hashes of local files, cached by `size:mtimeNs:ctimeNs:ino`. A file whose stat is unchanged is
 * not read again, so a no-op rerun costs one `stat` per file; a touched but unchanged file is re-hashed once
 * and still matches. Entries live in `.glacier/cache/files/` and are written atomically; in plan mode
 * (`readOnly`) nothing is written. The hash of a file of at most {@link UNCACHED_BYTES} is kept in memory only.
 */
export class FileHashCache {
  readonly #store: RunStore | undefined;
  readonly #readOnly: boolean;
  readonly #memory = new Map<string, Entry>();
  /** Hashes being computed, by path: concurrent readers of one file share a single read. */
  readonly #pending = new Map<string, { readonly statKey: string; readonly hash: Promise<string> }>();

  constructor(store: RunStore | undefined, options: { readOnly?: boolean } = {}) {
    this.#store = store;
    this.#readOnly = options.readOnly ?? false;
  }

  /**
   * The hash of a file whose stat key is known, reading the file only on a cache miss. Calls for the same
   * file and stat key while it is being read share that read: a step's output is hashed once, in the
   * background after its commit, however many consumers ask for it meanwhile.
   */
  hash(path: string, statKey: string): Promise<string> {
    const pending = this.#pending.get(path);
    if (pending?.statKey === statKey) return pending.hash;
    const hash = this.#compute(path, statKey);
    this.#pending.set(path, { statKey, hash });
    const done = (): void => {
      if (this.#pending.get(path)?.hash === hash) this.#pending.delete(path);
    };
    hash.then(done, done);
    return hash;
  }

  async #compute(path: string, statKey: string): Promise<string> {
    const cached = await this.#lookup(path);
    if (cached?.statKey === statKey) return cached.hash;
    const hash = await hashFile(path, sizeOf(statKey));
    const after = await statFile(path);
    // A file rewritten while it was read gets no cache entry: its next reader hashes it again.
    if (after?.statKey === statKey) await this.remember(path, statKey, hash);
    return hash;
  }

  /** Records a hash computed elsewhere. */
  async remember(path: string, statKey: string, hash: string): Promise<void> {
    const entry = { path, statKey, hash };
    this.#memory.set(path, entry);
    if (!(sizeOf(statKey) <= UNCACHED_BYTES) && this.#store && !this.#readOnly) {
      await writeJsonAtomic(this.#store.cachePath("files", path), entry);
    }
  }

  async #lookup(path: string): Promise<Entry | null> {
    const known = this.#memory.get(path);
    if (known) return known;
    if (!this.#store) return null;
    const entry = await readJson<Entry>(this.#store.cachePath("files", path));
    if (entry?.path !== path) return null;
    this.#memory.set(path, entry);
    return entry;
  }
}
