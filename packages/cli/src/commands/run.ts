import { resolve } from "node:path";
import { type ExecutionOptions, GlacierError, runGraph } from "@glacier/core";
import { formatCount } from "@glacier/core/internal";
import { EXIT, type ExitCode } from "../exit-codes.js";
import type { Io } from "../io.js";
import { displayPath } from "../load/import-module.js";
import { INTERPRETERS } from "../interpreters.js";
import { findConfig, readConfig, type OpenLineageConfig } from "../load/config.js";
import { findModules, loadProject, type ProjectModules } from "../load/load-project.js";
import { formatTypeDiagnostic, typeCheck } from "../load/type-check.js";
import { parseChoice, parseParams, parsePositiveInteger } from "../options.js";
import { exitCodeOf, stopOnSignals } from "../signals.js";
import { planJson, renderCancelled, renderPlan, renderRunSummary, runJson } from "./run-summary.js";

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
  /** `--partition`: one key or `from..to` (`backfill --from --to` passes the range). */
  readonly partition?: string;
  readonly localStorage?: string;
  readonly lowMemory?: boolean;
  /** MiB, as typed. */
  readonly memoryBudget?: string;
  readonly via?: string;
  /** One JSON document on stdout instead of the summary table. */
  readonly json?: boolean;
  /** False with `--no-typecheck`. */
  readonly typecheck?: boolean;
}

function onlyFor(option: string, mode: string): GlacierError {
  return new GlacierError("INVALID_OPTION", `applies to --mode ${mode} only.`, {
    subject: { kind: "option", name: option },
    hint: `Drop ${option}, or add --mode ${mode}.`,
  });
}

/**
 * The config's OpenLineage endpoint as the variables the engine (like OpenLineage's own clients) reads; a
 * variable already set wins, so one run can be pointed elsewhere without editing the config.
 */
function lineageEnvironment(config: OpenLineageConfig): void {
  const wanted: Record<string, string | undefined> = {
    OPENLINEAGE_URL: config.url,
    OPENLINEAGE_ENDPOINT: config.endpoint,
    OPENLINEAGE_API_KEY: config.apiKey,
    OPENLINEAGE_NAMESPACE: config.namespace,
  };
  if (process.env["OPENLINEAGE_URL"]) return;
  for (const [name, value] of Object.entries(wanted)) if (value !== undefined) process.env[name] = value;
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
    ...(options.partition === undefined ? {} : { partition: options.partition }),
    projectDir: process.cwd(),
    progress: io.stderr,
  };
}

/**
 * Refuses modules that do not type-check, before any step runs: a type error found now is a failed step (or
 * a wrong answer) later. Each error is printed on its own line; `--no-typecheck` skips the check.
 */
async function requireTypes(
  modules: ProjectModules,
  io: Io,
  options: { readonly plan: boolean },
): Promise<void> {
  // `--plan` writes nothing, not even the type check's cache.
  const { diagnostics } = await typeCheck(modules.files, process.cwd(), { store: !options.plan });
  if (diagnostics.length === 0) return;
  for (const d of diagnostics) io.err(`${io.colors.red("error")} [TYPE_ERROR] ${formatTypeDiagnostic(d)}`);
  throw new GlacierError(
    "TYPE_ERROR",
    `${formatCount(diagnostics.length, "type error")} in ${modules.files.map(displayPath).join(", ")}: nothing was run.`,
    {
      hint: `Fix ${diagnostics.length === 1 ? "it" : "them"} (glacier validate lists type errors too), or pass --no-typecheck to run anyway.`,
    },
  );
}

/**
 * `glacier run [entry]`: type-checks the pipeline modules, then runs the graph (or `--pipeline NAME` with the
 * upstream steps it needs) locally on polars or on AWS, through core's `runGraph`. While it runs, a live view
 * on stderr says how each step is doing; when it ends, one summary on stdout says how the run went (with
 * `--plan`: what would run and why; with `--json`: one JSON document, see `runJson`). Exits 1 when a step failed.
 * Ctrl-C or SIGTERM cancels a local run (see `signals.ts`): one summary line, then exit 130 / 143.
 *
 * @example
 * ```sh
 * glacier run examples/simple/pipeline.ts --local-storage .glacier-demo --param minOrders=5
 * glacier run --json | jq -r '.steps[] | select(.status == "failed") | .error'
 * ```
 */
