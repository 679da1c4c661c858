import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  checkPartitionKey,
  checkResultsOf,
  GlacierError,
  isBucket,
  resolveRelativeKey,
  partitionUnits,
  stepPartitioning,
  type CheckResult,
  LineageGraph,
  type ParamValue,
  type StepNode,
  type TaskLogger,
} from "@glacier/core";
import { executeStep } from "@glacier/local";
import type { ColumnLineage } from "@glacier/engine";
import { withCheckResults } from "./check-results-wire.js";
import { attemptDeadline, commitGuard, invocationStart } from "./step-deadline.js";

/**
 * The Lambda side of a serverless step. `glacier generate` bundles the user's pipeline module with this
 * handler, one function per step; the state machine and the cloud executor invoke it.
 *
 * Event: `{ stepId, runId, params, deadline, timeoutSeconds }` — `stepId` may be omitted (the function's
 * `GLACIER_STEP_ID` is used); `deadline` (epoch ms, from the direct executor) or `timeoutSeconds` (from the
 * state machine, counted from the invocation's start) is when the caller stops waiting for this attempt: the
 * handler does not commit after it, nor after the run was cancelled, nor when Lambda is about to end the invocation,
 * so a step the caller gave up on never replaces its output later (see `step-deadline.ts`).
 * Response: `{ stepId, rows, bytes, durationMs, outputFingerprint, checks? }`. A blocking data check that fails
 * fails the invocation with `GlacierError.CHECK_FAILED` before the commit (never retried); the error message's
 * last line is `Glacier check results: <JSON>`, every check's result (pass/warn/fail, counts, samples), since a
 * Lambda error carries nothing but its type and message (see `check-results-wire.ts`).
 * Failure: the invocation fails with error type `GlacierError.<CODE>` (Step Functions retries on it, see
 * NON_RETRYABLE_ERRORS in @glacier/aws-model) and a message naming the step, ending with the log stream.
 */

/** What the state machine or the cloud executor sends. */
export interface StepEvent {
  readonly stepId?: string;
  /** The partition to run, for a step whose output is partitioned (`"2026-12-01"`, or `"latest"`). */
  readonly partition?: string;
  readonly runId: string;
  readonly params?: Readonly<Record<string, ParamValue>>;
  /** Epoch milliseconds after which the output must not be committed. */
  readonly deadline?: number;
  /** The attempt's timeout (the state machine's `TimeoutSeconds`): no commit later after the invocation began. */
  readonly timeoutSeconds?: number;
}

/** What one successful invocation returns. */
export interface StepResponse {
  readonly stepId: string;
  readonly rows: number;
  readonly bytes: number;
  readonly durationMs: number;
  readonly outputFingerprint: string;
  /** The step's data checks, run before the commit (absent when it declares none). */
  readonly checks?: readonly CheckResult[];
  /** The written output's columns and Polars types. */
  readonly schema?: Readonly<Record<string, string>>;
  /** The column lineage of a Polars task, derived from its plan when it could be followed. */
  readonly columnLineage?: ColumnLineage;
}

/** The part of Lambda's context object the handler reads. */
export interface LambdaContext {
  readonly logGroupName?: string;
  readonly logStreamName?: string;
  /** Milliseconds until Lambda ends the invocation (its configured timeout). */
  getRemainingTimeInMillis?(): number;
}

/**
 * polars' scratch directory: a folder of its own under the temporary directory, created here and owned by the
 * function's user. polars refuses a directory it does not own (Lambda's `/tmp` is not the function user's), so
 * `POLARS_TEMP_DIR=/tmp` becomes `/tmp/polars`; any other value is created as given.
 */
export function preparePolarsTempDir(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env["POLARS_TEMP_DIR"];
  const root = tmpdir();
  const dir =
    configured === undefined ||
    configured === "" ||
    resolve(configured) === resolve(root) ||
    resolve(configured) === "/tmp"
      ? join(root, "polars")
      : configured;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  env["POLARS_TEMP_DIR"] = dir;
  return dir;
}

