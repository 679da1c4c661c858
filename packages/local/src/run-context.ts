import type { BucketNode, LineageGraph, ParamValue } from "@glacier/core";
import { taskCodeFingerprints } from "@glacier/task-code";
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
  /** Each step's code component; tasks written at one place share one walk of their code (for this run). */
  readonly codeOf = taskCodeFingerprints();
  /** Plan mode: read everything, write nothing. */
  readonly readOnly: boolean;
  /** The temporaries in each output directory when the run first swept it (`sweepTemporaries`). */
  readonly directories = new Map<string, Promise<readonly string[]>>();
  readonly #contents = new Map<string, Promise<Content>>();
  readonly #listings = new Map<string, Promise<Content>>();
  /** Fingerprints that are complete (a subset of `#contents`). */
  readonly #hashed = new Map<string, Promise<Content>>();

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

  /**
   * The bucket's content now without hashing local files: existence, files, sizes, stat keys or ETags. A
   * fingerprint already computed serves as the listing; one still being computed does not, so a consumer never
   * waits for its input's hash (and its cache entry) to start: a step's output is hashed in the background
   * while the next step prepares.
   */
  listing(bucket: BucketNode): Promise<Content> {
    return this.#hashed.get(bucket.location) ?? this.#memo(this.#listings, bucket, false);
  }

  #memo(memo: Map<string, Promise<Content>>, bucket: BucketNode, hash: boolean): Promise<Content> {
    let content = memo.get(bucket.location);
    if (!content) {
      const made = fingerprintContent(bucket, this.location(bucket), this.cache, this.storage, { hash });
      content = made;
      memo.set(bucket.location, made);
      made.then(
        () => {
          if (hash && memo.get(bucket.location) === made) this.#hashed.set(bucket.location, made);
        },
        () => {
          if (memo.get(bucket.location) === made) memo.delete(bucket.location);
        },
      );
    }
    return content;
  }

  /** Forgets a bucket's content after a step rewrote it. */
  invalidate(bucket: BucketNode): void {
    this.#contents.delete(bucket.location);
    this.#listings.delete(bucket.location);
    this.#hashed.delete(bucket.location);
  }
}
