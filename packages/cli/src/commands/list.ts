import { resolve } from "node:path";
import type { LineageGraph, StepNode } from "@glacier/core";
import { stepInputs } from "@glacier/core/internal";
import { bucketRoles, type BucketRole, describeExecutor } from "../describe.js";
import { EXIT, type ExitCode } from "../exit-codes.js";
import type { Io } from "../io.js";
import { loadProject } from "../load/load-project.js";
import { parseChoice } from "../options.js";
import { formatTable } from "../table.js";
import { keyRanges, partitionStatus, type PartitionStatus } from "./partition-status.js";

/** What `glacier list --format json` prints. */
export interface Listing {
  readonly pipelines: readonly {
    name: string;
    description?: string;
    target: string;
    steps: readonly string[];
  }[];
  readonly steps: readonly {
    id: string;
    name: string;
    executor: string;
    executorDetail: string;
    language: string;
    inputs: Readonly<Record<string, string>>;
    output: string;
    params: readonly string[];
  }[];
  readonly buckets: readonly {
    id: string;
    location: string;
    format: string;
    role: BucketRole;
    dataset: boolean;
    external: boolean;
  }[];
  /** Each partitioned bucket's materialised, missing and failed partitions (absent without partitions). */
  readonly partitions?: readonly PartitionStatus[];
}

function ordered(graph: LineageGraph): readonly StepNode[] {
  // A cyclic graph has no execution order; list it by id rather than fail (validate reports the cycle).
  return graph.problems().some((p) => p.code === "CYCLE") ? graph.steps : graph.executionOrder();
}

/** The pipelines, steps (in execution order) and buckets of a graph, as plain data. */
export function listing(graph: LineageGraph): Listing {
  const role = bucketRoles(graph);
  const names = new Map(graph.steps.map((s) => [s.id, s.name]));
  return {
    pipelines: graph.pipelines.map((p) => ({
      name: p.name,
      ...(p.description === undefined ? {} : { description: p.description }),
      target: p.target.id,
      steps: p.steps.map((id) => names.get(id) ?? id),
    })),
    steps: ordered(graph).map((s) => ({
      id: s.id,
      name: s.name,
      executor: s.task.executor.kind,
      executorDetail: describeExecutor(s.task.executor),
      language: s.task.language,
      inputs: Object.fromEntries(stepInputs(s).map(([key, b]) => [key, b.id])),
      output: s.output.id,
      params: Object.keys(s.task.params),
    })),
    buckets: graph.buckets.map((b) => ({
      id: b.id,
      location: b.location,
      format: b.format,
      role: role(b),
      dataset: b.dataset,
      external: b.external,
    })),
  };
}

function renderText(list: Listing): string {
  const reads = (inputs: Readonly<Record<string, string>>): string => {
    const entries = Object.entries(inputs);
    return entries.length === 1 && entries[0]?.[0] === "input"
      ? (entries[0]?.[1] ?? "")
      : entries.map(([k, v]) => `${k}=${v}`).join(", ");
  };
  const sections = [
    `Pipelines (${list.pipelines.length})`,
    formatTable(
      list.pipelines.map((p) => [
        `  ${p.name}`,
        `${p.steps.length} step${p.steps.length === 1 ? "" : "s"}`,
        `→ ${p.target}`,
        p.description ?? "",
      ]),
    ),
    "",
    `Steps (${list.steps.length}, in execution order)`,
    formatTable(
      list.steps.map((s) => [
        `  ${s.name}`,
        s.executor,
        s.executorDetail === s.executor ? "" : s.executorDetail,
        s.language,
        `${reads(s.inputs)} → ${s.output}`,
      ]),
    ),
    "",
    `Buckets (${list.buckets.length})`,
    formatTable(list.buckets.map((b) => [`  ${b.id}`, b.format, b.role, b.location])),
  ];
  if (list.partitions !== undefined && list.partitions.length > 0) {
    sections.push("", `Partitioned buckets (${list.partitions.length})`);
    for (const p of list.partitions) {
      const all = [...p.materialised, ...p.missing].sort();
      const parts = p.checked
        ? [
            `${p.materialised.length} materialised`,
            `${p.missing.length} missing${p.missing.length ? ` (${keyRanges(p.missing, all)})` : ""}`,
          ]
        : ["in S3: pass --local-storage to check which are there"];
      if (p.failed.length > 0) parts.push(`${p.failed.length} failed (${keyRanges(p.failed, all)})`);
      sections.push(`  ${p.bucket}  ${p.scheme}: ${parts.join(", ")}`);
    }
  }
  return `${sections.join("\n")}\n`;
}

/**
 * `glacier list [entry]`: the pipelines, their steps with executors, and the buckets, as a table or JSON.
 *
 * @example
 * ```sh
 * glacier list examples/simple/pipeline.ts   # --local-storage DIR: which partitions of S3 buckets are there
 * # Pipelines (1)
 * #   sales  2 steps  → glacier-example-sales/reports/daily_revenue.parquet  Daily revenue per region
 * # …
 * ```
 */
export async function listCommand(
  entry: string | undefined,
  options: { readonly format: string; readonly pipeline?: string; readonly localStorage?: string },
  io: Io,
): Promise<ExitCode> {
  const format = parseChoice(options.format, ["text", "json"] as const, "format");
  const { graph: whole } = await loadProject({
    ...(entry === undefined ? {} : { entry }),
    cwd: process.cwd(),
    command: "list",
  });
  const graph = options.pipeline === undefined ? whole : whole.forPipeline(options.pipeline);
  const partitions = await partitionStatus(graph, {
    projectDir: process.cwd(),
    ...(options.localStorage === undefined ? {} : { localStorage: resolve(options.localStorage) }),
  });
  const list = { ...listing(graph), ...(partitions.length > 0 ? { partitions } : {}) };
  io.stdout.write(format === "json" ? `${JSON.stringify(list, null, 2)}\n` : renderText(list));
  return EXIT.ok;
}
