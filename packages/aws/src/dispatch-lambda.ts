import { setTimeout as sleep } from "node:timers/promises";
import type { InvokeCommandOutput } from "@aws-sdk/client-lambda";
import { checkFailure, type BucketNode, type CheckResult, type ParamValue } from "@glacier/core";
import type { ColumnLineage } from "@glacier/engine";
import type { AwsClients } from "./aws-clients.js";
import { isCheckResult, splitCheckResults } from "./check-results-wire.js";
import type { CloudStepPlan, Dispatch } from "./cloud-plan.js";
import type { StepEvent, StepResponse } from "./lambda-handler.js";
import { CANCEL_GRACE_MS, markCancelled } from "./step-deadline.js";
import { codeOfErrorType, TaskFailure } from "./task-failure.js";

/** What a dispatched step reports back. */
export interface StepOutcome {
  readonly rows?: number;
  readonly bytes?: number;
  readonly outputFingerprint?: string;
  /** Where the step's logs are. */
  readonly logs?: string;
  /** The step's data checks, as the function ran them. */
  readonly checks?: readonly CheckResult[];
  readonly schema?: Readonly<Record<string, string>>;
  /** The column lineage of a Polars task, as the function derived it from the plan. */
  readonly columnLineage?: ColumnLineage;
}

/** What one dispatch needs. */
export interface DispatchContext {
  readonly clients: AwsClients;
  readonly runId: string;
  readonly params: Readonly<Record<string, ParamValue>>;
  /** Aborted on timeout, Ctrl-C, or a fail-fast failure elsewhere. */
  readonly signal: AbortSignal;
  /** Aborted on Ctrl-C or a fail-fast failure elsewhere (not on this attempt's timeout). */
  readonly cancelled: AbortSignal;
  /** Epoch ms when this attempt times out: a Lambda step does not commit after it. */
  readonly deadline: number;
  /** Error types a retry cannot fix (shared with the generated state machine). */
  readonly permanentErrors: readonly string[];
  readonly attempt: number;
}

interface LambdaError {
  readonly errorType?: string;
  readonly errorMessage?: string;
}

const LOG_SUFFIX = /\s*\(log: ([^()]*)\)\s*$/;

type Answer =
  | { readonly ok: true; readonly response: InvokeCommandOutput }
  | { readonly ok: false; readonly error: unknown };

/**
 * Invokes a serverless step's function (RequestResponse) with the handler's event — `{ stepId, runId, params,
 * deadline }` — and returns its `{ rows, bytes, outputFingerprint }`. A function error (the task threw) becomes
 * a {@link TaskFailure} with the handler's code and message and the CloudWatch log stream the handler named.
 * Throttling, 5xx and network errors are retried inside the SDK (see `aws-clients.ts`).
 *
 * Giving up (the signal aborts) does not stop the function, which Lambda cannot do: on a cancelled run the
 * cancel marker is written first, then the answer is awaited {@link CANCEL_GRACE_MS} more. An answer in that
 * time is the truth (a function that committed just before is a success); otherwise this rejects, and the
 * function, past its deadline or seeing the marker, will not commit (see `step-deadline.ts`).
 *
 * @example
 * ```ts
 * await invokeStep(ctx, step, { kind: "lambda", functionName: "glacier-clean-sales-f7e1d6", … });
 * // { rows: 3962, bytes: 48211, outputFingerprint: 'etag:"…"', logs: "/aws/lambda/glacier-clean-sales-f7e1d6" }
 * ```
 */
