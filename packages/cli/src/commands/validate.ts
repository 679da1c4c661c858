import { GlacierError, type LineageGraph } from "@glacier/core";
import { formatCount, mergeParamSpecs } from "@glacier/core/internal";
import { EXIT, type ExitCode } from "../exit-codes.js";
import type { Io } from "../io.js";
import { displayPath } from "../load/import-module.js";
import { findModules, loadProject } from "../load/load-project.js";
import { formatTypeDiagnostic, typeCheck } from "../load/type-check.js";

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

/** Load failures reported alone: the module is missing, or does not parse or run. */
const UNLOADABLE = new Set<string>([
  "ENTRY_NOT_FOUND",
  "ENTRY_LOAD_FAILED",
  "NO_PIPELINES",
  "INVALID_CONFIG",
]);

/** `glacier validate`'s options as commander hands them over. */
export interface ValidateCommandOptions {
  /** False with `--no-typecheck`. */
  readonly typecheck?: boolean;
}

/**
 * `glacier validate [entry]`: loads the pipeline modules, type-checks them (see `typeCheck`) and checks the
 * graph; prints every problem (not only the first) as `error [CODE] message` on stderr and exits 2; else
 * prints a one-line summary and exits 0. A type error is `error [TYPE_ERROR] file:line:col: message (TSnnnn)`.
 * A module that cannot be found or loaded is that one error, alone.
 *
 * Warnings do not change the exit code: `warning [SQL_NOT_PORTABLE] …` for a Spark SQL task using SQL whose
 * result differs between Polars SQL (local runs) and Spark SQL (EMR), see `@glacier/aws-model`'s
 * `sql-portability.ts`.
 *
 * @example
 * ```sh
 * glacier validate examples/complete/pipeline.ts
 * # ok: 6 pipelines, 6 steps, 8 buckets, no type errors (examples/complete/pipeline.ts)
 * ```
 */
export async function validateCommand(
  entry: string | undefined,
  options: ValidateCommandOptions,
  io: Io,
): Promise<ExitCode> {
  const cwd = process.cwd();
  const modules = await findModules({ ...(entry === undefined ? {} : { entry }), cwd, command: "validate" });
  const where = modules.files.map(displayPath).join(", ");
  const problems: { readonly code: string; readonly message: string }[] = [];
  let graph: LineageGraph | undefined;
  let definitionError: GlacierError | undefined;
  try {
    graph = (await loadProject({ cwd, command: "validate", modules })).graph;
  } catch (error) {
    // A module that is missing or does not load says why in one line (a syntax error once, not again as
    // TypeScript's cascade). A definition error thrown by a module is listed with the type errors, which often
    // explain it.
    if (!GlacierError.is(error) || UNLOADABLE.has(error.code)) throw error;
    definitionError = error;
  }
  if (options.typecheck !== false) {
    const { diagnostics } = await typeCheck(modules.files, cwd);
    for (const d of diagnostics) problems.push({ code: "TYPE_ERROR", message: formatTypeDiagnostic(d) });
  }
  if (definitionError) {
    // Alone, it is its one line, as every other command prints it; with type errors, one problem among them.
    if (problems.length === 0) throw definitionError;
    problems.push(definitionError);
  }
  if (graph) problems.push(...allProblems(graph));
  // Imported here, not at the top: every other command starts without the AWS model.
  const warnings =
    graph && problems.length === 0 ? (await import("@glacier/aws-model")).graphSqlWarnings(graph) : [];
  for (const w of warnings) io.err(`${io.colors.yellow("warning")} [${w.code}] ${w.message}`);
  if (problems.length > 0) {
    for (const p of problems) io.err(`${io.colors.red("error")} [${p.code}] ${p.message}`);
    io.err(`${formatCount(problems.length, "problem")} in ${where}`);
    return EXIT.usage;
  }
  const checked = graph as LineageGraph;
  const counts = [
    formatCount(checked.pipelines.length, "pipeline"),
    formatCount(checked.steps.length, "step"),
    formatCount(checked.buckets.length, "bucket"),
    ...(options.typecheck === false ? ["types not checked"] : ["no type errors"]),
    ...(warnings.length > 0 ? [formatCount(warnings.length, "warning")] : []),
  ];
  io.out(`${io.outColors.green("ok")}: ${counts.join(", ")} (${where})`);
  return EXIT.ok;
}
