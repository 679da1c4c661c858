import type { LineageGraph } from "../lineage-graph.js";
import type { BucketNode, ExecutorNode, StepNode } from "../nodes.js";
import { describeScheme } from "../partitions.js";
import { slug } from "../stable-id.js";
import { absurd } from "../absurd.js";

/** What a partitioned bucket's diagram label adds: `partitioned daily from 2026-01-01 ({day})`. */
export function partitionLabel(bucket: BucketNode): string | null {
  return bucket.partitions ? `partitioned ${describeScheme(bucket.partitions)}` : null;
}

/** How each executor kind reads in a diagram. */
export function executorLabel(executor: ExecutorNode): string {
  switch (executor.kind) {
    case "local":
      return "local";
    case "serverless":
      return `serverless · Lambda ${executor.memory} MB`;
    case "spark":
      return `spark · EMR Serverless ×${executor.workers}`;
    case "container":
      return `container · Fargate ${executor.cpu} vCPU ${executor.memory} GB`;
    default:
      return absurd(executor);
  }
}

/**
 * Diagram ids for every bucket and step: readable slugs of their stable ids, made unique in sorted order, so
 * the same graph always renders the same text.
 */
export function diagramIds(graph: LineageGraph): {
  readonly bucket: (node: BucketNode) => string;
  readonly step: (node: StepNode) => string;
} {
  const used = new Set<string>();
  const ids = new Map<string, string>();
  const claim = (key: string, base: string): void => {
    let id = base;
    for (let n = 2; used.has(id); n++) id = `${base}_${n}`;
    used.add(id);
    ids.set(key, id);
  };
  for (const b of graph.buckets) claim(`b:${b.location}`, `b_${slug(b.id)}`);
  for (const s of graph.steps) claim(`s:${s.id}`, `s_${slug(s.name)}`);
  return {
    bucket: (node) => ids.get(`b:${node.location}`) ?? `b_${slug(node.id)}`,
    step: (node) => ids.get(`s:${node.id}`) ?? `s_${slug(node.name)}`,
  };
}

/** Steps in execution order when the graph is acyclic, else by id (a diagram of a broken graph still renders). */
export function stepsForDisplay(graph: LineageGraph): readonly StepNode[] {
  return graph.problems().some((p) => p.code === "CYCLE") ? graph.steps : graph.executionOrder();
}
