import {
  type BucketNode,
  checkPartitionKey,
  GlacierError,
  latestPartitions,
  type LineageGraph,
  partitionBucket,
  partitionKeys,
  type PartitionScheme,
} from "@glacier/core";
import { canonicalJson } from "@glacier/core/internal";
import type { RunRecord } from "./run-record.js";

/** What decides a run's partitions. */
export interface PartitionRequest {
  /** `--partition`: one key or an inclusive range `a..b`. */
  readonly selection?: string;
  /** `latest`: only the latest partition of each scheme (what a schedule runs). */
  readonly latest?: boolean;
  /** The run being resumed: its partitions again. */
  readonly resumed?: RunRecord;
  /** Whether a partition of a source bucket holds data now (the default selection reads it). */
  readonly exists: (partition: BucketNode) => Promise<boolean>;
  readonly now?: Date;
}

/** The keys a run covers, by scheme (canonical JSON of the scheme). */
export type PartitionKeys = ReadonlyMap<string, readonly string[]>;

/**
 * The partitions of each scheme a run covers:
 * - `--partition a` or `a..b`: those keys (each checked: format, range);
 * - resuming: the resumed run's keys;
 * - `latest`: the scheme's latest key (its end, or the current period);
 * - otherwise every key from the scheme's start to its end or the current period whose partitioned sources
 *   all hold data (a scheme no source is partitioned by: its latest key).
 *
 * @example
 * ```ts
 * const keys = await selectPartitions(graph, { selection: "2026-12-01..2026-12-03", exists });
 * graph.forPartitions(keysFor(keys));
 * // units clean[2026-12-01], clean[2026-12-02], clean[2026-12-03], …
 * ```
 */
export async function selectPartitions(
  graph: LineageGraph,
  request: PartitionRequest,
): Promise<PartitionKeys> {
  const schemes = new Map<string, { scheme: PartitionScheme; buckets: BucketNode[] }>();
  for (const bucket of graph.buckets) {
    if (!bucket.partitions) continue;
    const id = canonicalJson(bucket.partitions);
    const entry = schemes.get(id) ?? { scheme: bucket.partitions, buckets: [] };
    entry.buckets.push(bucket);
    schemes.set(id, entry);
  }
  const sources = new Set(graph.sources().map((b) => b.location));
  const now = request.now ?? new Date();
  const result = new Map<string, readonly string[]>();
  for (const [id, { scheme, buckets }] of schemes) {
    const subject = { kind: "bucket", name: (buckets[0] as BucketNode).id } as const;
    const recorded = request.resumed?.options.partitionKeys;
    if (recorded !== undefined) {
      result.set(
        id,
        recorded.filter((key) => isKeyOf(scheme, key, now)),
      );
    } else if (request.selection !== undefined) {
      result.set(id, partitionKeys(scheme, request.selection, subject, now));
    } else if (request.latest) {
      result.set(id, latestPartitions(scheme, now));
    } else {
      const inputs = buckets.filter((b) => sources.has(b.location));
      if (inputs.length === 0) {
        result.set(id, latestPartitions(scheme, now));
        continue;
      }
      const keys = partitionKeys(scheme, undefined, subject, now);
      const present = await Promise.all(
        keys.map(async (key) => {
          for (const bucket of inputs)
            if (!(await request.exists(partitionBucket(bucket, key)))) return false;
          return true;
        }),
      );
      result.set(
        id,
        keys.filter((_, i) => present[i]),
      );
    }
  }
  return result;
}

function isKeyOf(scheme: PartitionScheme, key: string, now: Date): boolean {
  try {
    checkPartitionKey(scheme, key, { kind: "option", name: "partition" }, now);
    return true;
  } catch {
    return false;
  }
}

/** The keys of one scheme, for `LineageGraph.forPartitions`. */
export function keysFor(keys: PartitionKeys): (scheme: PartitionScheme) => readonly string[] {
  return (scheme) => keys.get(canonicalJson(scheme)) ?? [];
}

/** Every key of a selection, once each, in order: what a run record keeps for `--resume`. */
export function allKeys(keys: PartitionKeys): readonly string[] {
  return [...new Set([...keys.values()].flat())].sort();
}

/**
 * The graph a run walks: for a graph with partitioned buckets, its units for the selected partitions
 * (`LineageGraph.forPartitions`) and the keys; otherwise the graph itself. `--partition` on a graph without
 * partitions is INVALID_OPTION.
 */
export async function expandPartitions(
  graph: LineageGraph,
  request: PartitionRequest,
): Promise<{ readonly graph: LineageGraph; readonly keys: PartitionKeys | null }> {
  if (!graph.partitioned) {
    if (request.selection !== undefined) {
      throw new GlacierError(
        "INVALID_OPTION",
        `--partition ${request.selection}: no bucket of this run is partitioned.`,
        {
          subject: { kind: "option", name: "partition" },
          hint: 'Leave --partition out, or give a bucket partitions: daily({ start: "2026-01-01" }) and a {day} placeholder.',
        },
      );
    }
    return { graph, keys: null };
  }
  const keys = await selectPartitions(graph, request);
  return { graph: graph.forPartitions(keysFor(keys)), keys };
}
