import type { LazyDataFrame } from "nodejs-polars";
import { GlacierError, shown } from "./errors.js";
import { executorRuleProblem } from "./executor-rules.js";
import type { ExecutorNode, TaskNode } from "./nodes.js";
import { EMR_RELEASE_FOR_SQL_PARAMS, emrReleaseAtLeast } from "./aws-releases.js";
import { checkParamSpecs, type ParamSpecs } from "./params.js";
import { callerLocation } from "./source-location.js";
import { deepFreeze, shortHash } from "./stable-id.js";
import type { TaskContext } from "./task-context.js";
import { destructuredKeys } from "./task-inputs.js";

/** Named frames of a multi-source task: `Inputs<"orders" | "customers">`. */
export type Inputs<K extends string> = { readonly [P in K]: LazyDataFrame };

/** What a task consumes: one frame, or named frames. */
export type TaskInput = LazyDataFrame | Readonly<Record<string, LazyDataFrame>> | SqlTables;

/** The input of a SQL task: a table `input`, or tables named by `Pipeline` keys; it fits both. */
export interface SqlTables {
  readonly "glacier.sql-tables": true;
}

/** A task returns a lazy frame (or a promise of one); interpreters sink it into the target bucket. */
export type TaskResult = LazyDataFrame | Promise<LazyDataFrame>;

/** The function of a task. */
export type TaskFunction<I, P> = (input: I, ctx: TaskContext<P>) => TaskResult;

/** Options of `executor.task()`. */
export interface TaskOptions<S extends ParamSpecs = ParamSpecs> {
  /** Defaults to the function's name. Letters, digits, `_` and `-`; at most 64 characters. */
  readonly name?: string;
  readonly description?: string;
  /** Extra attempts after a failure, with backoff. Default 0. */
  readonly retries?: number;
  /** Seconds before the interpreter stops the task. */
  readonly timeout?: number;
  /** Run parameters the task reads from `ctx.params`. */
  readonly params?: S;
  /** Names of a multi-source task's inputs, when its first parameter is not destructured. */
  readonly inputs?: readonly string[];
  /**
   * Your version of the task's code. Incremental runs fingerprint the code a task can reach (its function,
   * the module-level declarations and local imports it uses, the versions of the packages it imports), but not
   * values read while it runs — environment variables, the clock, a file read by path. Change `codeVersion`
   * when those change what the task computes: the step reruns ("code changed"). It adds to the code
   * fingerprint; it does not replace it.
   *
   * @example
   * ```ts
   * local.task(function fx(df) { return df.withColumns(pl.lit(Number(process.env.EUR_RATE)).alias("rate")); },
   *   { codeVersion: "eur-rate-2024-06" });
   * ```
   */
  readonly codeVersion?: string;
}

declare const taskTypes: unique symbol;

/**
 * A task bound to an executor: a {@link TaskNode} that also carries, for the type checker only, what it
 * consumes (`I`) and which parameters it reads (`P`).
 */
export interface Task<I = unknown, P = unknown> extends TaskNode {
  readonly [taskTypes]?: { readonly input: (input: I) => void; readonly params: P };
}

