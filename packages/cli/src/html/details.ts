import type { BucketNode, LineageGraph, StepNode } from "@glacier/core";
import { stepInputs } from "@glacier/core/internal";
import { bucketRoles, describeExecutor, executorSettings } from "../describe.js";
import { usd } from "./cost-scale.js";
import { drawingIds } from "./layout.js";
import type { HtmlOverlay, StepRunState } from "./overlay.js";

type Rows = readonly (readonly [string, string])[];

/**
 * What the page shows for a node when it is clicked: a heading, label/value rows, titled tables (a bucket's
 * schema, a task's parameters) and the SQL of a SQL task.
 */
export interface NodeDetails {
  readonly kind: string;
  readonly title: string;
  readonly subtitle: string;
  readonly rows: Rows;
  readonly tables: readonly { readonly title: string; readonly rows: Rows }[];
  readonly code?: string;
}

/**
 * What the page knows: details per drawing id, each pipeline's drawing ids for highlighting, and the group
 * (pipeline box) each pipeline is drawn as, if any.
 */
export interface PageData {
  readonly nodes: Readonly<Record<string, NodeDetails>>;
  readonly pipelines: readonly {
    readonly name: string;
    readonly description?: string;
    readonly target: string;
    readonly steps: number;
    readonly members: readonly string[];
    /** The drawing id of its box (`g0`), when the page draws pipelines as boxes. */
    readonly group?: string;
  }[];
  /** The pipeline boxes and the drawing ids inside each (what collapsing one hides). */
  readonly groups: readonly { readonly id: string; readonly members: readonly string[] }[];
}

function provider(bucket: BucketNode): string {
  return bucket.provider.cloud === "aws"
    ? `aws · ${bucket.provider.region}`
    : `local · ${bucket.provider.basePath}`;
}

function bucketDetails(
  graph: LineageGraph,
  bucket: BucketNode,
  role: string,
  inPipelines: string,
  readers: readonly StepNode[],
): NodeDetails {
  const producer = graph.producerOf(bucket);
  return {
    kind: "Storage",
    title: bucket.id,
    subtitle: `${role} · ${bucket.format}`,
    rows: [
      ["location", bucket.location],
      ["format", `${bucket.format}${bucket.dataset ? " (dataset: many files)" : ""}`],
      ["provider", provider(bucket)],
      ["external", bucket.external ? "yes: referenced, never created" : "no"],
      ["written by", producer?.name ?? "(none: a source)"],
      ["read by", readers.map((s) => s.name).join(", ") || "(none)"],
      ["pipelines", inPipelines || "(none)"],
    ],
    tables: bucket.schema ? [{ title: "Declared schema", rows: Object.entries(bucket.schema) }] : [],
  };
}

/** The details rows of a step's last run and estimated cost, when the page has them. */
function overlayRows(run: StepRunState | undefined, cost: number | null | undefined): Rows {
  const rows: (readonly [string, string])[] = [];
  if (run !== undefined) {
    const status = run.status === "not-run" ? "not run" : run.status;
    rows.push([
      "last run",
      run.runId === undefined ? "never ran (no recorded run includes it)" : `${status} in run ${run.runId}`,
    ]);
    if (run.reason !== undefined) rows.push(["why", run.reason]);
    if (run.error !== undefined) rows.push(["error", run.error]);
  }
  if (cost !== undefined) rows.push(["estimated cost", cost === null ? "unknown" : `${usd(cost)} per run`]);
  return rows;
}

