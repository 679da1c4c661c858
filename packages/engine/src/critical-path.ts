import type { BucketNode, LineageGraph, StepNode } from "@glacier/core";
import { stepInputs } from "@glacier/core/internal";
import type { RunHistory } from "./run-history.js";

/**
 * First-run duration estimate: a step without a recorded duration is assumed to process its input bytes at
 * 100 MB/s (100,000 bytes per millisecond, about what one core of the streaming engine reads, decodes and
 * writes of snappy Parquet on the benchmark machine), plus a fixed 20 ms for its start and commit.
 */
export const ESTIMATE_BYTES_PER_MS = 100_000;
/** The fixed part of a first-run estimate, in milliseconds (see {@link ESTIMATE_BYTES_PER_MS}). */
export const ESTIMATE_FIXED_MS = 20;
/**
 * First-run memory estimate: a step without a recorded peak is assumed to hold 4 bytes per input byte
 * (Parquet decompresses 2–5× into Arrow buffers; joins and group-bys keep a hash table beside them).
 */
export const MEMORY_PER_INPUT_BYTE = 4;

/** What the scheduler knows of a step before it runs. */
export interface StepCost {
  /** Its expected duration: the last successful run's, or the estimate from its input bytes. */
  readonly durationMs: number;
  /** Where the duration came from. */
  readonly source: "recorded" | "estimated";
  /** The bytes it reads: measured now, or (an input another step has not written yet) estimated. */
  readonly inputBytes: number;
  /** The memory it is admitted against: the last measured peak, or {@link MEMORY_PER_INPUT_BYTE} × inputs. */
  readonly memoryBytes: number;
  /** {@link MEMORY_PER_INPUT_BYTE} × its input bytes, whether or not a peak was measured. */
  readonly estimatedMemoryBytes: number;
  /** Its duration plus the longest chain of consumers after it: how late it may start without delaying the run. */
  readonly remainingMs: number;
}

/**
 * Each step's cost and its remaining critical path. A bucket no step of the graph writes, or one that exists,
 * counts its measured size (`sizes`); a bucket a step will write and that does not exist yet counts its
 * producer's input bytes (a step is assumed to write about what it reads).
 *
 * @example
 * ```ts
 * // raw (1 GB) → big (recorded 9 s) → report; raw → small (recorded 0.1 s)
 * stepCosts(graph, history, sizes).get(big.id);
 * // { durationMs: 9000, source: "recorded", inputBytes: 1e9, memoryBytes: 4e9, remainingMs: 9000 + report's }
 * ```
 */
export function stepCosts(
  graph: LineageGraph,
  history: Pick<RunHistory, "durations" | "peaks">,
  sizes: ReadonlyMap<string, number | undefined>,
): ReadonlyMap<string, StepCost> {
  const order = graph.executionOrder();
  const written = new Map<string, number>();
  const bytesOf = (bucket: BucketNode): number => {
    const measured = sizes.get(bucket.location);
    if (measured !== undefined) return measured;
    const producer = graph.producerOf(bucket);
    return producer ? (written.get(producer.id) ?? 0) : 0;
  };
  const partial = new Map<string, Omit<StepCost, "remainingMs">>();
  for (const step of order) {
    const inputBytes = stepInputs(step).reduce((sum, [, bucket]) => sum + bytesOf(bucket), 0);
    written.set(step.id, inputBytes);
    const recorded = history.durations.get(step.id);
    partial.set(step.id, {
      durationMs: recorded ?? ESTIMATE_FIXED_MS + inputBytes / ESTIMATE_BYTES_PER_MS,
      source: recorded === undefined ? "estimated" : "recorded",
      inputBytes,
      memoryBytes: history.peaks.get(step.id) ?? inputBytes * MEMORY_PER_INPUT_BYTE,
      estimatedMemoryBytes: inputBytes * MEMORY_PER_INPUT_BYTE,
    });
  }
  const costs = new Map<string, StepCost>();
  for (const step of [...order].reverse()) {
    const own = partial.get(step.id) as Omit<StepCost, "remainingMs">;
    const after = Math.max(0, ...graph.consumersOf(step).map((c) => costs.get(c.id)?.remainingMs ?? 0));
    costs.set(step.id, { ...own, remainingMs: own.durationMs + after });
  }
  return costs;
}

/**
 * The order in which ready steps get a slot: longest remaining critical path first, ties by name, then id.
 * A slow step (or one with a long chain behind it) starts first, so it does not end up alone at the end.
 *
 * @example
 * ```ts
 * dispatchOrder(graph, costs).map((s) => s.name); // ["q9", "q21", "q18", "q1", …] (not q1, q10, q11, …)
 * ```
 */
export function dispatchOrder(
  graph: LineageGraph,
  costs: ReadonlyMap<string, Pick<StepCost, "remainingMs">>,
): readonly StepNode[] {
  const remaining = (step: StepNode) => costs.get(step.id)?.remainingMs ?? 0;
  return [...graph.executionOrder()].sort(
    (a, b) =>
      remaining(b) - remaining(a) ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}
