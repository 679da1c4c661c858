import { absurd } from "@glacier/core/internal";
import { costScale, usd } from "./cost-scale.js";
import {
  type Diagram,
  type DiagramEdge,
  type DiagramGroup,
  type DiagramNode,
  GROUP_HEADER,
} from "./layout.js";
import type { HtmlOverlay, RunState } from "./overlay.js";
import { ellipsize, escapeXml, FONT } from "./text-metrics.js";

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
  const infra =
    node.kind === "step" && node.infra !== undefined
      ? `<text class="label infra" x="${cx}" y="${n(node.y + subY + 15)}" data-max="${n(node.width - 16)}">${escapeXml(node.infra)}</text>`
      : "";
  return (
    `<text class="label title" x="${cx}" y="${n(node.y + titleY)}" data-max="${n(titleMax)}">${escapeXml(node.title)}</text>` +
    `<text class="label sub" x="${cx}" y="${n(node.y + subY)}" data-max="${n(node.width - 16)}">${escapeXml(node.sub)}</text>` +
    infra
  );
}

const STATUS_TEXT = {
  succeeded: "✓ succeeded",
  failed: "✗ failed",
  skipped: "↷ skipped",
  "not-run": "○ not run",
} as const satisfies Record<RunState, string>;

/** A pill on a step's top edge, left: its last run's status or its cost, shown in that colour view only. */
function pill(cls: string, x: number, y: number, text: string): string {
  const w = [...text].length * 5.6 + 12;
  return (
    `<g class="pill ${cls}"><rect x="${n(x)}" y="${n(y - 8)}" width="${n(w)}" height="16" rx="8"/>` +
    `<text x="${n(x + w / 2)}" y="${n(y + 3.5)}">${escapeXml(text)}</text></g>`
  );
}

