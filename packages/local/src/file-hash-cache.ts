import { hashFile } from "./content-hash.js";
import { statFile } from "./local-files.js";
import { type ProjectStore, readJson, writeJsonAtomic } from "./project-store.js";

interface Entry {
  readonly path: string;
  readonly statKey: string;
  readonly hash: string;
}

/**
 * Content hashes of local files, cached by `size:mtimeNs:ctimeNs:ino`. A file whose stat is unchanged is
 * not read again, so a no-op rerun costs one `stat` per file; a touched but unchanged file is re-hashed once
 * and still matches. Entries live in `.glacier/cache/files/` and are written atomically; in plan mode
 * (`readOnly`) nothing is written.
 */
export class FileHashCache {
  readonly #store: ProjectStore | undefined;
  readonly #readOnly: boolean;
  readonly #memory = new Map<string, Entry>();

  constructor(store: ProjectStore | undefined, options: { readOnly?: boolean } = {}) {
    this.#store = store;
    this.#readOnly = options.readOnly ?? false;
  }

  /** The hash of a file whose stat key is known, reading the file only on a cache miss. */
  async hash(path: string, statKey: string): Promise<string> {
    const cached = await this.#lookup(path);
    if (cached?.statKey === statKey) return cached.hash;
    const hash = await hashFile(path);
    const after = await statFile(path);
    // A file rewritten while it was read gets no cache entry: its next reader hashes it again.
    if (after?.statKey === statKey) await this.remember(path, statKey, hash);
    return hash;
  }

  /** Records a hash computed elsewhere (a step's output, hashed while it was still a temporary file). */
  async remember(path: string, statKey: string, hash: string): Promise<void> {
    const entry = { path, statKey, hash };
    this.#memory.set(path, entry);
    if (this.#store && !this.#readOnly) await writeJsonAtomic(this.#store.fileCachePath(path), entry);
  }

  async #lookup(path: string): Promise<Entry | null> {
    const known = this.#memory.get(path);
    if (known) return known;
    if (!this.#store) return null;
    const entry = await readJson<Entry>(this.#store.fileCachePath(path));
    if (entry?.path !== path) return null;
    this.#memory.set(path, entry);
    return entry;
  }
}
