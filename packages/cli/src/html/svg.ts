import { absurd } from "@glacier/core/internal";
import type { Diagram, DiagramEdge, DiagramNode } from "./layout.js";
import { escapeXml, FONT } from "./text-metrics.js";

type Point = { readonly x: number; readonly y: number };

const n = (v: number): string => String(Math.round(v * 10) / 10);

/** An orthogonal polyline with rounded bends: easier to follow than sharp corners where edges run close. */
export function roundedPath(points: readonly Point[], radius = 6): string {
  const [first, ...rest] = points;
  if (!first || rest.length === 0) return "";
  let d = `M${n(first.x)},${n(first.y)}`;
  for (let i = 1; i < points.length - 1; i++) {
    const [prev, cur, next] = [points[i - 1], points[i], points[i + 1]] as [Point, Point, Point];
    const inLen = Math.hypot(cur.x - prev.x, cur.y - prev.y);
    const outLen = Math.hypot(next.x - cur.x, next.y - cur.y);
    const r = Math.min(radius, inLen / 2, outLen / 2);
    if (r <= 0) continue;
    const a = { x: cur.x - ((cur.x - prev.x) / inLen) * r, y: cur.y - ((cur.y - prev.y) / inLen) * r };
    const b = { x: cur.x + ((next.x - cur.x) / outLen) * r, y: cur.y + ((next.y - cur.y) / outLen) * r };
    d += ` L${n(a.x)},${n(a.y)} Q${n(cur.x)},${n(cur.y)} ${n(b.x)},${n(b.y)}`;
  }
  const last = points[points.length - 1] as Point;
  return `${d} L${n(last.x)},${n(last.y)}`;
}

function edgeSvg(edge: DiagramEdge): string {
  const label = edge.label
    ? `<text class="edge-label" x="${n(edge.label.x)}" y="${n(edge.label.y + FONT.edge / 2 - 1)}">${escapeXml(edge.label.text)}</text>`
    : "";
  return `<g class="edge" data-from="${edge.from}" data-to="${edge.to}"><path d="${roundedPath(edge.points)}" marker-end="url(#arrow)"/>${label}</g>`;
}

function labels(node: DiagramNode, titleY: number, subY: number, titleMax: number): string {
  const cx = n(node.x + node.width / 2);
  return (
    `<text class="label title" x="${cx}" y="${n(node.y + titleY)}" data-max="${n(titleMax)}">${escapeXml(node.title)}</text>` +
    `<text class="label sub" x="${cx}" y="${n(node.y + subY)}" data-max="${n(node.width - 16)}">${escapeXml(node.sub)}</text>`
  );
}

const CAP = 8;

function bucketSvg(node: Extract<DiagramNode, { kind: "bucket" }>): string {
  const { x, y, width: w, height: h } = node;
  const rx = w / 2;
  const body =
    `M${n(x)},${n(y + CAP)} V${n(y + h - CAP)} A${n(rx)},${CAP} 0 0 0 ${n(x + w)},${n(y + h - CAP)} ` +
    `V${n(y + CAP)} A${n(rx)},${CAP} 0 0 0 ${n(x)},${n(y + CAP)} Z`;
  const classes = ["node", "bucket", node.role, ...(node.external ? ["external"] : [])].join(" ");
  return (
    `<g class="${classes}" data-id="${node.id}" tabindex="0"><title>${escapeXml(node.ref)}</title>` +
    `<path class="shape" d="${body}"/>` +
    `<ellipse class="cap" cx="${n(x + rx)}" cy="${n(y + CAP)}" rx="${n(rx)}" ry="${CAP}"/>` +
    `${labels(node, 2 * CAP + 18, 2 * CAP + 34, w - 16)}</g>`
  );
}

function stepSvg(node: Extract<DiagramNode, { kind: "step" }>): string {
  const { x, y, width: w, height: h } = node;
  const badge = node.sql
    ? `<rect class="badge" x="${n(x + w - 42)}" y="${n(y - 7)}" width="30" height="14" rx="7"/>` +
      `<text class="badge-text" x="${n(x + w - 27)}" y="${n(y + 3.5)}">SQL</text>`
    : "";
  return (
    `<g class="node step ${node.executor}" data-id="${node.id}" tabindex="0"><title>${escapeXml(`${node.title} · ${node.sub}`)}</title>` +
    `<rect class="shape" x="${n(x)}" y="${n(y)}" width="${n(w)}" height="${n(h)}" rx="10"/>` +
    `${labels(node, 21, 38, w - 16)}${badge}</g>`
  );
}

/**
 * The lineage graph as inline SVG: storage as cylinders (sinks and sources styled apart), tasks as rounded
 * boxes coloured by executor kind, edges as rounded orthogonal arrows labelled with multi-source input keys.
 *
 * @example
 * ```ts
 * diagramSvg(await layoutGraph(graph));
 * // <svg id="canvas" viewBox="0 0 912 176" …><g class="node bucket source" data-id="b0">…raw/sales.csv…
 * ```
 */
export function diagramSvg(diagram: Diagram): string {
  const nodes = diagram.nodes.map((node) => {
    switch (node.kind) {
      case "bucket":
        return bucketSvg(node);
      case "step":
        return stepSvg(node);
      default:
        return absurd(node);
    }
  });
  return [
    `<svg id="canvas" viewBox="0 0 ${diagram.width} ${diagram.height}" data-width="${diagram.width}" data-height="${diagram.height}" role="img" aria-label="Lineage graph">`,
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>`,
    `<g id="viewport">`,
    `<g class="edges">${diagram.edges.map(edgeSvg).join("")}</g>`,
    `<g class="nodes">${nodes.join("")}</g>`,
    `</g></svg>`,
  ].join("\n");
}
