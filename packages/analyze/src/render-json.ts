import type { AnalysisReport } from "./analysis-report.js";

/** Non-integers keep six significant digits: precise enough for micro-dollar costs, stable across runs. */
function round(value: number): number {
  return Number.isInteger(value) ? value : Number(value.toPrecision(6));
}

/** A copy with keys sorted and numbers rounded, so CI diffs show real changes only. */
export function stableJson(value: unknown): unknown {
  if (typeof value === "number") return round(value);
  if (Array.isArray(value)) return value.map(stableJson);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, stableJson((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/**
 * The report as JSON for CI: sorted keys, numbers to six significant digits, two-space indent, final newline.
 *
 * @example
 * ```ts
 * renderJson(report); // '{\n  "cost": {\n    "byService": { … }, "complete": true, "perRunUsd": 0.0000797, …'
 * ```
 */
export function renderJson(report: AnalysisReport): string {
  return `${JSON.stringify(stableJson(report), null, 2)}\n`;
}