/** JSON lines on stdout: CloudWatch keeps each as one event, with the step and run to filter on. */
function jsonLogger(step: string, runId: string): TaskLogger {
  const write = (level: string) => (message: string, fields?: Readonly<Record<string, unknown>>) =>
    console.log(JSON.stringify({ level, step, runId, message, ...fields }));
  return { debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error") };
}

function findStep(graph: LineageGraph, stepId: string): StepNode {
  const step = graph.steps.find((s) => s.id === stepId);
  if (step) return step;
  throw new GlacierError("UNKNOWN_STEP", "this function's code holds no such step.", {
    subject: { kind: "step", name: stepId },
    hint: `Run glacier generate and apply it again: the deployed code and the pipeline differ (it holds ${graph.steps.map((s) => s.id).join(", ") || "no steps"}).`,
  });
}

/**
 * The unit of a declared step an event asks for: the step for one partition (its key checked against the
 * scheme; `"latest"`, what a scheduled execution sends, is the scheme's latest partition now), the step
 * reading every partition (an aggregate), or the step itself.
 */
function partitionUnit(step: StepNode, partition: string | undefined): StepNode {
  const partitioning = stepPartitioning(step.name, step.input, step.output);
  if (partitioning.kind === "none") return step;
  const none = () => [];
  if (partitioning.kind === "all") return partitionUnits(step, none, none)[0] as StepNode;
  const subject = { kind: "step", name: step.id } as const;
  if (partition === undefined) {
    throw new GlacierError(
      "INVALID_PARTITION",
      "the event names no partition, and this step runs per partition.",
      {
        subject,
        hint: 'Invoke with { stepId, partition: "2026-12-01", runId }.',
      },
    );
  }
  const key = resolveRelativeKey(partitioning.scheme, partition);
  if (key === undefined) {
    throw new GlacierError(
      "INVALID_PARTITION",
      `partition "${partition}" does not exist yet: it lies before the scheme's start (${partitioning.scheme.start ?? "none"}).`,
      {
        subject,
        hint: "Start the execution with an explicit partition list, or move the scheme's start.",
      },
    );
  }
  checkPartitionKey(partitioning.scheme, key, subject);
  return partitionUnits(step, () => [key], none)[0] as StepNode;
}

/** The error Lambda reports: type `GlacierError.<CODE>`, a message naming the step and its log stream. */
function reported(error: unknown, stepId: string, context: LambdaContext | undefined): GlacierError {
  const glacier = GlacierError.is(error)
    ? error
    : new GlacierError("TASK_FAILED", (error as Error)?.message ?? String(error), { cause: error });
  const named = glacier.subject?.kind === "step" && glacier.subject.name === stepId;
  const log = context?.logStreamName ? ` (log: ${context.logGroupName ?? ""} ${context.logStreamName})` : "";
  const message = `${named ? "" : `step "${stepId}": `}${glacier.message}${log}`;
  // A failure answers only errorType and errorMessage: a CHECK_FAILED's results ride on the message's last line.
  const checks = checkResultsOf(error);
  const result = new GlacierError(glacier.code, checks ? withCheckResults(message, checks) : message, {
    cause: error,
  });
  Object.defineProperty(result, "name", { value: `GlacierError.${glacier.code}` });
  // The runtime sends the stack as `trace` too: the results once (in the message) are enough for the cause.
  if (checks && result.stack) result.stack = result.stack.replace(result.message, message);
  return result;
}

/**
 * The most a response's column lineage may take (JSON characters). A state machine fails a task whose result
 * exceeds 256 KiB (`States.DataLimitExceeded`), even when it discards the result; the lineage of a very wide
 * table can come near that, so past this budget it is left out (the step's event then has no lineage facet).
 */
export const MAX_RESPONSE_LINEAGE_CHARS = 64 * 1024;

/** The response, without its column lineage when that is past {@link MAX_RESPONSE_LINEAGE_CHARS}. */
export function withinResponseLimit(response: StepResponse): StepResponse {
  const { columnLineage, ...rest } = response;
  if (columnLineage === undefined || JSON.stringify(columnLineage).length <= MAX_RESPONSE_LINEAGE_CHARS) {
    return response;
  }
  return rest;
}

/**
 * Builds the handler from the user's module exports (buckets carrying the step's lineage).
 *
 * @example
 * ```ts
 * // index.mjs, generated by glacier generate:
 * import { sales } from "./examples/simple/pipeline.ts";
 * export const handler = createLambdaHandler({ sales });
 * // invoked with { stepId: "cleanSales->glacier-example-sales/clean/sales.parquet", runId: "r1", params: {} }
 * // → { stepId: "cleanSales->…", rows: 3962, bytes: 48211, durationMs: 812, outputFingerprint: "etag:…" }
 * ```
 */
export function createLambdaHandler(
  moduleExports: Readonly<Record<string, unknown>>,
): (event: StepEvent, context?: LambdaContext) => Promise<StepResponse> {
  // Built on the first invocation and kept while the execution environment is warm.
  let graph: LineageGraph | undefined;
  let prepared = false;
  let first = true;
  return async (event, context) => {
    const startedAt = invocationStart(first);
    first = false;
    const stepId = event?.stepId ?? process.env["GLACIER_STEP_ID"] ?? "(unknown)";
    try {
      if (typeof event?.runId !== "string" || event.runId === "") {
        throw new GlacierError("INVALID_OPTION", "the event has no runId.", {
          subject: { kind: "step", name: stepId },
          hint: "Invoke with { stepId, runId, params }.",
        });
      }
      graph ??= LineageGraph.from(
        Object.fromEntries(Object.entries(moduleExports).filter(([, value]) => isBucket(value))) as never,
      );
      const step = partitionUnit(findStep(graph, stepId), event.partition);
      if (!prepared) {
        preparePolarsTempDir();
        prepared = true;
      }
      const deadline = attemptDeadline(event, startedAt);
      const result = await executeStep({
        step,
        runId: event.runId,
        params: event.params ?? {},
        log: jsonLogger(step.name, event.runId),
        beforeCommit: commitGuard(
          step,
          deadline === undefined ? { runId: event.runId } : { runId: event.runId, deadline },
          context,
        ),
      });
      return withinResponseLimit({ stepId, ...result });
    } catch (error) {
      throw reported(error, stepId, context);
    }
  };
}
