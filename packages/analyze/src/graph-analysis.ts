import type { Analysis, AnalyzeOptions, LineageGraph } from "@glacier/core";
import type { AnalysisReport } from "./analysis-report.js";
import { analyzeReport, type AnalyzeGraphOptions } from "./analyze-graph.js";

/** `estimatedCost()` of an analysis: USD per run, itemised, plus the monthly figures. */
export type CostEstimate = {
  readonly totalUsd: number;
  readonly complete: boolean;
  readonly byService: Readonly<Record<string, number>>;
  readonly byStep: readonly { readonly id: string; readonly name: string; readonly usd: number | null }[];
  readonly monthlyScheduledUsd: number;
  readonly monthlyStandingUsd: number;
};

/** `estimatedDuration()`: the critical path and the parallel levels. */
export type DurationEstimate = AnalysisReport["duration"];

/** `resourceSummary()`: how many of each resource `generate` creates, with their names. */
export interface ResourceCounts {
  readonly [type: string]: { readonly count: number; readonly names: readonly string[] };
}

/**
 * The result of `run({ mode: "analyze" })`: core's {@link Analysis}, backed by a plain {@link AnalysisReport}
 * (`toJSON()`), which `renderAnalysis` prints and `compareAnalyses` diffs.
 *
 * @example
 * ```ts
 * const analysis = await sales.run({ mode: "analyze", offline: true });
 * analysis.estimatedCost().totalUsd;           // 0.0000797
 * analysis.estimatedDuration().criticalPath;   // ["cleanSales->…", "dailyRevenue->…"]
 * analysis.resourceSummary().function;         // { count: 1, names: ["glacier-clean-sales-5c4e1a"] }
 * ```
 */
export class GraphAnalysis implements Analysis {
  readonly report: AnalysisReport;

  constructor(report: AnalysisReport) {
    this.report = report;
    Object.freeze(this);
  }

  estimatedCost(): CostEstimate {
    const { cost, steps, monthly } = this.report;
    return {
      totalUsd: cost.perRunUsd,
      complete: cost.complete,
      byService: cost.byService,
      byStep: steps.map((s) => ({ id: s.id, name: s.name, usd: s.cost.usd })),
      monthlyScheduledUsd: monthly.scheduledUsd,
      monthlyStandingUsd: monthly.standing.usd,
    };
  }

  estimatedDuration(): DurationEstimate {
    return this.report.duration;
  }

  resourceSummary(): ResourceCounts {
    const counts: Record<string, { count: number; names: string[] }> = {};
    for (const item of this.report.resources?.items ?? []) {
      const entry = (counts[item.type] ??= { count: 0, names: [] });
      entry.count++;
      entry.names.push(item.name);
    }
    return counts;
  }

  toJSON(): AnalysisReport {
    return this.report;
  }
}

/**
 * Analyses a graph (see `analyzeReport`) and wraps the report as an {@link Analysis}.
 *
 * @example
 * ```ts
 * const analysis = await analyzeGraph(LineageGraph.from({ sales }), { localStorage: ".glacier-demo" });
 * ```
 */
export async function analyzeGraph(
  graph: LineageGraph,
  options: AnalyzeGraphOptions = {},
): Promise<GraphAnalysis> {
  return new GraphAnalysis(await analyzeReport(graph, options));
}

/** The `analyze` interpreter: what `runGraph` calls for `run({ mode: "analyze" })` and `glacier analyze`. */
export async function interpret(graph: LineageGraph, options: AnalyzeOptions): Promise<GraphAnalysis> {
  return analyzeGraph(graph, options);
}
