import type { LineageGraph } from "../lineage-graph.js";
import { stepInputs, type ExecutorKind } from "../nodes.js";
import type { VisualizeOptions } from "./visualize.js";
import { diagramIds, executorLabel, partitionLabel, stepsForDisplay } from "./labels.js";

/**
 * A user's text inside a Mermaid label: Mermaid renders labels as HTML and reads `#…;` as entity codes, so
 * `#`, `"`, `&`, `<` and `>` become entity codes (a name can add no markup, link or statement), and a line
 * break, which core rejects at definition, would still stay on its line.
 */
function mermaidText(text: string): string {
  return text.replace(/[#"&<>\r\n]/g, (c) => (c === '"' ? "#quot;" : `#${c.charCodeAt(0)};`));
}

/** A label already escaped (it may hold our own `<br/><small>` markup), in Mermaid's quotes. */
function quote(label: string): string {
  return `"${label}"`;
}

/**
 * The diagram's colours: the palette of `glacier visualize --format html` and its legend (local green, Lambda
 * orange, EMR Serverless violet, Fargate teal, storage slate), so a node reads the same in both pictures.
 */
export const MERMAID_CLASSES = {
  storage: "fill:#f1f5f9,stroke:#64748b,color:#0f172a",
  local: "fill:#ecfdf5,stroke:#059669",
  serverless: "fill:#fff7ed,stroke:#ea580c",
  spark: "fill:#f5f3ff,stroke:#7c3aed",
  container: "fill:#f0fdfa,stroke:#0d9488",
} as const satisfies Record<"storage" | ExecutorKind, string>;

/**
 * Mermaid flowchart: storage as cylinders, tasks as rounded boxes labelled with their executor.
 *
 * @example
 * ```text
 * graph LR
 *   b_acme_data_raw_sales_parquet[("acme-data/raw/sales.parquet")]
 *   s_clean("clean<br/><small>serverless · Lambda 2048 MB</small>")
 *   b_acme_data_raw_sales_parquet --> s_clean
 * ```
 */
export function toMermaid(graph: LineageGraph, options: VisualizeOptions = {}): string {
  const ids = diagramIds(graph);
  const note = (id: string): string => {
    const text = options.stepNotes?.[id];
    return text ? `<br/><small>${mermaidText(text)}</small>` : "";
  };
  const lines = ["graph LR"];
  for (const p of graph.pipelines)
    lines.push(`  %% pipeline ${p.name}: ${p.steps.length} step(s) → ${mermaidText(p.target.id)}`);
  for (const b of graph.buckets) {
    const partitioned = partitionLabel(b);
    const small = partitioned ? `<br/><small>${mermaidText(partitioned)}</small>` : "";
    lines.push(`  ${ids.bucket(b)}[(${quote(mermaidText(b.id) + small)})]`);
  }
  const steps = stepsForDisplay(graph);
  for (const s of steps) {
    lines.push(
      `  ${ids.step(s)}(${quote(`${mermaidText(s.name)}<br/><small>${mermaidText(executorLabel(s.task.executor))}</small>${note(s.id)}`)})`,
    );
  }
  for (const s of steps) {
    for (const [key, input] of stepInputs(s)) {
      const label = s.input.kind === "multi" ? ` -- ${key} -->` : " -->";
      lines.push(`  ${ids.bucket(input)}${label} ${ids.step(s)}`);
    }
    lines.push(`  ${ids.step(s)} --> ${ids.bucket(s.output)}`);
  }
  const used = new Set(steps.map((s) => s.task.executor.kind));
  for (const [name, style] of Object.entries(MERMAID_CLASSES)) {
    // The container class came later: declared only where used, so diagrams without one read as before.
    if (name !== "container" || used.has("container")) lines.push(`  classDef ${name} ${style}`);
  }
  if (graph.buckets.length)
    lines.push(`  class ${graph.buckets.map((b) => ids.bucket(b)).join(",")} storage`);
  for (const kind of ["local", "serverless", "spark", "container"] as const) {
    const of = steps.filter((s) => s.task.executor.kind === kind);
    if (of.length) lines.push(`  class ${of.map((s) => ids.step(s)).join(",")} ${kind}`);
  }
  return `${lines.join("\n")}\n`;
}
