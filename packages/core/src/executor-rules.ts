import { GlacierError, type ErrorSubject } from "./errors.js";
import type { ExecutorKind, TaskNode } from "./nodes.js";

/** How a task is written: a Polars function (`executor.task(fn)`) or a SQL query (`executor.sql(name, query)`). */
export type TaskLanguage = TaskNode["language"];

/** What one executor kind accepts, and why it refuses the rest. */
export interface ExecutorRule {
  /** The task languages it runs. */
  readonly languages: readonly TaskLanguage[];
  /** Why it refuses a Polars function (said in the error), when it does. */
  readonly noPolars?: string;
}

/**
 * Which tasks each executor kind runs: the one table the DSL (when a task is defined), the graph's
 * `problems()` (so `glacier validate`, `run`, `analyze` and `generate`) and every interpreter read. A new
 * executor kind does not compile until it has a row.
 *
 * @example
 * ```ts
 * EXECUTOR_RULES.spark.languages; // ["sql"]
 * provider.spark().task(function enrich(df) { return df; });
 * // GlacierError [INVALID_TASK] task "enrich": a spark executor runs Spark SQL on EMR Serverless, not a
 * //   nodejs-polars function. Write it as spark.sql("enrich", "SELECT … FROM input"), or bind the function to
 * //   provider.serverless() or provider.local().
 * ```
 */
export const EXECUTOR_RULES = Object.freeze({
  local: { languages: ["polars", "sql"] },
  serverless: { languages: ["polars", "sql"] },
  container: { languages: ["polars", "sql"] },
  spark: {
    languages: ["sql"],
    noPolars: "a spark executor runs Spark SQL on EMR Serverless, not a nodejs-polars function",
  },
} as const satisfies Record<ExecutorKind, ExecutorRule>);

/** Whether an executor of this kind runs a task written in this language. */
export function executorRuns(kind: ExecutorKind, language: TaskLanguage): boolean {
  const rule: ExecutorRule = EXECUTOR_RULES[kind];
  return rule.languages.includes(language);
}

/**
 * The INVALID_TASK error of a task its executor cannot run (naming the task, or the step when given), or
 * undefined when it can.
 */
export function executorRuleProblem(
  task: Pick<TaskNode, "name" | "language" | "executor">,
  subject: ErrorSubject = { kind: "task", name: task.name },
): GlacierError | undefined {
  const kind = task.executor.kind;
  if (executorRuns(kind, task.language)) return undefined;
  const rule: ExecutorRule = EXECUTOR_RULES[kind];
  const runs = rule.languages
    .map((l) => (l === "sql" ? `${kind}.sql(...)` : `${kind}.task(fn)`))
    .join(" or ");
  const others = (Object.keys(EXECUTOR_RULES) as ExecutorKind[])
    .filter((k) => executorRuns(k, task.language))
    .map((k) => `provider.${k}()`);
  const alternatives = `${others.slice(0, -1).join(", ")}${others.length > 1 ? " or " : ""}${others.at(-1) ?? ""}`;
  return new GlacierError(
    "INVALID_TASK",
    task.language === "polars"
      ? `${rule.noPolars ?? `a ${kind} executor does not run a nodejs-polars function`}.`
      : `a ${kind} executor does not run SQL tasks; it runs ${runs}.`,
    {
      subject,
      hint:
        task.language === "polars" && rule.languages.includes("sql")
          ? `Write it as ${kind}.sql("${task.name}", "SELECT … FROM input"), or bind the function to ${alternatives}.`
          : `Bind the task to ${alternatives}.`,
    },
  );
}
