import { GlacierError, type LineageGraph, mergeParamSpecs } from "@glacier/core";
import { EXIT, type ExitCode } from "../exit-codes.js";
import type { Io } from "../io.js";
import { displayPath } from "../load/import-module.js";
import { loadProject } from "../load/load-project.js";

/** The graph's problems plus parameters two tasks declare differently (a run would reject them). */
export function allProblems(graph: LineageGraph): readonly GlacierError[] {
  const problems = [...graph.problems()];
  try {
    mergeParamSpecs(graph.steps.map((s) => [s.name, s.task.params] as const));
  } catch (error) {
    if (!GlacierError.is(error)) throw error;
    problems.push(error);
  }
  return problems;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * `glacier validate [entry]`: loads the pipelines, prints every problem (not only the first) as
 * `error [CODE] message` on stderr and exits 2; else prints a one-line summary and exits 0.
 *
 * @example
 * ```sh
 * glacier validate examples/complete/pipeline.ts
 * # ok: 6 pipelines, 6 steps, 9 buckets (examples/complete/pipeline.ts)
 * ```
 */
export async function validateCommand(entry: string | undefined, io: Io): Promise<ExitCode> {
  const { graph, modules } = await loadProject({
    ...(entry === undefined ? {} : { entry }),
    cwd: process.cwd(),
  });
  const where = modules.map(displayPath).join(", ");
  const problems = allProblems(graph);
  if (problems.length > 0) {
    for (const p of problems) io.err(`${io.colors.red("error")} [${p.code}] ${p.message}`);
    io.err(`${plural(problems.length, "problem")} in ${where}`);
    return EXIT.usage;
  }
  const counts = [
    plural(graph.pipelines.length, "pipeline"),
    plural(graph.steps.length, "step"),
    plural(graph.buckets.length, "bucket"),
  ];
  io.out(`${io.outColors.green("ok")}: ${counts.join(", ")} (${where})`);
  return EXIT.ok;
}
