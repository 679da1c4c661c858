import type { LineageGraph } from "../lineage-graph.js";
import type { VisualizeOptions } from "./visualize.js";
import { stepInputs, type StepNode } from "../nodes.js";

function describeInputs(step: StepNode): string {
  const inputs = stepInputs(step);
  return step.input.kind === "single"
    ? (inputs[0]?.[1].id ?? "")
    : inputs.map(([key, bucket]) => `${key}=${bucket.id}`).join(", ");
}

/**
 * A plain-text summary for terminals and CI logs.
 *
 * @example
 * ```text
 * 1 pipeline, 2 steps, 3 buckets
 *
 * pipeline sales (2 steps) → acme-data/reports/daily.parquet
 *   1. clean [serverless]  acme-data/raw/sales.parquet → acme-data/clean/sales.parquet
 *   2. daily [local]  acme-data/clean/sales.parquet → acme-data/reports/daily.parquet
 * ```
 */
export function toText(graph: LineageGraph, options: VisualizeOptions = {}): string {
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;
  const lines = [
    `${plural(graph.pipelines.length, "pipeline")}, ${plural(graph.steps.length, "step")}, ${plural(graph.buckets.length, "bucket")}`,
  ];
  const byId = new Map(graph.steps.map((s) => [s.id, s]));
  for (const p of graph.pipelines) {
    lines.push("", `pipeline ${p.name} (${plural(p.steps.length, "step")}) → ${p.target.id}`);
    if (p.description) lines.push(`  ${p.description}`);
    p.steps.forEach((id, i) => {
      const s = byId.get(id) as StepNode;
      lines.push(`  ${i + 1}. ${s.name} [${s.task.executor.kind}]  ${describeInputs(s)} → ${s.output.id}`);
      const note = options.stepNotes?.[s.id];
      if (note) lines.push(`     runs on ${note}`);
    });
  }
  const problems = graph.problems();
  if (problems.length) {
    lines.push("", `${plural(problems.length, "problem")}:`);
    for (const problem of problems) lines.push(`  [${problem.code}] ${problem.message}`);
  }
  return `${lines.join("\n")}\n`;
}
