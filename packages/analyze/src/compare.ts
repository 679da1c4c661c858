import { canonicalJson } from "@glacier/core/internal";
import type { AnalysisReport, ResourceEntry } from "./analysis-report.js";
import { seconds, usd, usdDelta } from "./format-values.js";

/** What changed between two analyses. */
export interface AnalysisComparison {
  readonly resources: {
    readonly added: readonly ResourceEntry[];
    readonly removed: readonly ResourceEntry[];
    readonly changed: readonly {
      readonly type: string;
      readonly name: string;
      /** `memory: 1024 → 2048`, one per changed setting. */
      readonly changes: readonly string[];
    }[];
  };
  readonly steps: readonly {
    readonly id: string;
    readonly name: string;
    readonly status: "added" | "removed" | "changed" | "unchanged";
    readonly beforeUsd: number | null;
    readonly afterUsd: number | null;
    readonly deltaUsd: number;
    readonly beforeSeconds: number | null;
    readonly afterSeconds: number | null;
  }[];
  readonly perRun: { readonly beforeUsd: number; readonly afterUsd: number; readonly deltaUsd: number };
  readonly duration: { readonly beforeSeconds: number; readonly afterSeconds: number };
  readonly monthly: { readonly beforeUsd: number; readonly afterUsd: number; readonly deltaUsd: number };
}

type Comparable = AnalysisReport | { readonly report: AnalysisReport };

function reportOf(value: Comparable): AnalysisReport {
  return "report" in value ? value.report : value;
}

const key = (r: ResourceEntry) => `${r.type} ${r.name}`;

function settingChanges(
  before: Readonly<Record<string, unknown>>,
  after: Readonly<Record<string, unknown>>,
): string[] {
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const shown = (v: unknown) => (v === undefined ? "—" : typeof v === "string" ? v : canonicalJson(v));
  return names
    .filter((n) => canonicalJson(before[n] ?? null) !== canonicalJson(after[n] ?? null))
    .map((n) => `${n}: ${shown(before[n])} → ${shown(after[n])}`);
}

const stepUsd = (s: AnalysisReport["steps"][number]) => s.cost.items.reduce((a, i) => a + i.usd, 0);
const monthly = (r: AnalysisReport) => r.monthly.scheduledUsd + r.monthly.standing.usd;

/**
 * Compares two analyses (e.g. the base branch and a pull request): resources added, removed or changed
 * (a setting that changes cost, such as memory or workers), and the cost and duration delta per step and in total.
 *
 * @example
 * ```ts
 * const diff = compareAnalyses(await analyzeAtRef({ repoDir, ref: "main", entry }), current);
 * diff.perRun.deltaUsd;          // 0.0000334 (cleanSales went from 1024 to 2048 MB)
 * diff.resources.changed[0];     // { type: "function", name: "glacier-clean-sales-5c4e1a", changes: ["memory: 1024 → 2048"] }
 * ```
 */
export function compareAnalyses(beforeValue: Comparable, afterValue: Comparable): AnalysisComparison {
  const before = reportOf(beforeValue);
  const after = reportOf(afterValue);
  const oldResources = new Map((before.resources?.items ?? []).map((r) => [key(r), r]));
  const newResources = new Map((after.resources?.items ?? []).map((r) => [key(r), r]));
  const changed = [...newResources.values()].flatMap((r) => {
    const old = oldResources.get(key(r));
    const changes = old ? settingChanges(old.config, r.config) : [];
    return changes.length > 0 ? [{ type: r.type, name: r.name, changes }] : [];
  });
  const oldSteps = new Map(before.steps.map((s) => [s.id, s]));
  const newIds = new Set(after.steps.map((s) => s.id));
  const steps = [
    ...after.steps.map((s) => {
      const old = oldSteps.get(s.id);
      const afterUsd = stepUsd(s);
      const beforeUsd = old ? stepUsd(old) : null;
      const delta = afterUsd - (beforeUsd ?? 0);
      return {
        id: s.id,
        name: s.name,
        status: !old
          ? ("added" as const)
          : Math.abs(delta) > 1e-12 || old.duration.seconds !== s.duration.seconds
            ? ("changed" as const)
            : ("unchanged" as const),
        beforeUsd,
        afterUsd,
        deltaUsd: delta,
        beforeSeconds: old ? old.duration.seconds : null,
        afterSeconds: s.duration.seconds,
      };
    }),
    ...before.steps
      .filter((s) => !newIds.has(s.id))
      .map((s) => ({
        id: s.id,
        name: s.name,
        status: "removed" as const,
        beforeUsd: stepUsd(s),
        afterUsd: null,
        deltaUsd: -stepUsd(s),
        beforeSeconds: s.duration.seconds,
        afterSeconds: null,
      })),
  ];
  return {
    resources: {
      added: [...newResources.values()].filter((r) => !oldResources.has(key(r))),
      removed: [...oldResources.values()].filter((r) => !newResources.has(key(r))),
      changed,
    },
    steps,
    perRun: {
      beforeUsd: before.cost.perRunUsd,
      afterUsd: after.cost.perRunUsd,
      deltaUsd: after.cost.perRunUsd - before.cost.perRunUsd,
    },
    duration: { beforeSeconds: before.duration.totalSeconds, afterSeconds: after.duration.totalSeconds },
    monthly: {
      beforeUsd: monthly(before),
      afterUsd: monthly(after),
      deltaUsd: monthly(after) - monthly(before),
    },
  };
}