export async function invokeStep(
  ctx: DispatchContext,
  step: CloudStepPlan,
  dispatch: Extract<Dispatch, { kind: "lambda" }>,
  output: BucketNode,
): Promise<StepOutcome> {
  const { InvokeCommand } = await import("@aws-sdk/client-lambda");
  const lambda = await ctx.clients.lambda();
  const event: StepEvent = {
    stepId: step.stepId,
    ...(step.partition === undefined ? {} : { partition: step.partition }),
    runId: ctx.runId,
    params: ctx.params,
    deadline: ctx.deadline,
  };
  const http = new AbortController();
  const answer: Promise<Answer> = lambda
    .send(
      new InvokeCommand({
        FunctionName: dispatch.functionName,
        InvocationType: "RequestResponse",
        LogType: "Tail",
        Payload: new TextEncoder().encode(JSON.stringify(event)),
      }),
      { abortSignal: http.signal },
    )
    .then(
      (response) => ({ ok: true as const, response }),
      (error: unknown) => ({ ok: false as const, error }),
    );
  const gaveUp = new Promise<undefined>((resolve) => {
    if (ctx.signal.aborted) resolve(undefined);
    else ctx.signal.addEventListener("abort", () => resolve(undefined), { once: true });
  });
  let settled = await Promise.race([answer, gaveUp]);
  if (settled === undefined) {
    if (ctx.cancelled.aborted)
      await markCancelled(ctx.clients, step.stepId, output, ctx.runId).catch(() => undefined);
    settled = await Promise.race([answer, sleep(CANCEL_GRACE_MS, undefined)]);
    if (settled === undefined) {
      http.abort();
      throw new Error(`gave up on function ${dispatch.functionName}`);
    }
  }
  if (!settled.ok) throw settled.error;
  const response = settled.response;
  const group = `/aws/lambda/${dispatch.functionName}`;
  const text = response.Payload ? new TextDecoder().decode(response.Payload) : "";
  if (response.FunctionError) {
    let error: LambdaError = {};
    try {
      error = JSON.parse(text) as LambdaError;
    } catch {
      error = { errorMessage: text };
    }
    // A CHECK_FAILED message ends with the check results (check-results-wire.ts): recorded, not shown.
    const { message: raw, checks } = splitCheckResults(
      error.errorMessage ?? `the function failed (${response.FunctionError}) without a message`,
    );
    const named = LOG_SUFFIX.exec(raw);
    // The handler names the step (by id, or by name when the error was already about it); so does TaskFailure.
    const message = raw
      .replace(LOG_SUFFIX, "")
      .replace(`step "${step.id}": `, "")
      .replace(`step "${step.name}": `, "");
    const logs = named?.[1]?.trim() || `${group} (request ${response.$metadata.requestId ?? "unknown"})`;
    return Promise.reject(
      new TaskFailure(codeOfErrorType(error.errorType), step.name, message, {
        permanent: ctx.permanentErrors.includes(error.errorType ?? ""),
        logs,
        // The engine records the results a CHECK_FAILED cause carries (core's checkResultsOf).
        cause: (checks && checkFailure(step.name, checks)) ?? error,
      }),
    );
  }
  let result: Partial<StepResponse>;
  try {
    result = JSON.parse(text) as Partial<StepResponse>;
  } catch {
    result = {};
  }
  if (typeof result.rows !== "number" || typeof result.bytes !== "number") {
    throw new TaskFailure(
      "TASK_RESULT_INVALID",
      step.name,
      `function ${dispatch.functionName} answered ${JSON.stringify(text.slice(0, 200))}, not a Glacier step result. Regenerate and apply: the deployed code is not Glacier's handler.`,
      { permanent: true, logs: group },
    );
  }
  return {
    rows: result.rows,
    bytes: result.bytes,
    ...(typeof result.outputFingerprint === "string" ? { outputFingerprint: result.outputFingerprint } : {}),
    ...(Array.isArray(result.checks) && result.checks.every(isCheckResult) ? { checks: result.checks } : {}),
    ...(result.schema && typeof result.schema === "object" ? { schema: result.schema } : {}),
    ...(isColumnLineage(result.columnLineage) ? { columnLineage: result.columnLineage } : {}),
    logs: group,
  };
}

/** The shape of a column-lineage facet's fields, as the handler reports it (anything else is dropped). */
export function isColumnLineage(value: unknown): value is ColumnLineage {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { fields?: unknown }).fields === "object" &&
    (value as { fields?: unknown }).fields !== null &&
    Array.isArray((value as { dataset?: unknown }).dataset)
  );
}
