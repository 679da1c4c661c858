import type { LineageGraph, StepNode } from "@glacier/core";

/** A box drawn around the steps (and the buckets they write) that belong to one pipeline. */
export interface NodeGroup {
  /** Stable drawing id: `g<i>`, in the order of the graph's pipelines. */
  readonly id: string;
  /** The pipeline's name. */
  readonly name: string;
  /** Graph ids of the steps in the box. */
  readonly steps: readonly string[];
  /** Locations of the buckets in the box: the outputs of its steps. */
  readonly buckets: readonly string[];
}

/**
 * Above this many nodes the page draws no groups: ELK's hierarchical layout is not needed to read a picture
 * that large (search is), and the 1,000-node shapes of `bench/html-layout.mjs` stay as fast as they are.
 */
export const MAX_GROUPED_NODES = 400;

/**
 * Above this many pipelines the page draws no groups either: dozens of boxes (a fan-out of one-step pipelines
 * draws one per step) say nothing the sidebar does not, and cost ELK's hierarchical layout 2–3× the time.
 */
export const MAX_GROUPS = 30;

/**
 * Pipelines overlap (a pipeline includes its upstream), so a box per pipeline would nest and cross. Each step
 * gets one home instead: the pipeline whose target it writes, else the smallest pipeline that includes it. Its
 * output bucket goes with it; sources stay outside every box. No groups for a single pipeline (one box around
 * everything says nothing), more than {@link MAX_GROUPS} pipelines, or a graph above {@link MAX_GROUPED_NODES}.
 *
 * @example
 * ```ts
 * pipelineGroups(LineageGraph.from({ cleaned, report }));
 * // [{ id: "g0", name: "cleaned", steps: ["clean->…"], buckets: ["s3://acme/clean.parquet"] },
 * //  { id: "g1", name: "report", steps: ["report->…"], buckets: ["s3://acme/report.csv"] }]
 * ```
 */
export function pipelineGroups(graph: LineageGraph): NodeGroup[] {
  const { pipelines } = graph;
  if (pipelines.length < 2 || pipelines.length > MAX_GROUPS) return [];
  if (graph.steps.length + graph.buckets.length > MAX_GROUPED_NODES) return [];
  const byTarget = new Map<string, number>();
  graph.pipelines.forEach((p, i) => {
    if (!byTarget.has(p.target.location)) byTarget.set(p.target.location, i);
  });
  const smallest = new Map<string, number>();
  graph.pipelines.forEach((p, i) => {
    for (const id of p.steps) {
      const known = smallest.get(id);
      if (known === undefined || (graph.pipelines[known]?.steps.length ?? 0) > p.steps.length) {
        smallest.set(id, i);
      }
    }
  });
  const members = graph.pipelines.map(() => [] as StepNode[]);
  for (const step of graph.steps) {
    const home = byTarget.get(step.output.location) ?? smallest.get(step.id);
    if (home !== undefined) members[home]?.push(step);
  }
  return graph.pipelines.flatMap((p, i) => {
    const steps = members[i] ?? [];
    if (steps.length === 0) return [];
    return [
      {
        id: `g${i}`,
        name: p.name,
        steps: steps.map((s) => s.id),
        buckets: [...new Set(steps.map((s) => s.output.location))],
      },
    ];
  });
}
