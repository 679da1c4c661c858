import type { LineageGraph, VisualizeOptions } from "@glacier/core";
import { pageData } from "./details.js";
import { layoutGraph } from "./layout.js";
import { htmlPage } from "./page.js";
import { diagramSvg } from "./svg.js";

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * `glacier visualize --format html`: one self-contained page (no network; opens from `file://`) with the
 * graph laid out by ELK at generation time as inline SVG, the pipelines listed (click to highlight), details
 * of every node on click, the graph's problems, and pan/zoom.
 *
 * @example
 * ```ts
 * writeFileSync("lineage.html", await renderHtml(LineageGraph.from({ sales })));
 * ```
 */
export async function renderHtml(graph: LineageGraph, options: VisualizeOptions = {}): Promise<string> {
  const diagram = await layoutGraph(graph);
  const names = graph.pipelines.map((p) => p.name);
  return htmlPage({
    title: `Glacier lineage: ${names.length > 3 ? `${names.slice(0, 3).join(", ")} …` : names.join(", ")}`,
    svg: diagramSvg(diagram),
    data: pageData(graph, options.stepNotes),
    storage: [
      ...new Set(graph.buckets.map((b) => b.location.slice(0, b.location.length - b.path.length - 1))),
    ],
    counts: `${plural(graph.pipelines.length, "pipeline")} · ${plural(graph.steps.length, "step")} · ${plural(graph.buckets.length, "bucket")}`,
    problems: graph.problems().map((p) => ({ code: p.code, message: p.message })),
  });
}