/** What a step node carries from the overlay: its status and cost, as classes, data and pills. */
interface StepDecor {
  readonly status?: RunState;
  readonly costBin?: number | null;
  readonly costText?: string;
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

function stepSvg(
  node: Extract<DiagramNode, { kind: "step" }>,
  decor: StepDecor,
  direction: Diagram["direction"],
): string {
  const { x, y, width: w, height: h } = node;
  const badge = node.sql
    ? `<rect class="badge" x="${n(x + w - 42)}" y="${n(y - 7)}" width="30" height="14" rx="7"/>` +
      `<text class="badge-text" x="${n(x + w - 27)}" y="${n(y + 3.5)}">SQL</text>`
    : "";
  const data =
    (decor.status === undefined ? "" : ` data-status="${decor.status}"`) +
    (decor.costBin === undefined ? "" : ` data-cost="${decor.costBin ?? "unknown"}"`);
  // Drawn top to bottom, edges arrive at the middle of the top: the pill starts left of the corner to keep clear.
  const px = direction === "DOWN" ? x - 10 : x + 10;
  const pills =
    (decor.status === undefined ? "" : pill("status", px, y, STATUS_TEXT[decor.status])) +
    (decor.costText === undefined ? "" : pill("cost", px, y, decor.costText));
  return (
    `<g class="node step ${node.executor}" data-id="${node.id}"${data} tabindex="0"><title>${escapeXml(`${node.title} · ${node.sub}`)}</title>` +
    `<rect class="shape" x="${n(x)}" y="${n(y)}" width="${n(w)}" height="${n(h)}" rx="10"/>` +
    `${labels(node, 21, 38, w - 16)}${badge}${pills}</g>`
  );
}

/** A pipeline's box, under the edges: a tinted area with the pipeline's name and a collapse control. */
function groupSvg(group: DiagramGroup): string {
  const { x, y, width: w, height: h } = group;
  const name = ellipsize(group.name, Math.max(4, Math.floor((w - 44) / (FONT.title * FONT.advance))));
  return (
    `<g class="group" data-group="${group.id}"><rect class="group-box" x="${n(x)}" y="${n(y)}" width="${n(w)}" height="${n(h)}" rx="12"/>` +
    `<g class="group-header" role="button" tabindex="0" aria-expanded="true"><title>${escapeXml(`pipeline ${group.name}: click to collapse`)}</title>` +
    `<rect class="group-bar" x="${n(x)}" y="${n(y)}" width="${n(w)}" height="${GROUP_HEADER}" rx="12"/>` +
    `<text class="group-title" x="${n(x + 12)}" y="${n(y + 20)}">${escapeXml(name)}</text>` +
    `<text class="group-toggle" x="${n(x + w - 16)}" y="${n(y + 20)}">−</text></g></g>`
  );
}

/** The same box collapsed, over the edges (which then end at its border) and instead of its members. */
function groupCoverSvg(group: DiagramGroup, nodes: ReadonlyMap<string, DiagramNode>): string {
  const { x, y, width: w, height: h } = group;
  const members = group.members.map((m) => nodes.get(m));
  const steps = members.filter((m) => m?.kind === "step").length;
  const buckets = members.length - steps;
  const summary = `${steps} step${steps === 1 ? "" : "s"} · ${buckets} bucket${buckets === 1 ? "" : "s"}`;
  const name = ellipsize(group.name, Math.max(4, Math.floor((w - 44) / (FONT.title * FONT.advance))));
  return (
    `<g class="group-cover" data-group="${group.id}" role="button" tabindex="0" aria-label="${escapeXml(`expand pipeline ${group.name}`)}">` +
    `<rect x="${n(x)}" y="${n(y)}" width="${n(w)}" height="${n(h)}" rx="12"/>` +
    `<text class="group-title" x="${n(x + 12)}" y="${n(y + 20)}">${escapeXml(name)}</text>` +
    `<text class="group-toggle" x="${n(x + w - 16)}" y="${n(y + 20)}">+</text>` +
    `<text class="group-summary" x="${n(x + w / 2)}" y="${n(y + h / 2 + 10)}">${escapeXml(summary)}</text></g>`
  );
}

/**
 * The lineage graph as inline SVG: storage as cylinders (sinks and sources styled apart), tasks as rounded
 * boxes coloured by executor kind, edges as rounded orthogonal arrows labelled with multi-source input keys,
 * pipelines as collapsible boxes. With an overlay, steps carry their last run's status and their estimated cost
 * (`data-status`, `data-cost` and a pill each), which the page's colour views show.
 *
 * @example
 * ```ts
 * diagramSvg(await layoutGraph(graph));
 * // <svg id="canvas" viewBox="0 0 912 176" …><g class="node bucket source" data-id="b0">…raw/sales.csv…
 * ```
 */
export function diagramSvg(diagram: Diagram, overlay: HtmlOverlay = {}): string {
  const costs = overlay.cost;
  const scale = costs === undefined ? undefined : costScale(Object.values(costs));
  const decor = (ref: string): StepDecor => {
    const status = overlay.status?.[ref]?.status;
    const cost = costs === undefined ? undefined : (costs[ref] ?? null);
    return {
      ...(status === undefined ? {} : { status }),
      ...(cost === undefined || scale === undefined
        ? {}
        : { costBin: scale.bin(cost), costText: cost === null ? "cost unknown" : usd(cost) }),
    };
  };
  const nodes = diagram.nodes.map((node) => {
    switch (node.kind) {
      case "bucket":
        return bucketSvg(node);
      case "step":
        return stepSvg(node, decor(node.ref), diagram.direction);
      default:
        return absurd(node);
    }
  });
  const byId = new Map(diagram.nodes.map((node) => [node.id, node] as const));
  return [
    `<svg id="canvas" viewBox="0 0 ${diagram.width} ${diagram.height}" data-width="${diagram.width}" data-height="${diagram.height}" data-direction="${diagram.direction}" role="img" aria-label="Lineage graph">`,
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>`,
    `<g id="viewport">`,
    `<g class="groups">${diagram.groups.map(groupSvg).join("")}</g>`,
    `<g class="edges">${diagram.edges.map(edgeSvg).join("")}</g>`,
    `<g class="covers">${diagram.groups.map((g) => groupCoverSvg(g, byId)).join("")}</g>`,
    `<g class="nodes">${nodes.join("")}</g>`,
    `</g></svg>`,
  ].join("\n");
}