function percent(before: number, after: number): string {
  if (before === 0) return after === 0 ? "" : " (new)";
  const p = ((after - before) / before) * 100;
  return ` (${p > 0 ? "+" : ""}${p.toFixed(1)}%)`;
}

const cell = (text: string) => text.replace(/\|/g, "\\|");
const side = (cost: number | null, time: number | null) =>
  cost === null ? "—" : `${usd(cost)} · ${seconds(time)}`;

/**
 * The comparison as Markdown for a pull-request comment: totals, the steps whose cost changed, and the
 * resource changes.
 *
 * @example
 * ```ts
 * renderComparison(diff);
 * // ### Glacier analyze: cost and resource changes
 * // |  | Before | After | Change |
 * // | Cost per run | $0.0000797 | $0.000113 | +$0.0000334 (+41.9%) | …
 * ```
 */
export function renderComparison(comparison: AnalysisComparison): string {
  const { perRun, duration, monthly: month, resources } = comparison;
  const lines = [
    "### Glacier analyze: cost and resource changes",
    "",
    "|  | Before | After | Change |",
    "|---|---:|---:|---:|",
    `| Cost per run | ${usd(perRun.beforeUsd)} | ${usd(perRun.afterUsd)} | ${usdDelta(perRun.deltaUsd)}${percent(perRun.beforeUsd, perRun.afterUsd)} |`,
    `| Duration (critical path) | ${seconds(duration.beforeSeconds)} | ${seconds(duration.afterSeconds)} | ${seconds(Math.abs(duration.afterSeconds - duration.beforeSeconds))} ${duration.afterSeconds >= duration.beforeSeconds ? "longer" : "shorter"} |`,
    `| Monthly (schedules + standing) | ${usd(month.beforeUsd)} | ${usd(month.afterUsd)} | ${usdDelta(month.deltaUsd)}${percent(month.beforeUsd, month.afterUsd)} |`,
  ];
  const steps = comparison.steps.filter((s) => s.status !== "unchanged");
  if (steps.length > 0) {
    lines.push("", "| Step | Change | Before | After | Δ cost/run |", "|---|---|---:|---:|---:|");
    for (const s of steps) {
      lines.push(
        `| ${cell(s.name)} | ${s.status} | ${side(s.beforeUsd, s.beforeSeconds)} | ${side(s.afterUsd, s.afterSeconds)} | ${usdDelta(s.deltaUsd)} |`,
      );
    }
  }
  const rows = [
    ...resources.added.map((r) => ["added", r.type, r.name, ""]),
    ...resources.removed.map((r) => ["removed", r.type, r.name, ""]),
    ...resources.changed.map((r) => ["changed", r.type, r.name, r.changes.join("; ")]),
  ];
  lines.push("");
  if (rows.length === 0) {
    lines.push("No resource changes.");
  } else {
    lines.push("| Resource | Type | Name | Detail |", "|---|---|---|---|");
    for (const row of rows) lines.push(`| ${row.map(cell).join(" | ")} |`);
  }
  return `${lines.join("\n")}\n`;
}
