import { GlacierError } from "./errors.js";
import type { LineageGraph } from "./lineage-graph.js";
import type { ParamValue } from "./params.js";

/** What `run()` does: run locally, run on AWS, synthesise Terraform, or estimate cost. */
export const RUN_MODES = Object.freeze(["local", "cloud", "analyze", "generate"] as const);
export type RunMode = (typeof RUN_MODES)[number];

/** The package that interprets each mode; core imports it only when that mode runs. */
export const INTERPRETER_PACKAGES: Readonly<Record<RunMode, string>> = Object.freeze({
  local: "@glacier/local",
  cloud: "@glacier/aws",
  generate: "@glacier/terraform",
  analyze: "@glacier/analyze",
});

interface CommonOptions {
  /** Run only this pipeline (and the upstream steps it needs). */
  readonly pipeline?: string;
}

/** Options shared by `local` and `cloud` runs. */
export interface ExecutionOptions extends CommonOptions {
  /** Run parameter values; strings (from the CLI) are parsed to the declared types. */
  readonly params?: Readonly<Record<string, ParamValue>>;
  /** Rerun every step even when its fingerprint matches the last successful run. */
  readonly force?: boolean;
  /** Decide what would run and why, run nothing. */
  readonly plan?: boolean;
  /** Rerun what failed in this run, and what depends on it. */
  readonly resume?: string;
  /** Stop at the first failing step instead of letting independent branches finish. */
  readonly failFast?: boolean;
  /** Steps run at once. Default: the number of cores. */
  readonly concurrency?: number;
  /** Project root holding `.glacier/` (run records). Default: the working directory. */
  readonly projectDir?: string;
  /**
   * The partitions of partitioned steps to run: one key (`"2026-12-01"`) or an inclusive range
   * (`"2026-12-01..2026-12-07"`). Default: every partition of the scheme (from its start to its end or the
   * current period) whose partitioned source data exists. Only those missing, failed or stale run.
   */
  readonly partition?: string;
  /** Live progress on this stream (the CLI passes stderr); silent when absent. */
  readonly progress?: NodeJS.WritableStream;
}

export interface LocalRunOptions extends ExecutionOptions {
  readonly mode: "local";
  /** Map every S3 bucket to `DIR/<bucket>/<path>`, to develop an AWS pipeline offline. */
  readonly localStorage?: string;
  /**
   * Trade a little speed for a lower memory peak: Polars reads files without memory-mapping them, and
   * streaming joins buffer fewer rows before choosing their build side (sized from the inputs). See
   * `@glacier/local`'s README for what it sets and its caveat.
   */
  readonly lowMemory?: boolean;
}

export interface CloudRunOptions extends ExecutionOptions {
  readonly mode: "cloud";
  /** `"direct"` invokes each step; `"stepfunctions"` starts the generated state machine. */
  readonly via?: "direct" | "stepfunctions";
}

export interface GenerateOptions extends CommonOptions {
  readonly mode: "generate";
  readonly outputDir: string;
  /** The module defining the pipelines (the CLI's entry): serverless steps are bundled from it. */
  readonly entry?: string;
  /** Prefix of every generated AWS name. Default `glacier`. */
  readonly namePrefix?: string;
}

export interface AnalyzeOptions extends CommonOptions {
  readonly mode: "analyze";
  /**
   * Partitioned graphs: estimate a run of these partitions (a key or `from..to`), each partition's steps
   * costed once per partition. Default: the latest partition, what a scheduled run runs.
   */
  readonly partition?: string;
  /** Use declared sizes only; never read storage. */
  readonly offline?: boolean;
  /** Read every S3 bucket's data from `DIR/<bucket>/<path>`, as the local executor does with it. */
  readonly localStorage?: string;
  /** Project root holding `.glacier/runs` (recorded runs calibrate the estimates). Default: the working directory. */
  readonly projectDir?: string;
  /** Price overrides (`glacier.config.ts` → `prices`), merged over the analyzer's table; see `@glacier/analyze`. */
  readonly prices?: Readonly<Record<string, unknown>>;
}

export type RunOptions = LocalRunOptions | CloudRunOptions | GenerateOptions | AnalyzeOptions;
export type RunOptionsFor<M extends RunMode> = Extract<RunOptions, { readonly mode: M }>;

