import { GlacierError } from "../errors.js";
import type { LineageGraph } from "../lineage-graph.js";
import { toDot } from "./dot.js";
import { toMermaid } from "./mermaid.js";
import { toText } from "./text.js";

/** The formats core renders; the CLI adds `html`. */
export const VISUALIZE_FORMATS = Object.freeze(["mermaid", "dot", "json", "text"] as const);
export type VisualizeFormat = (typeof VISUALIZE_FORMATS)[number];

/** Renders a lineage graph. */
export function visualize(graph: LineageGraph, format: VisualizeFormat = "mermaid"): string {
  switch (format) {
    case "mermaid":
      return toMermaid(graph);
    case "dot":
      return toDot(graph);
    case "json":
      return `${JSON.stringify(graph.toJSON(), null, 2)}\n`;
    case "text":
      return toText(graph);
    default: {
      const never: never = format;
      throw new GlacierError("INVALID_OPTION", `${JSON.stringify(never)} is not a visualize format.`, {
        subject: { kind: "option", name: "format" },
        hint: `Use one of: ${VISUALIZE_FORMATS.join(", ")}.`,
      });
    }
  }
}
