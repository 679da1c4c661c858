import { setTimeout as sleep } from "node:timers/promises";
import { containerResultKey } from "@glacier/aws-model";
import { shortHash } from "@glacier/core/internal";
import type { AwsClients } from "./aws-clients.js";
import type { CloudStepPlan, Dispatch } from "./cloud-plan.js";
import type { ContainerResult } from "./container-entry.js";
import type { DispatchContext, StepOutcome } from "./dispatch-lambda.js";
import { pollDelayMs } from "./dispatch-emr.js";
import { codeOfErrorType, StepCancelled, TaskFailure } from "./task-failure.js";

/** Where a container step's tasks run: the networking `generate` put on the cluster's tags. */
export interface ContainerNetwork {
  readonly subnets: readonly string[];
  readonly securityGroups: readonly string[];
  readonly assignPublicIp: "ENABLED" | "DISABLED";
}

/** What `runContainerTask` needs besides the step. */
export interface ContainerRunContext extends DispatchContext {
  readonly network: ContainerNetwork;
  readonly artefactsBucket: string;
}

/** The result document a container task wrote, or undefined when it wrote none. */
export async function readContainerResult(
  clients: AwsClients,
  bucket: string,
  key: string,
): Promise<ContainerResult | undefined> {
  const { GetObjectCommand } = await import("@aws-sdk/client-s3");
  try {
    const object = await (await clients.s3()).send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return JSON.parse(await (object.Body as { transformToString(): Promise<string> }).transformToString());
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404 || status === 403 || (error as Error).name === "NoSuchKey") return undefined;
    throw error;
  }
}

/**
 * Runs a container step: RunTask of its task definition on Fargate (the cluster's networking, the run id,
 * params, deadline and this attempt's result key as container overrides), then DescribeTasks with backoff until
 * the task stops, then the result document the task wrote to the artefacts bucket. When the signal aborts
 * (Ctrl-C, timeout, fail-fast), the task is stopped (StopTask) before this rejects; the handler inside does not
 * commit after the attempt's deadline, as on Lambda. A failure the handler reports keeps its code and is
 * permanent when a rerun cannot fix it; a task that stopped without a result (its image could not be pulled,
 * the bootstrap failed, it ran out of memory) fails with ECS's reason and exit code.
 *
 * @example
 * ```ts
 * await runContainerTask(ctx, step, { kind: "ecs", cluster: "glacier-steps", taskDefinition: "glacier-summarise-3f2a9c", … });
 * // { rows: 3, bytes: 812, outputFingerprint: 'etag:"…"', logs: "/ecs/glacier-summarise-3f2a9c glacier/step/4f1e…" }
 * ```
 */
export async function runContainerTask(
  ctx: ContainerRunContext,
  step: CloudStepPlan,
  dispatch: Extract<Dispatch, { kind: "ecs" }>,
): Promise<StepOutcome & { readonly taskArn: string }> {
  const ecs = await ctx.clients.ecs();
  const sdk = await import("@aws-sdk/client-ecs");
  const resultKey = containerResultKey(ctx.runId, step, ctx.attempt);
  const started = await ecs.send(
    new sdk.RunTaskCommand({
      cluster: dispatch.cluster,
      taskDefinition: dispatch.taskDefinition,
      launchType: "FARGATE",
      count: 1,
      startedBy: "glacier",
      // The same for an SDK retry of this attempt's RunTask, so it never starts a second task.
      clientToken: `${shortHash(`${ctx.runId}\n${step.id}`, 24)}-${ctx.attempt}`,
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: [...ctx.network.subnets],
          securityGroups: [...ctx.network.securityGroups],
          assignPublicIp: ctx.network.assignPublicIp,
        },
      },
      overrides: {
        containerOverrides: [
          {
            name: dispatch.containerName,
            environment: [
              { name: "GLACIER_RUN_ID", value: ctx.runId },
              { name: "GLACIER_PARAMS", value: JSON.stringify(ctx.params) },
              { name: "GLACIER_RESULT_KEY", value: resultKey },
              ...(ctx.deadline < Number.MAX_SAFE_INTEGER
                ? [{ name: "GLACIER_DEADLINE", value: String(ctx.deadline) }]
                : []),
            ],
          },
        ],
      },
    }),
  );
  const failure = started.failures?.[0];
  const taskArn = started.tasks?.[0]?.taskArn;
  if (failure || !taskArn) {
    throw new TaskFailure(
      "CLOUD_ERROR",
      step.name,
      `ECS did not start the task: ${failure?.reason ?? "no task"}${failure?.detail ? ` (${failure.detail})` : ""}`,
      { permanent: false },
    );
  }
  const taskId = taskArn.split("/").at(-1) as string;
  const logs = `${dispatch.logGroup} glacier/${dispatch.containerName}/${taskId}`;
  for (let poll = 0; ; poll++) {
    if (ctx.signal.aborted) {
      await ecs
        .send(
          new sdk.StopTaskCommand({ cluster: dispatch.cluster, task: taskArn, reason: "glacier: cancelled" }),
        )
        .catch(() => undefined);
      throw new StepCancelled(`ECS task ${taskId} stopped`);
    }
    const { tasks = [] } = await ecs.send(
      new sdk.DescribeTasksCommand({ cluster: dispatch.cluster, tasks: [taskArn] }),
    );
    const task = tasks[0];
    if (task?.lastStatus === "STOPPED") {
      const result = await readContainerResult(ctx.clients, ctx.artefactsBucket, resultKey);
      if (result?.ok) return { ...result.response, logs, taskArn };
      if (result && !result.ok) {
        const code = codeOfErrorType(result.error.name);
        throw new TaskFailure(code, step.name, result.error.message, {
          permanent: ctx.permanentErrors.includes(`GlacierError.${code}`),
          logs,
        });
      }
      const exit = task.containers?.[0]?.exitCode;
      throw new TaskFailure(
        "TASK_FAILED",
        step.name,
        `ECS task ${taskId} stopped without a result: ${task.stoppedReason ?? task.stopCode ?? "no reason given"}${exit === undefined ? "" : ` (exit code ${exit})`}`,
        { permanent: false, logs },
      );
    }
    await sleep(pollDelayMs(poll), undefined, { signal: ctx.signal }).catch(() => undefined);
  }
}
