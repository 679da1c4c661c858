import { GlacierError, type LineageGraph, runGraph } from "@glacier/core";
import { findConfig, readConfig } from "./load/config.js";

/**
 * For `glacier visualize --format html --cost`: each step's estimated USD per run, from the same analysis as
 * `glacier analyze --offline` (declared sizes, calibrated by recorded runs; prices from glacier.config.ts), so
 * the picture never waits on AWS credentials and agrees with the report. Null where the estimate is unknown.
 *
 * @example
 * ```ts
 * await stepCosts(graph, process.cwd());
 * // { "cleanSales->s3://acme/clean/sales.parquet": 0.0000797, "daily->…": null }
 * ```
 */
export async function stepCosts(
  graph: LineageGraph,
  projectDir: string,
): Promise<Record<string, number | null>> {
  const configFile = findConfig(projectDir);
  const prices = configFile === undefined ? undefined : (await readConfig(configFile)).config.prices;
  const analysis = await runGraph(graph, {
    mode: "analyze",
    projectDir,
    offline: true,
    ...(prices === undefined ? {} : { prices }),
  });
  const byStep = (analysis.estimatedCost() as { byStep?: unknown }).byStep;
  if (!Array.isArray(byStep)) {
    throw new GlacierError(
      "INTERPRETER_MISSING",
      "the installed analyzer reports no cost per step, which visualize --cost colours by.",
      { hint: "Install the @glacier/analyze that matches this CLI, or leave out --cost." },
    );
  }
  const costs: Record<string, number | null> = {};
  for (const entry of byStep as { id: string; usd: number | null }[]) costs[entry.id] = entry.usd;
  return costs;
}
