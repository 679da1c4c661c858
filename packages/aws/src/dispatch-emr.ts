import { setTimeout as sleep } from "node:timers/promises";
import { emrClientToken, emrJobRunName, sparkChecksKey } from "@glacier/aws-model";
import {
  checkFailure,
  stepChecks,
  type BucketNode,
  type CheckResult,
  type GlacierErrorCode,
  type StepNode,
} from "@glacier/core";
import type { AwsClients } from "./aws-clients.js";
import { isCheckResult } from "./check-results-wire.js";
import type { CloudStepPlan, Dispatch } from "./cloud-plan.js";
import type { DispatchContext, StepOutcome } from "./dispatch-lambda.js";
import { StepCancelled, TaskFailure } from "./task-failure.js";

/** Polls start quick (short jobs finish in seconds on a warm application) and slow down to every 10 s. */
export function pollDelayMs(poll: number): number {
  return Math.min(10_000, 250 * 1.5 ** poll);
}

const TERMINAL = new Set(["SUCCESS", "FAILED", "CANCELLED"]);

/** Codes the generated Spark driver raises (`raise GlacierStepError("SCHEMA_MISMATCH: …")`). */
const DRIVER_CODES = [
  "SCHEMA_MISMATCH",
  "PARAM_MISSING",
  "STORAGE_ERROR",
  "SOURCE_MISSING",
  "OUTPUT_NOT_OWNED",
  "CHECK_FAILED",
] as const;

/**
 * The Glacier error code in a failed job run's `stateDetails`. EMR Serverless reports a failed driver as
 * `Job execution failed, please check complete logs in configured logging destination. ExitCode: 1. Last few
 * exceptions: GlacierStepError: SCHEMA_MISMATCH: step … Traceback …`: the code can be anywhere in it.
 *
 * @example
 * ```ts
 * driverErrorCode("Job execution failed … Last few exceptions: GlacierStepError: PARAM_MISSING: step …") // "PARAM_MISSING"
 * ```
 */
export function driverErrorCode(details: string): GlacierErrorCode | undefined {
  const code = /\bGlacierStepError: ([A-Z_]+)/.exec(details)?.[1];
  return (DRIVER_CODES as readonly string[]).includes(code ?? "") ? (code as GlacierErrorCode) : undefined;
}

/**
 * The check results a job wrote (`sparkChecksKey`, in the step's staging prefix), read and then deleted; undefined
 * when there are none or they cannot be read (the job's failure message still names the failed checks).
 */
async function jobCheckResults(
  ctx: DispatchContext,
  stepId: string,
  output: BucketNode,
): Promise<readonly CheckResult[] | undefined> {
  return sparkCheckResults(ctx.clients, output.bucket, stepId, ctx.runId);
}

/**
 * The check results a Spark job of run `runId` wrote for step `stepId` into its output bucket's staging
 * prefix, read and then deleted: a direct run's and a state machine's alike. Undefined when there are none.
 */
