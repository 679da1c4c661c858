import type { BucketNode, LineageGraph, ParamValue } from "@glacier/core";
import { fingerprintContent, type Content } from "./content-fingerprint.js";
import { FileHashCache } from "./file-hash-cache.js";
import type { RunStore } from "@glacier/engine";
import { resolveLocation, type ResolvedLocation, type StorageOptions } from "./storage.js";

/**
 * What every part of one local run shares: the graph, storage settings, resolved parameters, the project
 * store and a memo of bucket contents (each location is fingerprinted once per run, and again after a step
 * rewrites it).
 */
export class RunContext {
  readonly graph: LineageGraph;
  readonly storage: StorageOptions;
  readonly store: RunStore;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly cache: FileHashCache;
  /** Plan mode: read everything, write nothing. */
  readonly readOnly: boolean;
  /** Each output directory's listing when the run first swept it (`sweepTemporaries`). */
  readonly directories = new Map<string, Promise<readonly string[]>>();
  readonly #contents = new Map<string, Promise<Content>>();
  readonly #listings = new Map<string, Promise<Content>>();

  constructor(init: {
    graph: LineageGraph;
    storage: StorageOptions;
    store: RunStore;
    params: Readonly<Record<string, ParamValue>>;
    readOnly: boolean;
  }) {
    this.graph = init.graph;
    this.storage = init.storage;
    this.store = init.store;
    this.params = init.params;
    this.readOnly = init.readOnly;
    this.cache = new FileHashCache(init.store, { readOnly: init.readOnly });
  }

  location(bucket: BucketNode): ResolvedLocation {
    return resolveLocation(bucket, this.storage);
  }

  /** The bucket's content now, fingerprinted (memoised for the run). */
  content(bucket: BucketNode): Promise<Content> {
    return this.#memo(this.#contents, bucket, true);
  }

  /** The bucket's content now without hashing local files: existence, files, sizes, stat keys or ETags. */
  listing(bucket: BucketNode): Promise<Content> {
    return this.#contents.get(bucket.location) ?? this.#memo(this.#listings, bucket, false);
  }

  #memo(memo: Map<string, Promise<Content>>, bucket: BucketNode, hash: boolean): Promise<Content> {
    let content = memo.get(bucket.location);
    if (!content) {
      content = fingerprintContent(bucket, this.location(bucket), this.cache, this.storage, { hash });
      memo.set(bucket.location, content);
      content.catch(() => memo.delete(bucket.location));
    }
    return content;
  }

  /** Forgets a bucket's content after a step rewrote it. */
  invalidate(bucket: BucketNode): void {
    this.#contents.delete(bucket.location);
    this.#listings.delete(bucket.location);
  }
}
