import type { ElkExtendedEdge, ElkNode } from "elkjs/lib/elk-api.js";
import type { BucketNode, ExecutorKind, LineageGraph } from "@glacier/core";
import { stepInputs } from "@glacier/core/internal";
import { bucketRoles, type BucketRole } from "../describe.js";
import { type NodeGroup, pipelineGroups } from "./groups.js";
import { bucketLines, executorLine, MAX_CHARS } from "./node-labels.js";
import { ellipsize, FONT, textWidth } from "./text-metrics.js";

/** A node of the drawing, positioned by ELK. */
export type DiagramNode =
  | (NodeBox & { readonly kind: "bucket"; readonly role: BucketRole; readonly external: boolean })
  | (NodeBox & {
      readonly kind: "step";
      readonly executor: ExecutorKind;
      readonly sql: boolean;
      /** A third line: the resource that runs it (`visualize --infra`). */
      readonly infra?: string;
    });

interface NodeBox {
  /** Stable drawing id (`b0`, `s3`): the index in the graph's sorted buckets or steps. */
  readonly id: string;
  /** The graph's id of the bucket or step. */
  readonly ref: string;
  readonly title: string;
  readonly sub: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** An edge of the drawing: a step reading a bucket, or writing one. */
export interface DiagramEdge {
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly points: readonly { readonly x: number; readonly y: number }[];
  /** The input key of a multi-source step, where ELK placed it. */
  readonly label?: { readonly text: string; readonly x: number; readonly y: number };
}

/** A pipeline's box (see {@link pipelineGroups}), positioned around its members. */
export interface DiagramGroup {
  readonly id: string;
  readonly name: string;
  /** Drawing ids of the nodes inside. */
  readonly members: readonly string[];
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Which way the edges run: `RIGHT` (left to right) or `DOWN` (top to bottom). */
export type LayoutDirection = "RIGHT" | "DOWN";

/** The laid-out drawing: its direction, its size and every positioned node, routed edge and pipeline box. */
export interface Diagram {
  readonly direction: LayoutDirection;
  readonly width: number;
  readonly height: number;
  readonly nodes: readonly DiagramNode[];
  readonly edges: readonly DiagramEdge[];
  readonly groups: readonly DiagramGroup[];
}

/** What the layout draws besides the graph (the resource running each step, by step id), and its direction. */
export interface LayoutOverlay {
  readonly resources?: Readonly<Record<string, string>>;
  /** Draw this way only, instead of choosing the more legible direction. */
  readonly direction?: LayoutDirection;
}

/**
 * Drawing ids: `b<i>` for the i-th bucket and `s<i>` for the i-th step of the graph's (sorted, stable) lists,
 * short and safe in attributes, shared by the SVG and the page's data.
 */
export function drawingIds(graph: LineageGraph): {
  readonly bucket: (node: BucketNode) => string;
  readonly step: (stepId: string) => string;
} {
  const buckets = new Map(graph.buckets.map((b, i) => [b.location, `b${i}`]));
  const steps = new Map(graph.steps.map((s, i) => [s.id, `s${i}`]));
  return {
    bucket: (node) => buckets.get(node.location) as string,
    step: (stepId) => steps.get(stepId) as string,
  };
}

const PAD_X = 12;
const BUCKET_HEIGHT = 62;
const STEP_HEIGHT = 50;
/** A step with an infrastructure line. */
const STEP_INFRA_HEIGHT = 66;
/** Room above a group's members for its title bar. */
export const GROUP_HEADER = 30;

/** ELK's layered algorithm, orthogonal edges; options chosen for a compact, readable pipeline. */
const LAYOUT_OPTIONS: Readonly<Record<string, string>> = {
  "elk.algorithm": "layered",
  "elk.direction": "RIGHT",
  "elk.edgeRouting": "ORTHOGONAL",
  "elk.layered.spacing.nodeNodeBetweenLayers": "40",
  "elk.layered.spacing.edgeNodeBetweenLayers": "16",
  "elk.spacing.nodeNode": "24",
  "elk.spacing.edgeNode": "18",
  "elk.spacing.edgeEdge": "12",
  "elk.spacing.edgeLabel": "4",
  "elk.layered.nodePlacement.strategy": "NETWORK_SIMPLEX",
  // Keep the graph's (sorted, stable) order where crossings allow, so the picture does not shuffle.
  "elk.layered.considerModelOrder.strategy": "NODES_AND_EDGES",
  "elk.edgeLabels.inline": "true",
  "elk.padding": "[top=24,left=24,bottom=24,right=24]",
};

/**
 * Above this many nodes (buckets + steps) the layout trades three refinements whose cost grows much faster than
 * the graph (measured with ELK's execution-time log, see `bench/html-layout.mjs`) for near-linear ones:
 * - the model-order sort, about cubic in the widest layer: a 300-way fan-out spent 19 of its 21 s there, a
 *   1,000-way one most of its 8 minutes; dropped (ELK's crossing minimisation is still seeded, so deterministic);
 * - network-simplex node placement, about quadratic: a 1,000-step grid spent 180 s there; Brandes–Köpf instead,
 *   ELK's default;
 * - network-simplex layering: 6 s of that grid; longest path from the sources instead, which puts each node in
 *   its execution level.
 * Below the threshold all three cost well under a second, so the pictures of ordinary pipelines stay as they were.
 */
export const LARGE_GRAPH_NODES = 150;

/** The ELK options for a drawing of `nodes` nodes (see {@link LARGE_GRAPH_NODES}). */
export function layoutOptions(nodes: number): Readonly<Record<string, string>> {
  if (nodes <= LARGE_GRAPH_NODES) return LAYOUT_OPTIONS;
  const large: Record<string, string> = {
    ...LAYOUT_OPTIONS,
    "elk.layered.nodePlacement.strategy": "BRANDES_KOEPF",
    "elk.layered.nodePlacement.bk.fixedAlignment": "BALANCED",
    "elk.layered.layering.strategy": "LONGEST_PATH_SOURCE",
  };
  delete large["elk.layered.considerModelOrder.strategy"];
  return large;
}

function boxWidth(title: string, sub: string, extra = ""): number {
  return (
    Math.max(100, textWidth(title, FONT.title), textWidth(sub, FONT.sub), textWidth(extra, FONT.sub)) +
    2 * PAD_X
  );
}

/** The nodes and edges to lay out, with sizes from the label metrics. */
function unplaced(
  graph: LineageGraph,
  overlay: LayoutOverlay,
): { nodes: DiagramNode[]; edges: ElkExtendedEdge[] } {
  const role = bucketRoles(graph);
  const ids = drawingIds(graph);
  const showBucket = new Set(graph.buckets.map((b) => b.bucket)).size > 1;
  const nodes: DiagramNode[] = graph.buckets.map((b) => {
    const { title, sub } = bucketLines(b, showBucket);
    return {
      kind: "bucket",
      id: ids.bucket(b),
      ref: b.id,
      title,
      sub,
      role: role(b),
      external: b.external,
      x: 0,
      y: 0,
      width: boxWidth(title, sub),
      height: BUCKET_HEIGHT,
    };
  });
  const edges: ElkExtendedEdge[] = [];
  for (const s of graph.steps) {
    const id = ids.step(s.id);
    const title = ellipsize(s.name, MAX_CHARS);
    const sub = executorLine(s.task.executor, s.task.timeout);
    const sql = s.task.language === "sql";
    const resource = overlay.resources?.[s.id];
    const infra = resource === undefined ? undefined : ellipsize(resource, MAX_CHARS);
    nodes.push({
      kind: "step",
      id,
      ref: s.id,
      title,
      sub,
      executor: s.task.executor.kind,
      sql,
      ...(infra === undefined ? {} : { infra }),
      x: 0,
      y: 0,
      width: boxWidth(title, sub, infra),
      height: infra === undefined ? STEP_HEIGHT : STEP_INFRA_HEIGHT,
    });
    for (const [key, bucket] of stepInputs(s)) {
      const from = ids.bucket(bucket);
      const label = s.input.kind === "multi" ? key : undefined;
      edges.push({
        id: `e${edges.length}`,
        sources: [from],
        targets: [id],
        ...(label === undefined
          ? {}
          : { labels: [{ text: label, width: textWidth(label, FONT.edge) + 8, height: FONT.edge + 6 }] }),
      });
    }
    edges.push({ id: `e${edges.length}`, sources: [id], targets: [ids.bucket(s.output)] });
  }
  return { nodes, edges };
}

type ElkConstructor = new () => { layout(graph: ElkNode): Promise<ElkNode> };

/**
 * The screen a drawing is chosen for: the graph's part of a 1024×700 window beside the side panel, the smallest
 * the page is made for (a larger screen only fits it larger). A pipeline is long and narrow, so left-to-right
 * drawings of ordinary graphs come out several times wider than tall and shrink to unreadable labels there;
 * top-to-bottom ones often fit at nearly twice the size.
 */
export const REFERENCE_VIEW = { width: 774, height: 656 } as const;

/** The scale at which a drawing fits {@link REFERENCE_VIEW}. */
function fitScale(d: { readonly width: number; readonly height: number }): number {
  return Math.min(REFERENCE_VIEW.width / Math.max(1, d.width), REFERENCE_VIEW.height / Math.max(1, d.height));
}

/**
 * Lays the graph out with ELK (layered, orthogonal edges) at generation time, so the page needs no layout code
 * and no network. Graphs up to {@link LARGE_GRAPH_NODES} nodes are laid out both left to right and top to
 * bottom, and the drawing that fits {@link REFERENCE_VIEW} at the larger scale (the more legible one) wins,
 * left to right on a tie; larger graphs are drawn left to right only (one layout, as fast as before).
 * Deterministic: the same graph gives the same coordinates.
 *
 * @example
 * ```ts
 * const diagram = await layoutGraph(LineageGraph.from(sales));
 * diagram.direction; // "DOWN"
 * diagram.nodes.map((n) => [n.title, n.y]); // [["raw/sales.csv", 24], ["cleanSales", 126], …]
 * ```
 */
export async function layoutGraph(graph: LineageGraph, overlay: LayoutOverlay = {}): Promise<Diagram> {
  const parts = unplaced(graph, overlay);
  // elkjs is ~1.5 MB of transpiled Java: load it only when an HTML page is drawn. The CommonJS module is
  // the constructor, with itself as `.default`.
  const loaded = (await import("elkjs/lib/elk.bundled.js")) as unknown as {
    default: { default: ElkConstructor };
  };
  const ELK = loaded.default.default;
  const groups = membersOf(graph, pipelineGroups(graph));
  if (overlay.direction !== undefined) return layoutOnce(new ELK(), parts, groups, overlay.direction);
  const across = await layoutOnce(new ELK(), parts, groups, "RIGHT");
  if (parts.nodes.length > LARGE_GRAPH_NODES) return across;
  const down = await layoutOnce(new ELK(), parts, groups, "DOWN");
  return fitScale(down) > fitScale(across) ? down : across;
}

async function layoutOnce(
  elk: InstanceType<ElkConstructor>,
  { nodes, edges }: { nodes: DiagramNode[]; edges: ElkExtendedEdge[] },
  groups: readonly { id: string; name: string; members: string[] }[],
  direction: LayoutDirection,
): Promise<Diagram> {
  const grouped = new Map<string, string>();
  for (const g of groups) for (const m of g.members) grouped.set(m, g.id);
  const leaf = (n: DiagramNode): ElkNode => ({ id: n.id, width: n.width, height: n.height });
  // ELK writes its results into the edges it is given: each layout gets its own copies.
  const result = await elk.layout({
    id: "root",
    layoutOptions: {
      ...layoutOptions(nodes.length),
      "elk.direction": direction,
      ...(groups.length === 0
        ? {}
        : {
            // Edges cross the pipeline boxes; coordinates all relative to the drawing, nested or not.
            "elk.hierarchyHandling": "INCLUDE_CHILDREN",
            "elk.json.shapeCoords": "ROOT",
            "elk.json.edgeCoords": "ROOT",
          }),
    },
    children: [
      ...nodes.filter((n) => !grouped.has(n.id)).map(leaf),
      ...groups.map((g) => ({
        id: g.id,
        layoutOptions: { "elk.padding": `[top=${GROUP_HEADER + 8},left=14,bottom=14,right=14]` },
        children: nodes.filter((n) => grouped.get(n.id) === g.id).map(leaf),
      })),
    ],
    edges: structuredClone(edges),
  });
  const placed = new Map<string, ElkNode>();
  const visit = (children: readonly ElkNode[] | undefined): void => {
    for (const c of children ?? []) {
      placed.set(c.id, c);
      visit(c.children);
    }
  };
  visit(result.children);
  return {
    direction,
    width: Math.ceil(result.width ?? 0),
    height: Math.ceil(result.height ?? 0),
    nodes: nodes.map((n) => ({ ...n, x: placed.get(n.id)?.x ?? 0, y: placed.get(n.id)?.y ?? 0 })),
    groups: groups.map((g) => {
      const box = placed.get(g.id);
      return {
        ...g,
        x: box?.x ?? 0,
        y: box?.y ?? 0,
        width: box?.width ?? 0,
        height: box?.height ?? 0,
      };
    }),
    edges: ((result.edges ?? []) as ElkExtendedEdge[]).map((e) => {
      const section = e.sections?.[0];
      const label = e.labels?.[0];
      return {
        id: e.id,
        from: e.sources[0] as string,
        to: e.targets[0] as string,
        points: section ? [section.startPoint, ...(section.bendPoints ?? []), section.endPoint] : [],
        ...(label?.text === undefined
          ? {}
          : {
              label: {
                text: label.text,
                x: (label.x ?? 0) + (label.width ?? 0) / 2,
                y: (label.y ?? 0) + (label.height ?? 0) / 2,
              },
            }),
      };
    }),
  };
}

/** The groups with their members as drawing ids; a bucket written by two steps goes with the first. */
function membersOf(
  graph: LineageGraph,
  groups: readonly NodeGroup[],
): { id: string; name: string; members: string[] }[] {
  const ids = drawingIds(graph);
  const byLocation = new Map(graph.buckets.map((b) => [b.location, b] as const));
  const taken = new Set<string>();
  return groups.map((g) => {
    const members = [
      ...g.steps.map((id) => ids.step(id)),
      ...g.buckets.flatMap((location) => {
        const bucket = byLocation.get(location);
        return bucket ? [ids.bucket(bucket)] : [];
      }),
    ].filter((m) => !taken.has(m));
    for (const m of members) taken.add(m);
    return { id: g.id, name: g.name, members };
  });
}
