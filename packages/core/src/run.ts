import { createRequire } from "node:module";
import { dirname, isAbsolute, join } from "node:path";
import { pathToFileURL } from "node:url";
import { GlacierError } from "./errors.js";
import type { LineageGraph } from "./lineage-graph.js";
import type { ParamValue } from "./params.js";

/** What `run()` does: run locally, run on AWS, synthesise Terraform, or estimate cost. */
export const RUN_MODES = Object.freeze(["local", "cloud", "analyze", "generate"] as const);
export type RunMode = (typeof RUN_MODES)[number];

/**
 * The package that interprets each mode: what `run()` looks for when it is not handed an interpreter, and
 * what an INTERPRETER_MISSING error says to install.
 */
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
  /**
   * Steps run at once. Default: the number of cores (locally, while together they are expected to need little
   * more memory than the largest step alone: see `memoryBudget`).
   */
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
  /**
   * Cancels the run (the CLI aborts it on Ctrl-C and SIGTERM): nothing new starts, running steps are stopped and
   * their temporary output removed, locks are released, and the run is recorded `cancelled`.
   */
  readonly signal?: AbortSignal;
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
  /**
   * Bytes of memory the steps running at once may be expected to hold together: a ready step waits while its
   * expected peak (its peak in earlier runs, or 4× its input bytes) does not fit beside those running. Default:
   * the largest step's expected peak plus 64 MiB (or 10% of it, when more), at most 3/4 of the memory available
   * when the run starts — so two large steps run one after the other while small ones overlap; with
   * `concurrency` given, 3/4 of the memory available. See `@glacier/local`'s README.
   */
  readonly memoryBudget?: number;
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
  /** `cancelled`: the run's `signal` aborted it (steps that finished keep their status). */
  readonly status: "succeeded" | "failed" | "cancelled";
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

/** One step of a {@link RunPlan}: whether it would run, and why. */
export interface PlannedStep {
  readonly id: string;
  readonly name: string;
  /** `check`: the task would not run, but its changed checks would run on its stored output. */
  readonly action: "run" | "skip" | "check";
  /** Why it would run or be skipped (`"code changed"`, `"up to date"` …). */
  readonly reason: string;
}

/**
 * What a `local` or `cloud` run with `plan: true` returns: what would run and why, nothing run or recorded.
 * Not a {@link RunResult}: no step has a status, because none ran.
 */
export interface RunPlan {
  readonly kind: "plan";
  readonly mode: "local" | "cloud";
  /** In execution order. */
  readonly steps: readonly PlannedStep[];
}

/**
 * What each mode resolves to when core finds the interpreter itself (`bucket.run({ mode })`). An interpreter
 * passed in (see {@link Interpreter}) brings its own, more precise result type.
 */
export interface RunResults {
  readonly local: RunResult | RunPlan;
  readonly cloud: RunResult | RunPlan;
  readonly generate: GenerateResult;
  readonly analyze: Analysis;
}

/** The plan among an interpreter's results. */
export type PlanOf<R> = Extract<R, { readonly kind: "plan" }>;
/** The results of an interpreter that are not a plan. */
export type DoneOf<R> = Exclude<R, { readonly kind: "plan" }>;

/** What `run()` resolves to for mode `M` without `plan`; with `plan: true` it is a {@link RunPlan}. */
export type RunOutcome<M extends RunMode> = DoneOf<RunResults[M]>;

/**
 * The contract of an interpreter: a function that takes the validated graph and its mode's options. An
 * interpreter package's module is one (`import * as local from "@glacier/local"`), so it can be handed to
 * {@link runGraph} or `bucket.run()` as it is, the way Kysely takes its dialect.
 *
 * @example
 * ```ts
 * import * as local from "@glacier/local";
 * const result = await runGraph(graph, { mode: "local" }, local); // typed as @glacier/local's result
 * ```
 */
export interface Interpreter<M extends RunMode = RunMode, R = unknown> {
  interpret(graph: LineageGraph, options: RunOptionsFor<M>): Promise<R>;
}

function isMissing(error: unknown, specifier: string): boolean {
  const e = error as { code?: string; message?: string } | null;
  return (
    (e?.code === "ERR_MODULE_NOT_FOUND" || e?.code === "MODULE_NOT_FOUND") &&
    (e.message ?? "").includes(`'${specifier}'`)
  );
}

/**
 * Imports a mode's interpreter with `load` (the caller's own `import()`, so the package resolves from the
 * caller: the CLI's, or the user's project); a package that is not installed, does not load or exports no
 * `interpret()` is a clear INTERPRETER_MISSING naming it.
 *
 * @example
 * ```ts
 * const aws = await importInterpreter("cloud", () => import("@glacier/aws"));
 * // not installed: [INTERPRETER_MISSING] mode "cloud": this mode needs the package @glacier/aws, which is not
 * //   installed. Install it: npm install @glacier/aws.
 * ```
 */
