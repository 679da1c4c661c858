import { GlacierError } from "../errors.js";
import type { LineageGraph } from "../lineage-graph.js";
import { toDot } from "./dot.js";
import { toMermaid } from "./mermaid.js";
import { toText } from "./text.js";

/** The formats core renders; the CLI adds `html`. */
export const VISUALIZE_FORMATS = Object.freeze(["mermaid", "dot", "json", "text"] as const);
export type VisualizeFormat = (typeof VISUALIZE_FORMATS)[number];

/**
 * Extra information drawn on the diagram. `stepNotes` maps a step id to a line shown with the step, e.g. the
 * Lambda function or EMR application that runs it (`glacier visualize --infra`).
 */
export interface VisualizeOptions {
  readonly stepNotes?: Readonly<Record<string, string>>;
}

/**
 * Renders a lineage graph.
 *
 * @example
 * ```ts
 * visualize(graph, "mermaid", { stepNotes: { "clean->acme/clean.parquet": "Lambda glacier-clean-3f2a9c" } });
 * // s_clean("clean<br/><small>serverless · Lambda 2048 MB</small><br/><small>Lambda glacier-clean-3f2a9c</small>")
 * ```
 */
export function visualize(
  graph: LineageGraph,
  format: VisualizeFormat = "mermaid",
  options: VisualizeOptions = {},
): string {
  switch (format) {
    case "mermaid":
      return toMermaid(graph, options);
    case "dot":
      return toDot(graph, options);
    case "json":
      return `${JSON.stringify(options.stepNotes ? { ...graph.toJSON(), stepNotes: options.stepNotes } : graph.toJSON(), null, 2)}\n`;
    case "text":
      return toText(graph, options);
    default: {
      const never: never = format;
      throw new GlacierError("INVALID_OPTION", `${JSON.stringify(never)} is not a visualize format.`, {
        subject: { kind: "option", name: "format" },
        hint: `Use one of: ${VISUALIZE_FORMATS.join(", ")}.`,
      });
    }
  }
}
