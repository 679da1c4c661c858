import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { BucketNode, LineageGraph, ParamValue } from "@glacier/core";
import { fingerprintContent, type Content } from "./content-fingerprint.js";
import { FileHashCache } from "./file-hash-cache.js";
import { readJson, type ProjectStore } from "./project-store.js";
import type { RunRecord, StepRecord } from "./run-record.js";
import { resolveLocation, type ResolvedLocation, type StorageOptions } from "./storage.js";

/**
 * What every part of one local run shares: the graph, storage settings, resolved parameters, the project
 * store and a memo of bucket contents (each location is fingerprinted once per run, and again after a step
 * rewrites it).
 */
export class RunContext {
  readonly graph: LineageGraph;
  readonly storage: StorageOptions;
  readonly store: ProjectStore;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly cache: FileHashCache;
  /** Plan mode: read everything, write nothing. */
  readonly readOnly: boolean;
  readonly #contents = new Map<string, Promise<Content>>();
  readonly #listings = new Map<string, Promise<Content>>();
  #history: Promise<ReadonlyMap<string, StepRecord["status"]>> | undefined;

  constructor(init: {
    graph: LineageGraph;
    storage: StorageOptions;
    store: ProjectStore;
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

  /**
   * How the step ended in the newest earlier run that recorded it (the last {@link HISTORY_RUNS} runs), so a
   * step that failed last time is not said to have "never ran". Read once per run, when first asked.
   */
  async previousStatus(stepId: string): Promise<StepRecord["status"] | undefined> {
    this.#history ??= recentStatuses(this.store);
    return (await this.#history).get(stepId);
  }

  /** Forgets a bucket's content after a step rewrote it. */
  invalidate(bucket: BucketNode): void {
    this.#contents.delete(bucket.location);
    this.#listings.delete(bucket.location);
  }
}

/** How many earlier runs {@link RunContext.previousStatus} looks through. */
const HISTORY_RUNS = 20;

async function recentStatuses(store: ProjectStore): Promise<ReadonlyMap<string, StepRecord["status"]>> {
  const statuses = new Map<string, StepRecord["status"]>();
  let ids: string[];
  try {
    ids = (await readdir(store.runsDir(), { withFileTypes: true }))
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
  } catch {
    return statuses;
  }
  let read = 0;
  // Run ids start with their UTC start time: newest first.
  for (const runId of ids.sort().reverse()) {
    if (read >= HISTORY_RUNS) break;
    const record = await readJson<RunRecord>(join(store.runDir(runId), "run.json"));
    // This process's own run in progress is not an earlier run.
    if (!record || (record.status === "running" && record.pid === process.pid)) continue;
    read++;
    for (const step of record.steps) if (!statuses.has(step.id)) statuses.set(step.id, step.status);
  }
  return statuses;
}
