import type { StepRecord } from "./run-record.js";

/** How the units of one partitioned step ended in a run. */
export interface PartitionSummary {
  /** The declared step's name (`clean`). */
  readonly step: string;
  /** Units per status: `{ succeeded: 27, skipped: 3 }`. */
  readonly counts: Readonly<Partial<Record<StepRecord["status"], number>>>;
  /** The keys whose unit failed, in order. */
  readonly failed: readonly string[];
}

/**
 * Per partitioned step, how many of its partitions succeeded, were skipped, failed or did not run, and which
 * keys failed: what the run summary prints under the steps (`clean: 27 succeeded, 2 skipped, 1 failed
 * (2026-11-17)`).
 *
 * @example
 * ```ts
 * partitionSummary(result.steps);
 * // [{ step: "clean", counts: { succeeded: 29, failed: 1 }, failed: ["2026-11-17"] }]
 * ```
 */
export function partitionSummary(steps: readonly StepRecord[]): readonly PartitionSummary[] {
  const byStep = new Map<
    string,
    { counts: Partial<Record<StepRecord["status"], number>>; failed: string[] }
  >();
  for (const step of steps) {
    if (step.partition === undefined) continue;
    const name = step.name.endsWith(`[${step.partition}]`)
      ? step.name.slice(0, -step.partition.length - 2)
      : step.name;
    const entry = byStep.get(name) ?? { counts: {}, failed: [] };
    entry.counts[step.status] = (entry.counts[step.status] ?? 0) + 1;
    if (step.status === "failed") entry.failed.push(step.partition);
    byStep.set(name, entry);
  }
  // Counts in one order whatever order the units finished in: the summary line reads the same every run.
  const order: readonly StepRecord["status"][] = ["succeeded", "skipped", "failed", "not-run"];
  return [...byStep].map(([step, { counts, failed }]) => ({
    step,
    counts: Object.fromEntries(order.filter((s) => counts[s] !== undefined).map((s) => [s, counts[s]])),
    failed: failed.sort(),
  }));
}
