import type { LineageGraph } from "@glacier/core";
import { costScale } from "./cost-scale.js";
import { pageData } from "./details.js";
import { layoutGraph } from "./layout.js";
import type { HtmlOverlay } from "./overlay.js";
import { htmlPage } from "./page.js";
import { diagramSvg } from "./svg.js";

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * `glacier visualize --format html`: one self-contained page (no network; opens from `file://`) with the
 * graph laid out by ELK at generation time as inline SVG, pipelines as collapsible boxes and listed (click to
 * highlight), details of every node on click, a search box, the graph's problems, pan/zoom/fit, and colour
 * views by executor, by last run (`overlay.status`) and by estimated cost (`overlay.cost`).
 *
 * @example
 * ```ts
 * writeFileSync("lineage.html", await renderHtml(LineageGraph.from({ sales })));
 * // Opens in the "Last run" view, the step red with a "✗ failed" pill:
 * await renderHtml(graph, { status: { [step.id]: { status: "failed", runId: "20240131T101500Z-a1b2" } } });
 * ```
 */
export async function renderHtml(graph: LineageGraph, overlay: HtmlOverlay = {}): Promise<string> {
  const diagram = await layoutGraph(
    graph,
    overlay.resources === undefined ? {} : { resources: overlay.resources },
  );
  const names = graph.pipelines.map((p) => p.name);
  return htmlPage({
    title: `Glacier lineage: ${names.length > 3 ? `${names.slice(0, 3).join(", ")} …` : names.join(", ")}`,
    svg: diagramSvg(diagram, overlay),
    data: pageData(graph, overlay, diagram.groups),
    views: {
      status: overlay.status !== undefined,
      cost: overlay.cost === undefined ? undefined : costScale(Object.values(overlay.cost)).legend,
    },
    storage: [
      ...new Set(graph.buckets.map((b) => b.location.slice(0, b.location.length - b.path.length - 1))),
    ],
    counts: `${plural(graph.pipelines.length, "pipeline")} · ${plural(graph.steps.length, "step")} · ${plural(graph.buckets.length, "bucket")}`,
    problems: graph.problems().map((p) => ({ code: p.code, message: p.message })),
  });
}