export async function importInterpreter<M extends RunMode, T extends Interpreter<M>>(
  mode: M,
  load: () => Promise<T>,
): Promise<T> {
  const specifier = INTERPRETER_PACKAGES[mode];
  let loaded: T;
  try {
    loaded = await load();
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
  // The static type is what the caller's import claims; a JavaScript caller or a mismatched version may differ.
  if (typeof (loaded as Partial<Interpreter> | null)?.interpret !== "function") {
    throw new GlacierError("INTERPRETER_MISSING", `${specifier} does not export interpret().`, {
      subject: { kind: "mode", name: mode },
      hint: `Install a version of ${specifier} that matches @glacier/core.`,
    });
  }
  return loaded;
}

/**
 * Where a user's project is: the project directory, the working directory, and the directories of the
 * modules that define the steps. An interpreter package is looked up from each, in this order.
 */
function projectDirs(graph: LineageGraph, projectDir: string | undefined): string[] {
  const defined = graph.steps.flatMap((s) => [s.definedAt?.file, s.task.definedAt?.file]);
  const files = defined.filter((f): f is string => f !== undefined && isAbsolute(f));
  return [...new Set([projectDir ?? process.cwd(), process.cwd(), ...files.map((f) => dirname(f))])];
}

/** The entry of `specifier` as Node resolves it from `dir`, or undefined when it is not installed there. */
function resolveFrom(dir: string, specifier: string): string | undefined {
  try {
    return createRequire(join(dir, "noop.js")).resolve(specifier);
  } catch {
    return undefined;
  }
}

/**
 * Finds a mode's interpreter for `run()` called without one. By name first — from core, which is where
 * npm's hoisted layout, bundlers and test runners (with their export conditions) put it — then, when it is
 * not reachable from core (pnpm's strict layout, a core installed elsewhere), from the user's project:
 * the project directory, the working directory, the modules that define the steps.
 */
async function findInterpreter<M extends RunMode>(
  mode: M,
  graph: LineageGraph,
  projectDir: string | undefined,
): Promise<Interpreter<M>> {
  const specifier = INTERPRETER_PACKAGES[mode];
  return importInterpreter(mode, async (): Promise<Interpreter<M>> => {
    try {
      return (await import(specifier)) as Interpreter<M>;
    } catch (error) {
      if (!isMissing(error, specifier)) throw error;
      for (const dir of projectDirs(graph, projectDir)) {
        const entry = resolveFrom(dir, specifier);
        if (entry !== undefined) return (await import(pathToFileURL(entry).href)) as Interpreter<M>;
      }
      throw error;
    }
  });
}

/**
 * Validates the graph, narrows it to `options.pipeline` when given, and hands it to the mode's interpreter:
 * the one passed in, or else the mode's package found from core or the user's project (see
 * {@link INTERPRETER_PACKAGES}). Definition errors reject with a {@link GlacierError}; step failures are
 * reported in the result. With `plan: true` a `local` or `cloud` run resolves to a {@link RunPlan}.
 *
 * @example
 * ```ts
 * import * as local from "@glacier/local";
 * await runGraph(graph, { mode: "local", plan: true }, local); // { kind: "plan", mode: "local", steps: [...] }
 * await runGraph(graph, { mode: "local" });                    // @glacier/local found from the project
 * ```
 */
export function runGraph<M extends "local" | "cloud", R = RunResults[M]>(
  graph: LineageGraph,
  options: RunOptionsFor<M> & { readonly plan: true },
  interpreter?: Interpreter<M, R>,
): Promise<PlanOf<R>>;
export function runGraph<M extends RunMode, R = RunResults[M]>(
  graph: LineageGraph,
  options: RunOptionsFor<M> & { readonly plan?: false },
  interpreter?: Interpreter<M, R>,
): Promise<DoneOf<R>>;
export function runGraph<M extends RunMode, R = RunResults[M]>(
  graph: LineageGraph,
  options: RunOptionsFor<M>,
  interpreter?: Interpreter<M, R>,
): Promise<R>;
export async function runGraph<M extends RunMode, R>(
  graph: LineageGraph,
  options: RunOptionsFor<M>,
  interpreter?: Interpreter<M, R>,
): Promise<R> {
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
  const chosen =
    interpreter ??
    (await findInterpreter(options.mode, graph, "projectDir" in options ? options.projectDir : undefined));
  // Without an interpreter passed in, R is core's RunResults[M]: what every interpreter package returns.
  return (await chosen.interpret(selected, options)) as R;
}