export async function runCommand(
  entry: string | undefined,
  options: RunCommandOptions,
  io: Io,
): Promise<ExitCode> {
  try {
    return await run(entry, options, io);
  } catch (error) {
    // --json promises one document on stdout, a failure to start included; stderr still has the error line.
    if (options.json && GlacierError.is(error)) {
      const document = { version: 1, status: "error", error: { code: error.code, message: error.message } };
      io.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
    }
    throw error;
  }
}

async function run(entry: string | undefined, options: RunCommandOptions, io: Io): Promise<ExitCode> {
  const mode = parseChoice(options.mode, ["local", "cloud"] as const, "mode", "UNKNOWN_MODE");
  if (mode === "cloud" && options.localStorage !== undefined) throw onlyFor("--local-storage", "local");
  if (mode === "cloud" && options.lowMemory) throw onlyFor("--low-memory", "local");
  if (mode === "cloud" && options.memoryBudget !== undefined) throw onlyFor("--memory-budget", "local");
  const memoryBudgetMiB =
    options.memoryBudget === undefined
      ? undefined
      : parsePositiveInteger(options.memoryBudget, "memory-budget");
  if (mode === "local" && options.via !== undefined) throw onlyFor("--via", "cloud");
  const via =
    options.via === undefined
      ? undefined
      : parseChoice(options.via, ["direct", "stepfunctions"] as const, "via");
  const common = executionOptions(options, io);
  const cwd = process.cwd();
  const modules = await findModules({ ...(entry === undefined ? {} : { entry }), cwd, command: "run" });
  // Loaded first: a module that is missing or does not parse says so in its one line. No step runs before
  // the type check passes.
  const { graph } = await loadProject({ cwd, command: "run", modules });
  // The mode's interpreter before the type check: without its package the run stops here, having written
  // nothing (the type check keeps a cache). Loaded now also so that a second Ctrl-C can release the run's
  // locks synchronously.
  const local = mode === "local" ? await INTERPRETERS.local() : undefined;
  const cloud = mode === "local" ? undefined : await INTERPRETERS.cloud();
  if (options.typecheck !== false) await requireTypes(modules, io, { plan: options.plan === true });
  const configFile = findConfig(cwd);
  if (configFile) {
    const { openlineage } = (await readConfig(configFile)).config;
    if (openlineage) lineageEnvironment(openlineage);
  }
  const [result, stopped] = await (async () => {
    if (mode !== "local" && cloud !== undefined) {
      const result = await runGraph(graph, { mode, ...common, ...(via === undefined ? {} : { via }) }, cloud);
      return [result, undefined] as const;
    }
    const interpreter = local ?? (await INTERPRETERS.local());
    const { releaseOwnedFilesSync } = interpreter;
    const controller = new AbortController();
    const stop = stopOnSignals(
      controller,
      (signal) =>
        io.err(
          `${io.colors.yellow("cancelling")} (${signal}): stopping running steps and cleaning up; ${signal === "SIGINT" ? "Ctrl-C" : "SIGTERM"} again exits at once.`,
        ),
      releaseOwnedFilesSync,
    );
    try {
      const local = await runGraph(
        graph,
        {
          mode,
          ...common,
          signal: controller.signal,
          ...(options.localStorage === undefined ? {} : { localStorage: resolve(options.localStorage) }),
          ...(options.lowMemory ? { lowMemory: true } : {}),
          ...(memoryBudgetMiB === undefined ? {} : { memoryBudget: memoryBudgetMiB * 2 ** 20 }),
        },
        interpreter,
      );
      const received = stop.received();
      // The process ends by the signal next: a worker thread abandoned inside its query may still create its
      // temporary file, which the run could not remove yet.
      if (received !== undefined) releaseOwnedFilesSync();
      return [local, received] as const;
    } finally {
      stop.dispose();
    }
  })();
  if ("kind" in result) {
    io.stdout.write(
      options.json ? `${JSON.stringify(planJson(result), null, 2)}\n` : renderPlan(result, io.outColors),
    );
    return EXIT.ok;
  }
  if (stopped !== undefined && result.status === "cancelled") {
    io.stdout.write(
      options.json
        ? `${JSON.stringify(runJson(result, { mode }), null, 2)}\n`
        : renderCancelled(result, stopped, io.outColors),
    );
    return exitCodeOf(stopped);
  }
  io.stdout.write(
    options.json
      ? `${JSON.stringify(runJson(result, { mode }), null, 2)}\n`
      : renderRunSummary(result, io.outColors),
  );
  return result.status === "failed" ? EXIT.runFailed : EXIT.ok;
}
