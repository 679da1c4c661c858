import {
  type BucketNode,
  type FileStore,
  GlacierError,
  type ParamValue,
  type Schema,
  type StepNode,
  type TaskContext,
  type TaskLogger,
} from "@glacier/core";
import { stepInputs } from "@glacier/core/internal";
import type { ContentFile } from "./content-fingerprint.js";
import { listContentFiles } from "./content-files.js";
import { messageOf } from "./errors.js";
import { describeValue, isLazyFrame, type LazyFrame, type Polars } from "./polars.js";
import { openSource } from "./scan.js";
import { checkSchema, polarsType } from "./schema-check.js";
import { renderSql } from "./sql-params.js";
import { guardedCall, type TaskGuard } from "./task-guard.js";
import { describeLocation, resolveLocation, type StorageOptions } from "./storage.js";

/** Everything needed to turn a step into the lazy frame of its result. */
export interface PrepareInput {
  readonly step: StepNode;
  readonly runId: string;
  /** The parameters this task declared, resolved. */
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly storage?: StorageOptions;
  readonly log: TaskLogger;
  readonly files: FileStore;
  /** Dataset file listings already known (from fingerprinting), by input key. */
  readonly known?: ReadonlyMap<string, readonly ContentFile[]>;
  /** Resolve every input's schema first (and check declared ones): a Lambda has no preflight. */
  readonly probeInputs: boolean;
  /** Bounds the task call by the step's timeout and the run's cancellation (see `task-guard.ts`). */
  readonly guard?: TaskGuard;
}

/**
 * Scans a step's inputs, calls its task (or runs its SQL on Polars SQL, tables named `input` or by the
 * `Pipeline` keys) and checks what came back: a LazyDataFrame whose plan resolves (a missing column fails
 * here, before anything is written) and whose columns are the output's declared ones. Nothing runs yet:
 * the result is a plan for {@link materialize}.
 */
export async function prepareFrame(pl: Polars, input: PrepareInput): Promise<LazyFrame> {
  return (await prepareStep(pl, input)).frame;
}

/** A step's result plan, with the input frames its task was given (by input key) and its columns. */
export interface PreparedStep {
  readonly frame: LazyFrame;
  readonly inputs: Readonly<Record<string, LazyFrame>>;
  readonly columns: readonly string[];
}

/** {@link prepareFrame}, keeping what the column lineage of the plan is derived from (`plan-lineage.ts`). */
export async function prepareStep(pl: Polars, input: PrepareInput): Promise<PreparedStep> {
  const { step } = input;
  const frames: Record<string, LazyFrame> = {};
  for (const [key, bucket] of stepInputs(step)) {
    frames[key] = await openInput(pl, key, bucket, input);
  }
  const ctx: TaskContext<Readonly<Record<string, ParamValue>>> = Object.freeze({
    runId: input.runId,
    step: step.partition?.stepName ?? step.name,
    ...(typeof step.partition?.key === "string" ? { partition: step.partition.key } : {}),
    params: input.params,
    log: input.log,
    files: input.files,
  });
  const result = await callTask(pl, step, frames, ctx, input.guard);
  let columns: string[];
  try {
    columns = result.columns;
  } catch (error) {
    throw new GlacierError("TASK_FAILED", `the task's query is invalid: ${messageOf(error, true)}`, {
      subject: { kind: "step", name: step.name },
      hint: "Fix the task: its result cannot be planned (the full polars message is in the run log).",
      cause: error,
    });
  }
  const names = Object.fromEntries(columns.map((c) => [c, "?"]));
  checkSchema(step.output.id, step.output.schema, names, `the result of step "${step.name}"`, {
    namesOnly: true,
  });
  return {
    frame: step.task.language === "sql" ? castDeclared(pl, result, step.output.schema) : result,
    inputs: frames,
    columns,
  };
}

