import { CONTROL_CHARACTERS } from "../control-characters.js";
import type { LineageGraph } from "../lineage-graph.js";
import { stepInputs, type ExecutorKind } from "../nodes.js";
import type { VisualizeOptions } from "./visualize.js";
import { diagramIds, executorLabel, partitionLabel, stepsForDisplay } from "./labels.js";

/**
 * A DOT quoted string; a line break becomes DOT's `\n` escape so every statement stays on one line, and any
 * other control character is dropped (core rejects them in names and paths at definition).
 */
function q(text: string): string {
  return `"${text
    .replace(/\\/g, "\\\\")
    .replace(/"/g, '\\"')
    .replace(/\r?\n/g, "\\n")
    .replace(CONTROL_CHARACTERS, "")}"`;
}

const FILL = {
  local: "#f1f8ee",
  serverless: "#fff5e6",
  spark: "#fdeeee",
  container: "#f0fdfa",
} as const satisfies Record<ExecutorKind, string>;

/**
 * Graphviz DOT: `dot -Tsvg` renders it.
 *
 * @example
 * ```text
 * digraph glacier {
 *   rankdir=LR;
 *   b_acme_data_raw_sales_parquet [shape=cylinder, label="acme-data/raw/sales.parquet"];
 *   s_clean [shape=box, style="rounded,filled", fillcolor="#fff5e6", label="clean\nserverless · Lambda 2048 MB"];
 *   b_acme_data_raw_sales_parquet -> s_clean;
 * }
 * ```
 */
export function toDot(graph: LineageGraph, options: VisualizeOptions = {}): string {
  const ids = diagramIds(graph);
  const lines = ["digraph glacier {", "  rankdir=LR;", '  node [fontname="Helvetica", fontsize=11];'];
  for (const b of graph.buckets) {
    lines.push(
      `  ${ids.bucket(b)} [shape=cylinder, style=filled, fillcolor="#eef4fb", label=${q(partitionLabel(b) ? `${b.id}\n${partitionLabel(b)}` : b.id)}];`,
    );
  }
  const steps = stepsForDisplay(graph);
  for (const s of steps) {
    const kind = s.task.executor.kind;
    lines.push(
      `  ${ids.step(s)} [shape=box, style="rounded,filled", fillcolor="${FILL[kind]}", label=${q(`${s.name}\n${executorLabel(s.task.executor)}${options.stepNotes?.[s.id] ? `\n${options.stepNotes[s.id]}` : ""}`)}];`,
    );
  }
  for (const s of steps) {
    for (const [key, input] of stepInputs(s)) {
      lines.push(
        `  ${ids.bucket(input)} -> ${ids.step(s)}${s.input.kind === "multi" ? ` [label=${q(key)}]` : ""};`,
      );
    }
    lines.push(`  ${ids.step(s)} -> ${ids.bucket(s.output)};`);
  }
  lines.push("}");
  return `${lines.join("\n")}\n`;
}