const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** @internal Builds and checks a task node. */
export function defineTask<I, P>(
  executor: ExecutorNode,
  language: "polars" | "sql",
  fn: TaskFunction<I, P> | undefined,
  sql: string | undefined,
  options: TaskOptions | undefined = {},
): Task<I, P> {
  if (language === "polars" && typeof fn !== "function") {
    throw new GlacierError("INVALID_TASK", `task() takes a function, got ${typeof fn}.`, {
      subject: { kind: "task", name: options.name ?? "(unnamed)" },
      hint: "Pass a function (df, ctx) => LazyDataFrame.",
    });
  }
  const name = options.name ?? fn?.name ?? "";
  if (!NAME.test(name)) {
    throw new GlacierError("INVALID_TASK", name ? "this name is not valid." : "the task has no name.", {
      subject: { kind: "task", name: name || "(anonymous)" },
      hint: name
        ? "Use a letter first, then letters, digits, _ or -, at most 64 characters."
        : language === "sql"
          ? `Name it: sql("daily", query).`
          : 'Use a named function (function clean(df) {…}) or pass { name: "clean" }.',
    });
  }
  const subject = { kind: "task", name } as const;
  const unrunnable = executorRuleProblem({ name, language, executor });
  if (unrunnable) throw unrunnable;
  const retries = options.retries ?? 0;
  if (!Number.isInteger(retries) || retries < 0 || retries > 10) {
    throw new GlacierError("INVALID_OPTION", `retries ${shown(retries)} is not a whole number 0–10.`, {
      subject,
      hint: "Set retries to a whole number between 0 and 10.",
    });
  }
  if (
    options.timeout !== undefined &&
    (typeof options.timeout !== "number" || !Number.isFinite(options.timeout) || options.timeout <= 0)
  ) {
    throw new GlacierError(
      "INVALID_OPTION",
      `timeout ${shown(options.timeout)} is not a positive number of seconds.`,
      { subject, hint: "Set timeout in seconds, e.g. timeout: 300, or leave it out." },
    );
  }
  if (executor.kind === "serverless" && options.timeout !== undefined && options.timeout > executor.timeout) {
    throw new GlacierError(
      "INVALID_OPTION",
      `timeout ${options.timeout} s exceeds its Lambda's timeout of ${executor.timeout} s.`,
      { subject, hint: `Raise provider.serverless({ timeout }) or lower the task's timeout.` },
    );
  }
  if (executor.kind === "container" && options.timeout !== undefined && options.timeout > executor.timeout) {
    throw new GlacierError(
      "INVALID_OPTION",
      `timeout ${options.timeout} s exceeds its container's timeout of ${executor.timeout} s.`,
      { subject, hint: `Raise provider.container({ timeout }) or lower the task's timeout.` },
    );
  }
  if (
    options.codeVersion !== undefined &&
    (typeof options.codeVersion !== "string" || options.codeVersion.trim() === "")
  ) {
    throw new GlacierError(
      "INVALID_OPTION",
      `codeVersion ${shown(options.codeVersion)} is not a non-empty string.`,
      {
        subject,
        hint: 'Set codeVersion to a label you change with the code, e.g. codeVersion: "2", or leave it out.',
      },
    );
  }
  const params = checkParamSpecs(options.params, name);
  if (
    executor.kind === "spark" &&
    Object.keys(params).length > 0 &&
    !emrReleaseAtLeast(executor.releaseLabel, EMR_RELEASE_FOR_SQL_PARAMS)
  ) {
    throw new GlacierError(
      "INVALID_OPTION",
      `the task declares params, which Spark SQL receives as :name markers from Spark 3.4 (${EMR_RELEASE_FOR_SQL_PARAMS}); its executor uses ${executor.releaseLabel}.`,
      {
        subject,
        hint: `Use releaseLabel "${EMR_RELEASE_FOR_SQL_PARAMS}" or later in provider.spark({ … }).`,
      },
    );
  }
  const inputs = declaredInputs(name, fn, options.inputs);
  const definedAt = callerLocation();
  const node: TaskNode = {
    kind: "task",
    name,
    ...(options.description === undefined ? {} : { description: options.description }),
    executor,
    language,
    ...(sql === undefined ? {} : { sql }),
    inputs,
    retries,
    ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
    params,
    codeHash: shortHash(sql ?? Function.prototype.toString.call(fn), 16),
    ...(options.codeVersion === undefined ? {} : { codeVersion: options.codeVersion }),
    ...(definedAt === undefined ? {} : { definedAt }),
    ...(fn === undefined ? {} : { fn: fn as NonNullable<TaskNode["fn"]> }),
  };
  return deepFreeze(node) as Task<I, P>;
}

function declaredInputs(
  name: string,
  fn: ((...args: never[]) => unknown) | undefined,
  declared: readonly string[] | undefined,
): readonly string[] | null {
  if (declared !== undefined) {
    if (
      !Array.isArray(declared) ||
      declared.length === 0 ||
      declared.some((k) => typeof k !== "string" || k === "")
    ) {
      throw new GlacierError("INVALID_OPTION", "inputs must be a non-empty list of input names.", {
        subject: { kind: "task", name },
        hint: `Write inputs: ["orders", "customers"], matching the Pipeline({ … }) keys.`,
      });
    }
    return Object.freeze([...declared]);
  }
  return fn ? destructuredKeys(fn) : null;
}