/**
 * A SQL task's result in its output's declared types. Polars SQL and Spark SQL type some results differently
 * (COUNT is UInt32 in Polars and BIGINT in Spark; SUM of an int32 stays Int32 in Polars and is BIGINT in
 * Spark): with the output's schema declared, both executors cast to it (the generated Spark driver does the
 * same), so one SQL task writes the same column types wherever it runs. A value the type cannot hold fails
 * the step (a strict cast), as in Spark's ANSI mode.
 */
function castDeclared(pl: Polars, result: LazyFrame, schema: Schema | undefined): LazyFrame {
  if (schema === undefined || Object.keys(schema).length === 0) return result;
  return result.withColumns(
    ...Object.entries(schema).map(([column, type]) =>
      pl.col(column).cast(polarsType(pl, type) as never, true),
    ),
  );
}

async function openInput(
  pl: Polars,
  key: string,
  bucket: BucketNode,
  input: PrepareInput,
): Promise<LazyFrame> {
  const location = resolveLocation(bucket, input.storage);
  const files = input.known?.get(key) ?? (await listContentFiles(bucket, location, input.storage));
  const opened = openSource(pl, bucket, location, files, { probe: input.probeInputs });
  if (opened.schema) {
    checkSchema(bucket.id, bucket.schema, opened.schema, `the data at ${describeLocation(location)}`);
  }
  return opened.frame;
}

async function callTask(
  pl: Polars,
  step: StepNode,
  frames: Readonly<Record<string, LazyFrame>>,
  ctx: TaskContext<Readonly<Record<string, ParamValue>>>,
  guard: TaskGuard | undefined,
): Promise<LazyFrame> {
  const { task } = step;
  const subject = { kind: "step", name: step.name } as const;
  let result: unknown;
  try {
    if (task.language === "sql") {
      const query = renderSql(task.sql ?? "", ctx.params);
      result = pl.SQLContext(frames as Record<string, LazyFrame>).execute(query);
    } else {
      if (typeof task.fn !== "function") {
        throw new GlacierError("INVALID_TASK", "the task has no function to call.", {
          subject,
          hint: "Define polars tasks with executor.task(fn).",
        });
      }
      const arg = step.input.kind === "single" ? frames["input"] : frames;
      const fn = task.fn as unknown as (input: unknown, context: unknown) => unknown;
      result = guard ? await guardedCall(fn, arg, ctx, guard) : await fn(arg, ctx);
    }
  } catch (error) {
    if (GlacierError.is(error)) throw error;
    // A thrown string or object carries no stack: say so, rather than send the user to a log without one.
    const hint =
      error instanceof Error
        ? "Fix the task; its stack trace is in the run log."
        : `Fix the task; it threw ${describeValue(error)}, not an Error, so there is no stack trace: throw new Error("…") to get one.`;
    throw new GlacierError(
      "TASK_FAILED",
      `${task.language === "sql" ? "the SQL query failed" : "the task threw"}: ${messageOf(error, true)}`,
      { subject, hint, cause: error },
    );
  }
  // nodejs-polars (0.24 to 0.26) SQLContext returns a failed query as a frame wrapping the error.
  const native = (result as { _ldf?: unknown } | null)?._ldf;
  if (native instanceof Error) {
    throw new GlacierError("TASK_FAILED", `the SQL query failed: ${messageOf(native, true)}`, {
      subject,
      hint: "Fix the query; polars' full message is in the run log.",
      cause: native,
    });
  }
  if (!isLazyFrame(result)) {
    throw new GlacierError(
      "TASK_RESULT_INVALID",
      `the task returned ${describeValue(result)}, not a LazyDataFrame.`,
      {
        subject,
        hint:
          describeValue(result) === "a DataFrame"
            ? "Return df.lazy() — or better, keep the frame lazy so the streaming engine can run it."
            : "Return the LazyDataFrame built from the input (e.g. return df.filter(…)).",
      },
    );
  }
  return result;
}
