import { setTimeout as sleep } from "node:timers/promises";
import { emrClientToken, emrJobRunName } from "@glacier/aws-model";
import type { GlacierErrorCode } from "@glacier/core";
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
 * Runs a spark step: StartJobRun of its generated Spark SQL driver on its application, then GetJobRun until the
 * run ends. The client token stands for the run, step and attempt ({@link emrClientToken}), so an SDK retry of
 * a StartJobRun whose answer was lost returns the same job run instead of starting a second one, and the next
 * attempt starts a new one. When the signal aborts (Ctrl-C, timeout, fail-fast), the job run is cancelled
 * (CancelJobRun) before this rejects. A failure the driver reports (`GlacierStepError: <CODE>`) keeps its code
 * and is permanent when a rerun cannot fix it.
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
): Promise<StepOutcome & { readonly jobRunId: string }> {
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
      if (state === "SUCCESS") return { logs, jobRunId };
      const details = jobRun?.stateDetails ?? `the job run ended ${state}`;
      const code = state === "FAILED" ? driverErrorCode(details) : undefined;
      throw new TaskFailure(
        code === undefined || code === "STORAGE_ERROR" ? "TASK_FAILED" : code,
        step.name,
        `EMR Serverless job run ${jobRunId} ${state === "CANCELLED" ? "was cancelled" : "failed"}: ${details}`,
        {
          permanent: code !== undefined && ctx.permanentErrors.includes(`GlacierError.${code}`),
          logs,
        },
      );
    }
    await sleep(pollDelayMs(poll), undefined, { signal: ctx.signal }).catch(() => undefined);
  }
}