/** How one step of a run ended. */
export interface StepResult {
  readonly id: string;
  readonly name: string;
  readonly status: "succeeded" | "skipped" | "failed" | "not-run";
  /** Why it ran or was skipped (`"input changed"`, `"up to date"` …). */
  readonly reason?: string;
  readonly error?: string;
  readonly rows?: number;
  readonly bytes?: number;
  readonly durationMs?: number;
}

/** The outcome of a `local` or `cloud` run. A failing step is reported here, not thrown. */
export interface RunResult {
  readonly runId: string;
  readonly status: "succeeded" | "failed";
  readonly steps: readonly StepResult[];
  /** Where the run's record and log are. */
  readonly recordPath?: string;
}

/** The outcome of `generate`. */
export interface GenerateResult {
  readonly outputDir: string;
  /** Every file of the generation, relative to `outputDir`. */
  readonly files: readonly string[];
  /** The files among `files` that were already as generated, and were left untouched. */
  readonly unchanged?: readonly string[];
  /** Files an earlier generation wrote that this one does not: removed. */
  readonly removed?: readonly string[];
}

/** The outcome of `analyze`. */
export interface Analysis {
  estimatedCost(): { readonly totalUsd: number; readonly [key: string]: unknown };
  estimatedDuration(): { readonly totalSeconds: number; readonly [key: string]: unknown };
  resourceSummary(): Readonly<Record<string, unknown>>;
}

export type RunOutcome<M extends RunMode> = M extends "local" | "cloud"
  ? RunResult
  : M extends "generate"
    ? GenerateResult
    : Analysis;

/** What an interpreter package exports. */
export interface Interpreter {
  interpret(graph: LineageGraph, options: RunOptions): Promise<unknown>;
}

function isMissing(error: unknown, specifier: string): boolean {
  const e = error as { code?: string; message?: string } | null;
  return (
    (e?.code === "ERR_MODULE_NOT_FOUND" || e?.code === "MODULE_NOT_FOUND") &&
    (e.message ?? "").includes(`'${specifier}'`)
  );
}

/** Loads the interpreter package of a mode; a missing package is a clear error naming it. */
export async function loadInterpreter(mode: RunMode): Promise<Interpreter> {
  const specifier = INTERPRETER_PACKAGES[mode];
  let loaded: Partial<Interpreter>;
  try {
    loaded = (await import(specifier)) as Partial<Interpreter>;
  } catch (error) {
    throw new GlacierError(
      "INTERPRETER_MISSING",
      isMissing(error, specifier)
        ? `this mode needs the package ${specifier}, which is not installed.`
        : `this mode could not load ${specifier}: ${(error as Error).message}`,
      {
        subject: { kind: "mode", name: mode },
        hint: isMissing(error, specifier)
          ? `Install it: npm install ${specifier}.`
          : "Reinstall the package (npm install).",
        cause: error,
      },
    );
  }
  if (typeof loaded.interpret !== "function") {
    throw new GlacierError("INTERPRETER_MISSING", `${specifier} does not export interpret().`, {
      subject: { kind: "mode", name: mode },
      hint: `Install a version of ${specifier} that matches @glacier/core.`,
    });
  }
  return loaded as Interpreter;
}

/**
 * Validates the graph, narrows it to `options.pipeline` when given, and hands it to the mode's interpreter.
 * Definition errors reject with a {@link GlacierError}; step failures are reported in the result.
 */
export async function runGraph<M extends RunMode>(
  graph: LineageGraph,
  options: RunOptionsFor<M>,
): Promise<RunOutcome<M>> {
  const mode = (options as { mode?: unknown } | undefined)?.mode;
  if (typeof mode !== "string" || !(RUN_MODES as readonly string[]).includes(mode)) {
    throw new GlacierError("UNKNOWN_MODE", `${JSON.stringify(mode)} is not a run mode.`, {
      subject: { kind: "option", name: "mode" },
      hint: `Use one of: ${RUN_MODES.join(", ")}.`,
    });
  }
  if (graph.steps.length === 0) {
    throw new GlacierError("NO_LINEAGE", "there are no steps to run.", {
      hint: "Run a bucket produced by .transform(task).to(bucket).",
    });
  }
  graph.validate();
  const selected = options.pipeline === undefined ? graph : graph.forPipeline(options.pipeline);
  const interpreter = await loadInterpreter(mode as RunMode);
  return (await interpreter.interpret(selected, options)) as RunOutcome<M>;
}
