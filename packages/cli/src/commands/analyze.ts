import { resolve } from "node:path";
import { type Analysis, loadInterpreter, runGraph } from "@glacier/core";
import { EXIT, type ExitCode } from "../exit-codes.js";
import type { Io } from "../io.js";
import { findConfig, readConfig } from "../load/config.js";
import { loadProject } from "../load/load-project.js";
import { parseChoice } from "../options.js";

type Render = (analysis: Analysis, format: "text" | "json") => string;

/** A plain rendering, for an analyzer that brings no `renderAnalysis` of its own. */
function fallback(analysis: Analysis, format: "text" | "json"): string {
  const report = {
    cost: analysis.estimatedCost(),
    duration: analysis.estimatedDuration(),
    resources: analysis.resourceSummary(),
  };
  if (format === "json") return `${JSON.stringify(report, null, 2)}\n`;
  const block = (title: string, data: Readonly<Record<string, unknown>>): string =>
    [
      title,
      ...Object.entries(data).map(
        ([k, v]) => `  ${k}: ${typeof v === "object" ? JSON.stringify(v) : String(v)}`,
      ),
    ].join("\n");
  return `${[
    block(`Estimated cost: $${report.cost.totalUsd.toFixed(4)}`, report.cost),
    block(`Estimated duration: ${report.duration.totalSeconds} s`, report.duration),
    block("Resources", report.resources),
  ].join("\n\n")}\n`;
}

/**
 * `glacier analyze [entry]`: estimated cost, duration and resources of the graph through
 * `runGraph({ mode: "analyze" })`, printed by the analyzer's own `renderAnalysis`. `--offline` uses declared
 * sizes only; `--local-storage DIR` reads data sizes where `glacier run --local-storage DIR` wrote them;
 * `prices` in glacier.config.ts override the price table.
 *
 * @example
 * ```sh
 * glacier analyze examples/complete/pipeline.ts --offline --format json
 * ```
 */
export async function analyzeCommand(
  entry: string | undefined,
  options: {
    readonly format: string;
    readonly offline?: boolean;
    readonly pipeline?: string;
    readonly localStorage?: string;
    /** Partitioned graphs: the partitions a run would cover (`from..to`); default the latest. */
    readonly partition?: string;
  },
  io: Io,
): Promise<ExitCode> {
  const format = parseChoice(options.format, ["text", "json"] as const, "format");
  const { graph } = await loadProject({
    ...(entry === undefined ? {} : { entry }),
    cwd: process.cwd(),
    command: "analyze",
  });
  const configFile = findConfig(process.cwd());
  const prices = configFile === undefined ? undefined : (await readConfig(configFile)).config.prices;
  const analysis = await runGraph(graph, {
    mode: "analyze",
    projectDir: process.cwd(),
    ...(options.offline ? { offline: true } : {}),
    ...(options.pipeline === undefined ? {} : { pipeline: options.pipeline }),
    ...(options.partition === undefined ? {} : { partition: options.partition }),
    ...(options.localStorage === undefined ? {} : { localStorage: resolve(options.localStorage) }),
    ...(prices === undefined ? {} : { prices }),
  });
  // runGraph loaded the analyzer already; this returns the same module.
  const { renderAnalysis } = (await loadInterpreter("analyze")) as { renderAnalysis?: Render };
  io.stdout.write((renderAnalysis ?? fallback)(analysis, format));
  return EXIT.ok;
}
