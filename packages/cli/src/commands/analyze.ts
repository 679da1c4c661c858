import { resolve } from "node:path";
import { runGraph } from "@glacier/core";
import { EXIT, type ExitCode } from "../exit-codes.js";
import type { Io } from "../io.js";
import { INTERPRETERS } from "../interpreters.js";
import { findConfig, readConfig } from "../load/config.js";
import { loadProject } from "../load/load-project.js";
import { parseChoice } from "../options.js";

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
  const analyzer = await INTERPRETERS.analyze();
  const analysis = await runGraph(
    graph,
    {
      mode: "analyze",
      projectDir: process.cwd(),
      ...(options.offline ? { offline: true } : {}),
      ...(options.pipeline === undefined ? {} : { pipeline: options.pipeline }),
      ...(options.partition === undefined ? {} : { partition: options.partition }),
      ...(options.localStorage === undefined ? {} : { localStorage: resolve(options.localStorage) }),
      ...(prices === undefined ? {} : { prices }),
    },
    analyzer,
  );
  io.stdout.write(analyzer.renderAnalysis(analysis, format));
  return EXIT.ok;
}
