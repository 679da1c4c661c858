import type { Analysis } from "@glacier/core";
import { absurd } from "@glacier/core/internal";
import type { AnalysisReport } from "./analysis-report.js";
import { renderJson } from "./render-json.js";
import { renderText } from "./render-text.js";

export type AnalysisFormat = "text" | "json";

function reportOf(analysis: Analysis | AnalysisReport): AnalysisReport {
  if ("version" in analysis) return analysis;
  const json = (analysis as { toJSON?: () => unknown }).toJSON?.();
  if (typeof json !== "object" || json === null || !("version" in json)) {
    throw new TypeError("renderAnalysis needs an analysis from @glacier/analyze.");
  }
  return json as AnalysisReport;
}

/**
 * Renders an analysis for the terminal (`text`) or CI (`json`: sorted keys, rounded numbers).
 *
 * @example
 * ```ts
 * const analysis = await sales.run({ mode: "analyze" });
 * process.stdout.write(renderAnalysis(analysis, "text"));
 * ```
 */
export function renderAnalysis(analysis: Analysis | AnalysisReport, format: AnalysisFormat): string {
  const report = reportOf(analysis);
  switch (format) {
    case "text":
      return renderText(report);
    case "json":
      return renderJson(report);
    default:
      return absurd(format, "format");
  }
}