function stepDetails(
  step: StepNode,
  inPipelines: string,
  runsOn: string | undefined,
  overlay: Rows,
): NodeDetails {
  const task = step.task;
  const params = Object.entries(task.params).map(
    ([name, spec]) =>
      [
        name,
        `${spec.type}${spec.default === undefined ? " (required)" : ` = ${JSON.stringify(spec.default)}`}${spec.description ? ` — ${spec.description}` : ""}`,
      ] as const,
  );
  return {
    kind: "Task",
    title: step.name,
    subtitle: describeExecutor(task.executor),
    rows: [
      ...(task.description ? [["description", task.description] as const] : []),
      ["step id", step.id],
      ["executor", task.executor.kind],
      ...executorSettings(task.executor),
      ["language", task.language],
      ...stepInputs(step).map(([key, bucket]) => [`reads ${key}`, bucket.location] as const),
      ["writes", step.output.location],
      ["retries", String(task.retries)],
      ...(task.timeout === undefined ? [] : [["timeout", `${task.timeout} s`] as const]),
      ["code hash", task.codeHash],
      ["pipelines", inPipelines || "(none)"],
      ...(runsOn === undefined ? [] : [["deployed as", runsOn] as const]),
      ...overlay,
    ],
    tables: params.length > 0 ? [{ title: "Parameters (--param name=value)", rows: params }] : [],
    ...(task.sql === undefined ? {} : { code: task.sql }),
  };
}

/**
 * The page's data for the details panel and the pipeline highlighting, keyed by the drawing ids of
 * {@link drawingIds}; `groups` are the pipeline boxes the drawing has.
 */
export function pageData(
  graph: LineageGraph,
  overlay: HtmlOverlay = {},
  groups: readonly { readonly id: string; readonly name: string; readonly members: readonly string[] }[] = [],
): PageData {
  const groupOf = new Map(groups.map((g) => [g.name, g.id] as const));
  const stepNotes = overlay.stepNotes ?? {};
  const role = bucketRoles(graph);
  const ids = drawingIds(graph);
  const membership = new Map<string, string[]>();
  // With one bucket name (shown in the page header), a target's path says enough.
  const oneBucket = new Set(graph.buckets.map((b) => b.bucket)).size === 1;
  // Lookups by id and location, built once: the page of a 1,000-step graph must not cost steps × steps.
  const stepById = new Map(graph.steps.map((s) => [s.id, s] as const));
  const readers = new Map<string, StepNode[]>();
  for (const s of graph.steps) {
    for (const location of new Set(stepInputs(s).map(([, b]) => b.location))) {
      const list = readers.get(location);
      if (list) list.push(s);
      else readers.set(location, [s]);
    }
  }
  const pipelines = graph.pipelines.map((p) => {
    const members = new Set<string>();
    for (const id of p.steps) {
      const step = stepById.get(id);
      if (!step) continue;
      members.add(ids.step(step.id));
      members.add(ids.bucket(step.output));
      for (const [, b] of stepInputs(step)) members.add(ids.bucket(b));
    }
    for (const m of members) {
      const names = membership.get(m);
      if (names) names.push(p.name);
      else membership.set(m, [p.name]);
    }
    const group = groupOf.get(p.name);
    return {
      name: p.name,
      ...(group === undefined ? {} : { group }),
      ...(p.description === undefined ? {} : { description: p.description }),
      target: oneBucket ? p.target.path : p.target.id,
      steps: p.steps.length,
      members: [...members].sort(),
    };
  });
  const nodes: Record<string, NodeDetails> = {};
  for (const b of graph.buckets) {
    nodes[ids.bucket(b)] = bucketDetails(
      graph,
      b,
      role(b),
      (membership.get(ids.bucket(b)) ?? []).join(", "),
      readers.get(b.location) ?? [],
    );
  }
  for (const s of graph.steps) {
    nodes[ids.step(s.id)] = stepDetails(
      s,
      (membership.get(ids.step(s.id)) ?? []).join(", "),
      stepNotes[s.id],
      overlayRows(
        overlay.status?.[s.id],
        overlay.cost === undefined ? undefined : (overlay.cost[s.id] ?? null),
      ),
    );
  }
  return { nodes, pipelines, groups: groups.map((g) => ({ id: g.id, members: g.members })) };
}
