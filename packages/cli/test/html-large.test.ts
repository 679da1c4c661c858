import { describe, expect, it } from "vitest";
import { layoutGraph, type Diagram } from "../src/html/layout.js";
import { renderHtml } from "../src/html/render-html.js";
import { GRAPH_SHAPES, largeGraph } from "./fixtures/large-graphs.js";

/** Boxes that overlap, found by a sweep over x (a 2,000-node drawing has 4 million pairs). */
function overlaps(diagram: Diagram): string[] {
  const boxes = [...diagram.nodes].sort((a, b) => a.x - b.x);
  const found: string[] = [];
  for (let i = 0; i < boxes.length; i++) {
    const a = boxes[i] as Diagram["nodes"][number];
    for (let j = i + 1; j < boxes.length; j++) {
      const b = boxes[j] as Diagram["nodes"][number];
      if (b.x >= a.x + a.width) break;
      if (a.y < b.y + b.height && b.y < a.y + a.height) found.push(`${a.title} × ${b.title}`);
    }
  }
  return found;
}

// Timing lives in bench/html-layout.mjs; this asserts that 1,000-step graphs of every shape are drawn, and
// drawn correctly. Before the large-graph options a 1,000-way fan-out took minutes (and this test timed out).
describe("visualize --format html on 1,000-step graphs", () => {
  for (const shape of GRAPH_SHAPES) {
    it(`lays out and renders a ${shape} of 1,000 steps`, { timeout: 180_000 }, async () => {
      const graph = largeGraph(shape, 1000);
      const diagram = await layoutGraph(graph);
      expect(diagram.nodes).toHaveLength(graph.steps.length + graph.buckets.length);
      expect(overlaps(diagram)).toEqual([]);
      for (const node of diagram.nodes) {
        expect(node.x).toBeGreaterThanOrEqual(0);
        expect(node.y).toBeGreaterThanOrEqual(0);
        expect(node.x + node.width).toBeLessThanOrEqual(diagram.width);
        expect(node.y + node.height).toBeLessThanOrEqual(diagram.height);
      }
      const at = new Map(diagram.nodes.map((n) => [n.id, n]));
      for (const edge of diagram.edges) {
        expect(edge.points.length).toBeGreaterThanOrEqual(2);
        expect((at.get(edge.from)?.x ?? 0) < (at.get(edge.to)?.x ?? 0)).toBe(true);
      }

      const html = await renderHtml(graph);
      expect(html.match(/<g class="node /g)).toHaveLength(diagram.nodes.length);
      expect(html.match(/<g class="edge"/g)).toHaveLength(diagram.edges.length);
      const data = /<script type="application\/json" id="glacier-data">([^<]*)<\/script>/.exec(html)?.[1];
      const parsed = JSON.parse(data ?? "null") as { nodes: Record<string, unknown> };
      expect(Object.keys(parsed.nodes)).toHaveLength(diagram.nodes.length);
    });
  }
});
