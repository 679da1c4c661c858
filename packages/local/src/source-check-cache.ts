import type { BucketNode } from "@glacier/core";
import { readJson, writeJsonAtomic, type RunStore } from "@glacier/engine";
import type { Content } from "./content-fingerprint.js";
import { describeLocation, type ResolvedLocation } from "./storage.js";

/** Raised when the preflight's read check changes, so passes of an older check are not trusted. */
const CHECK_VERSION = 1;

/** What a source passed: the check it passed (`check`) and the content it passed it with (`identity`). */
interface Entry {
  readonly check: string;
  readonly identity: string;
}

/**
 * Which sources passed the preflight's read check (`preflight.ts`: each file opens as its format, a dataset's
 * files agree, the schema matches the declaration) with exactly the content they hold now, so an unchanged
 * source is not opened again: a run with little to do neither loads polars on the main thread nor reads a footer
 * per source file. Keyed by what was checked — the location, format, dataset-ness and declared schema — and
 * valid only for the content's identity then: stat keys (`size:mtimeNs:ctimeNs:ino`) of local files, ETags and
 * sizes of S3 objects. A rewrite, even of the same size and with its mtime set back, changes the ctime and so the
 * identity; a changed declaration changes the key. Both mean a full check. Only passes are kept, under
 * `.glacier/cache/sources/`; plan mode (`readOnly`) reads them and writes none.
 *
 * The trade-off: a file corrupted in place without any change to its inode's metadata (a disk fault, a write
 * through a raw block device) passes unnoticed until a step reads it — which the content hash, also cached by
 * stat, would miss the same way.
 */
export class SourceCheckCache {
  readonly #store: RunStore;
  readonly #readOnly: boolean;

  constructor(store: RunStore, options: { readonly readOnly: boolean }) {
    this.#store = store;
    this.#readOnly = options.readOnly;
  }

  /** True when the source passed this same check with this same content. */
  async passed(bucket: BucketNode, location: ResolvedLocation, content: Content): Promise<boolean> {
    const check = checkKey(bucket, location);
    const entry = await readJson<Entry>(this.#store.cachePath("sources", check));
    return entry?.check === check && entry.identity === content.identity && content.identity !== "";
  }

  /** Records that the source passed with this content (nothing in plan mode). */
  async remember(bucket: BucketNode, location: ResolvedLocation, content: Content): Promise<void> {
    if (this.#readOnly || content.identity === "") return;
    const check = checkKey(bucket, location);
    // A cache: a store that cannot be written only costs the next run this check (the preflight reports the
    // store itself, STORAGE_ERROR, right after the sources).
    await writeJsonAtomic(this.#store.cachePath("sources", check), {
      check,
      identity: content.identity,
    }).catch(() => undefined);
  }
}

/** What the preflight checks of a source, as one string: where, how it is read, and what it must hold. */
function checkKey(bucket: BucketNode, location: ResolvedLocation): string {
  return JSON.stringify({
    version: CHECK_VERSION,
    at: describeLocation(location),
    format: bucket.format,
    dataset: bucket.dataset,
    schema: bucket.schema ?? null,
  });
}
