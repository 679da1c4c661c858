import { resolve } from "node:path";
import { type ExecutionOptions, GlacierError, runGraph } from "@glacier/core";
import { EXIT, type ExitCode } from "../exit-codes.js";
import type { Io } from "../io.js";
import { loadProject } from "../load/load-project.js";
import { parseChoice, parseParams, parsePositiveInteger } from "../options.js";
import { renderPlan, renderRunSummary } from "./run-summary.js";

/** `glacier run`'s options as commander hands them over (strings, flags, repeated `--param`). */
export interface RunCommandOptions {
  readonly mode: string;
  readonly pipeline?: string;
  readonly param?: readonly string[];
  readonly concurrency?: string;
  readonly failFast?: boolean;
  readonly force?: boolean;
  readonly plan?: boolean;
  readonly resume?: string;
  readonly localStorage?: string;
  readonly lowMemory?: boolean;
  readonly via?: string;
}

function onlyFor(option: string, mode: string): GlacierError {
  return new GlacierError("INVALID_OPTION", `applies to --mode ${mode} only.`, {
    subject: { kind: "option", name: option },
    hint: `Drop ${option}, or add --mode ${mode}.`,
  });
}

/** Checks the flags before any user code loads, so a typo costs nothing. */
function executionOptions(options: RunCommandOptions, io: Io): ExecutionOptions {
  return {
    ...(options.pipeline === undefined ? {} : { pipeline: options.pipeline }),
    params: parseParams(options.param ?? []),
    ...(options.concurrency === undefined
      ? {}
      : { concurrency: parsePositiveInteger(options.concurrency, "concurrency") }),
    ...(options.failFast ? { failFast: true } : {}),
    ...(options.force ? { force: true } : {}),
    ...(options.plan ? { plan: true } : {}),
    ...(options.resume === undefined ? {} : { resume: options.resume }),
    projectDir: process.cwd(),
    progress: io.stderr,
  };
}

/**
 * `glacier run [entry]`: runs the graph (or `--pipeline NAME` with the upstream steps it needs) locally on
 * polars or on AWS, through core's `runGraph`. Prints a summary table (with `--plan`: what would run and
 * why); exits 1 when a step failed.
 *
 * @example
 * ```sh
 * glacier run examples/simple/pipeline.ts --local-storage .glacier-demo --param minOrders=5
 * ```
 */
export async function runCommand(
  entry: string | undefined,
  options: RunCommandOptions,
  io: Io,
): Promise<ExitCode> {
  const mode = parseChoice(options.mode, ["local", "cloud"] as const, "mode", "UNKNOWN_MODE");
  if (mode === "cloud" && options.localStorage !== undefined) throw onlyFor("--local-storage", "local");
  if (mode === "cloud" && options.lowMemory) throw onlyFor("--low-memory", "local");
  if (mode === "local" && options.via !== undefined) throw onlyFor("--via", "cloud");
  const via =
    options.via === undefined
      ? undefined
      : parseChoice(options.via, ["direct", "stepfunctions"] as const, "via");
  const common = executionOptions(options, io);
  const { graph } = await loadProject({ ...(entry === undefined ? {} : { entry }), cwd: process.cwd() });
  const result =
    mode === "local"
      ? await runGraph(graph, {
          mode,
          ...common,
          ...(options.localStorage === undefined ? {} : { localStorage: resolve(options.localStorage) }),
          ...(options.lowMemory ? { lowMemory: true } : {}),
        })
      : await runGraph(graph, { mode, ...common, ...(via === undefined ? {} : { via }) });
  io.stdout.write(options.plan ? renderPlan(result, io.outColors) : renderRunSummary(result, io.outColors));
  if (result.status === "failed") {
    const failed = result.steps.filter((s) => s.status === "failed").map((s) => s.name);
    io.err(
      `${io.colors.red("error")} run ${result.runId} failed: ${failed.join(", ") || "see the summary"}.`,
    );
    return EXIT.runFailed;
  }
  return EXIT.ok;
}
