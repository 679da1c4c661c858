import { formatCount } from "@glacier/core/internal";
import type { AnalysisReport, StepAnalysis } from "./analysis-report.js";
import type { DataSize } from "./data-size.js";
import { bytes, columns, seconds, usd } from "./format-values.js";
import { PRICES_CHECKED } from "./prices.js";

const SOURCE_MARK: Readonly<Record<DataSize["source"], string>> = {
  measured: "measured",
  calibrated: "calibrated",
  declared: "declared",
  estimated: "estimated",
  unknown: "unknown",
};

function size(s: DataSize): string {
  return s.bytes === null ? "unknown" : `${bytes(s.bytes)} (${SOURCE_MARK[s.source]})`;
}

function inputSize(step: StepAnalysis): string {
  if (step.inputBytes === null) return "unknown";
  const sources = [...new Set(step.inputs.map((i) => i.size.source))].join("+");
  return `${bytes(step.inputBytes)} (${sources})`;
}

function stepRows(report: AnalysisReport): string[] {
  return columns([
    ["Step", "Runs on", "Level", "Input", "Output", "Duration", "Cost/run"],
    ...report.steps.map((s) => [
      s.name,
      s.runsOn,
      String(s.level),
      inputSize(s),
      size(s.output.size),
      `${seconds(s.duration.seconds)} (${s.duration.basis})`,
      s.cost.usd === null
        ? `≥ ${usd(s.cost.items.reduce((a, i) => a + i.usd, 0))} (unknown)`
        : usd(s.cost.usd),
    ]),
  ]);
}

/**
 * The report as a terminal table: per step (where it runs, sizes, duration, cost, and whether each figure is
 * measured, calibrated, declared, a default or unknown), the totals, the critical path with its parallel
 * levels, monthly figures and the resources `generate` creates.
 *
 * @example
 * ```ts
 * console.log(renderText(report));
 * // Step          Runs on     Level  Input                   Output               Duration         Cost/run
 * // cleanSales    lambda      0      148.8 KiB (measured)    37.2 KiB (estimated) 2.0 s (default)  $0.0000716
 * ```
 */
export function renderText(report: AnalysisReport): string {
  const name = (id: string) => report.steps.find((s) => s.id === id)?.name ?? id;
  const lines: string[] = [];
  const priceNote = report.prices.known
    ? report.prices.region
    : `${report.prices.region} (no table for ${report.region})`;
  const where =
    report.region === "local"
      ? "on a local provider (no AWS region: nothing runs in the cloud)"
      : `in ${report.region}`;
  const prices =
    report.region === "local"
      ? ""
      : ` — prices: ${priceNote}, table of ${PRICES_CHECKED}${report.prices.overridden.length ? `, overridden: ${report.prices.overridden.join(", ")}` : ""}`;
  lines.push(
    `Analysis of ${formatCount(report.steps.length, "step")} ${where}${report.offline ? ", offline" : ""}${prices}`,
    ...(report.partitions === undefined
      ? []
      : [
          `Partitions: ${formatCount(report.partitions.length, "partition")} (${report.partitions.length > 1 ? `${report.partitions[0]}..${report.partitions.at(-1)}` : (report.partitions[0] ?? "none")}), each partitioned step costed once per partition`,
        ]),
    "",
    ...stepRows(report),
    "",
    `Cost per run: ${usd(report.cost.perRunUsd)}${report.cost.complete ? "" : ` — a lower bound: unknown for ${report.cost.unknownSteps.map(name).join(", ")}`}`,
    ...columns(Object.entries(report.cost.byService).map(([service, v]) => [`  ${service}`, usd(v)])),
  );
  for (const o of report.orchestration) {
    lines.push(
      `  state machine ${o.stateMachine}: ${o.transitions} transitions, ${usd(o.usd)} per execution${o.perRun ? "" : " (not a sink pipeline: not in the per-run total)"}`,
    );
  }
  const d = report.duration;
  lines.push(
    "",
    `Duration: ${seconds(d.totalSeconds)} on the critical path ${d.criticalPath.map(name).join(" → ")}${d.complete ? "" : " (some durations unknown)"}; ${seconds(d.sequentialSeconds)} one step at a time`,
    ...d.levels.map((l) => `  level ${l.level}: ${l.steps.map(name).join(", ")} — ${seconds(l.seconds)}`),
    "",
    "Pipelines:",
    ...columns(
      report.pipelines.map((p) => [
        `  ${p.name}`,
        formatCount(p.steps.length, "step"),
        `${usd(p.perRunUsd)}/run`,
        p.schedule === null
          ? "no schedule"
          : `${p.schedule}: ${p.runsPerMonth?.toFixed(1) ?? "?"} runs/month = ${usd(p.monthlyUsd)}/month`,
      ]),
    ),
    "",
    `Monthly: ${usd(report.monthly.scheduledUsd)} from schedules + ${usd(report.monthly.standing.usd)} standing`,
    ...report.monthly.standing.items.map(
      (i) => `  ${i.usage}: ${i.quantity.toFixed(4)} ${i.unit} = ${usd(i.usd)}`,
    ),
  );
  if (report.resources) {
    const counts = Object.entries(report.resources.counts).filter(([, n]) => n > 0);
    lines.push("", `Resources (what generate creates): ${counts.map(([k, n]) => `${k} ${n}`).join(", ")}`);
    lines.push(...columns(report.resources.items.map((r) => [`  ${r.type}`, r.name])));
  } else {
    lines.push("", "Resources: none (local provider)");
  }
  lines.push(
    "",
    "measured: read from storage · calibrated: from a recorded run · declared: expectedSize · estimated/default: the model's defaults (see @glacier/analyze README)",
    ...report.notes.map((n) => `Note: ${n}`),
  );
  return `${lines.join("\n")}\n`;
}