export async function sparkCheckResults(
  clients: AwsClients,
  bucket: string,
  stepId: string,
  runId: string,
): Promise<readonly CheckResult[] | undefined> {
  const s3 = await clients.s3();
  const { GetObjectCommand, DeleteObjectCommand } = await import("@aws-sdk/client-s3");
  const where = { Bucket: bucket, Key: sparkChecksKey(stepId, runId) };
  try {
    const object = await s3.send(new GetObjectCommand(where));
    const parsed = JSON.parse((await object.Body?.transformToString("utf8")) ?? "") as {
      glacier?: unknown;
      results?: unknown;
    };
    await s3.send(new DeleteObjectCommand(where)).catch(() => undefined);
    return parsed.glacier === 1 && Array.isArray(parsed.results) && parsed.results.every(isCheckResult)
      ? parsed.results
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs a spark step: StartJobRun of its generated Spark SQL driver on its application, then GetJobRun until the
 * run ends. The client token stands for the run, step and attempt ({@link emrClientToken}), so an SDK retry of
 * a StartJobRun whose answer was lost returns the same job run instead of starting a second one, and the next
 * attempt starts a new one. When the signal aborts (Ctrl-C, timeout, fail-fast), the job run is cancelled
 * (CancelJobRun) before this rejects. A failure the driver reports (`GlacierStepError: <CODE>`) keeps its code
 * and is permanent when a rerun cannot fix it. A step with data checks gets their results from the job (the
 * driver writes them before its commit): recorded on success (warnings included), and carried by the
 * CHECK_FAILED failure (never retried) like a local or Lambda step's.
 *
 * @example
 * ```ts
 * await runSparkStep(ctx, step, dispatch, "00fk3l2s8a9b0c01");
 * // { logs: "s3://glacier-artefacts-…/glacier/logs/spark/regional-summary-9b1c2d/applications/00fk…/jobs/00fm…" }
 * ```
 */
export async function runSparkStep(
  ctx: DispatchContext,
  step: CloudStepPlan,
  dispatch: Extract<Dispatch, { kind: "emr" }>,
  applicationId: string,
  node: StepNode,
): Promise<StepOutcome & { readonly jobRunId: string }> {
  const checked = stepChecks(node).length > 0;
  const emr = await ctx.clients.emr();
  const sdk = await import("@aws-sdk/client-emr-serverless");
  const started = await emr.send(
    new sdk.StartJobRunCommand({
      applicationId,
      clientToken: emrClientToken(ctx.runId, step.id, ctx.attempt),
      name: emrJobRunName(step, ctx.runId),
      executionRoleArn: dispatch.executionRoleArn,
      jobDriver: {
        sparkSubmit: {
          entryPoint: dispatch.entryPoint,
          entryPointArguments: ["--run-id", ctx.runId, "--params", JSON.stringify(ctx.params)],
          sparkSubmitParameters: dispatch.sparkSubmitParameters,
        },
      },
      configurationOverrides: {
        monitoringConfiguration: { s3MonitoringConfiguration: { logUri: dispatch.logUri } },
      },
      ...(dispatch.executionTimeoutMinutes === undefined
        ? {}
        : { executionTimeoutMinutes: dispatch.executionTimeoutMinutes }),
    }),
  );
  const jobRunId = started.jobRunId as string;
  const logs = `${dispatch.logUri}applications/${applicationId}/jobs/${jobRunId}/`;
  for (let poll = 0; ; poll++) {
    if (ctx.signal.aborted) {
      await emr.send(new sdk.CancelJobRunCommand({ applicationId, jobRunId })).catch(() => undefined);
      throw new StepCancelled(`EMR Serverless job run ${jobRunId} cancelled`);
    }
    const { jobRun } = await emr.send(new sdk.GetJobRunCommand({ applicationId, jobRunId }));
    const state = jobRun?.state ?? "PENDING";
    if (TERMINAL.has(state)) {
      const checks = checked ? await jobCheckResults(ctx, step.stepId, node.output) : undefined;
      if (state === "SUCCESS") return { logs, jobRunId, ...(checks === undefined ? {} : { checks }) };
      const details = jobRun?.stateDetails ?? `the job run ended ${state}`;
      const code = state === "FAILED" ? driverErrorCode(details) : undefined;
      // The failed checks' results ride on the failure's cause, where the engine records them from.
      const cause = code === "CHECK_FAILED" && checks ? checkFailure(step.name, checks) : null;
      throw new TaskFailure(
        code === undefined || code === "STORAGE_ERROR" ? "TASK_FAILED" : code,
        step.name,
        `EMR Serverless job run ${jobRunId} ${state === "CANCELLED" ? "was cancelled" : "failed"}: ${details}`,
        {
          permanent: code !== undefined && ctx.permanentErrors.includes(`GlacierError.${code}`),
          logs,
          ...(cause ? { cause } : {}),
        },
      );
    }
    await sleep(pollDelayMs(poll), undefined, { signal: ctx.signal }).catch(() => undefined);
  }
}
