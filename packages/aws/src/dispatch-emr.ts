import { setTimeout as sleep } from "node:timers/promises";
import type { CloudStepPlan, Dispatch } from "./cloud-plan.js";
import type { DispatchContext, StepOutcome } from "./dispatch-lambda.js";
import { StepCancelled, TaskFailure } from "./task-failure.js";

/** Polls start quick (short jobs finish in seconds on a warm application) and slow down to every 10 s. */
export function pollDelayMs(poll: number): number {
  return Math.min(10_000, 250 * 1.5 ** poll);
}

const TERMINAL = new Set(["SUCCESS", "FAILED", "CANCELLED"]);

/**
 * Runs a spark step: StartJobRun of its generated Spark SQL driver on its application, then GetJobRun until the
 * run ends. The client token is the run, step and attempt, so an SDK retry of a StartJobRun whose answer was
 * lost returns the same job run instead of starting a second one. When the signal aborts (Ctrl-C, timeout,
 * fail-fast), the job run is cancelled (CancelJobRun) before this rejects.
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
      clientToken: `${ctx.runId}-${step.id}-${ctx.attempt}`.slice(0, 64).replace(/[^\w.-]/g, "_"),
      name: `${step.name}-${ctx.runId}`.slice(0, 256),
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
      const code = /^(SCHEMA_MISMATCH|PARAM_MISSING|STORAGE_ERROR|SOURCE_MISSING)\b/.exec(details)?.[1];
      throw new TaskFailure(
        code === "SCHEMA_MISMATCH" || code === "PARAM_MISSING" || code === "SOURCE_MISSING"
          ? code
          : "TASK_FAILED",
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
