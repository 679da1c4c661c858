import { NON_RETRYABLE_ERRORS } from "@glacier/aws-model";
import { GlacierError, type ParamValue, type StepNode } from "@glacier/core";
import { absurd } from "@glacier/core/internal";
import type { RunLog, StepDriver, StepOutcome } from "@glacier/engine";
import { checkCommittedOutput, executeStep } from "@glacier/local";
import { codeFingerprintNotes } from "@glacier/task-code";
import type { AwsClients } from "./aws-clients.js";
import type { CloudPlan, CloudStepPlan } from "./cloud-plan.js";
import { runSparkStep } from "./dispatch-emr.js";
import { runContainerTask, type ContainerNetwork } from "./dispatch-ecs.js";
import { invokeStep, type DispatchContext, type StepOutcome as DispatchOutcome } from "./dispatch-lambda.js";
import { s3Content, type S3Content } from "./s3-content.js";
import { componentsOf } from "./step-state.js";
import { StepCancelled, TaskFailure, timedOut } from "./task-failure.js";

/** What the cloud driver needs for one run. */
export interface CloudDriverInit {
  readonly plan: CloudPlan;
  readonly clients: AwsClients;
  readonly runId: string;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly applicationIds: ReadonlyMap<string, string>;
  /** Where container steps' tasks run (from the cluster's tags, read by preflight); absent without any. */
  readonly containerNetwork?: ContainerNetwork;
  /** The run's log: an in-process step's `ctx.log` writes to it. */
  readonly log: RunLog;
  /**
   * Credentials made explicit for in-process steps (polars reads only `AWS_*` variables otherwise), resolved
   * again for every step: the SDK's provider caches them and refreshes them before they expire, so a long
   * run never hands a step expired session credentials.
   */
  readonly credentials?: () => Promise<StepCredentials>;
}

/** What an in-process step's storage needs to sign S3 requests. */
export interface StepCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

function resourceOf(plan: CloudStepPlan): string | undefined {
  const d = plan.dispatch;
  return d.kind === "lambda"
    ? d.functionName
    : d.kind === "emr"
      ? d.applicationName
      : d.kind === "ecs"
        ? d.taskDefinition
        : undefined;
}

/** Where a step's logs go, before any request id or job run id is known. */
function logsOf(plan: CloudStepPlan): string | undefined {
  const d = plan.dispatch;
  return d.kind === "lambda"
    ? `/aws/lambda/${d.functionName}`
    : d.kind === "emr"
      ? d.logUri
      : d.kind === "ecs"
        ? d.logGroup
        : undefined;
}

/**
 * An S3 fingerprint as decisions compare it. The handler reports `etag:<etag>:<size>`; a versioned bucket's
 * HEAD adds the version id, which must not make an untouched output look changed.
 */
function withoutVersion(fingerprint: string): string {
  return fingerprint.replace(/:v=[^:]*$/, "");
}

function asFailure(error: unknown, step: string): GlacierError {
  if (GlacierError.is(error)) return error;
  const name = (error as { name?: string }).name ?? "Error";
  return new GlacierError("CLOUD_ERROR", `${name}: ${(error as Error).message ?? String(error)}`, {
    subject: { kind: "step", name: step },
    hint: "AWS refused or failed the request after retries; check the service's health and your permissions.",
    cause: error,
  });
}

/**
 * The cloud executor as an engine step driver: a step is fingerprinted from S3 metadata (ETags, no data read)
 * and dispatched where its executor says — Lambda (Invoke), EMR Serverless (StartJobRun, polled) or this
 * process — one attempt at a time, bounded by the step's timeout. Scheduling, decisions, retries (core's
 * policy, the same the generated state machines use) and records are the engine's.
 *
 * @example
 * ```ts
 * const driver = cloudDriver({ plan, clients, runId, params, applicationIds, log: session.log });
 * await runSchedule(session, { graph, driver, concurrency: 32, failFast: false, force: false });
 * ```
 */
export function cloudDriver(init: CloudDriverInit): StepDriver {
  const plans = new Map(init.plan.steps.map((p) => [p.id, p]));
  const planOf = (step: StepNode): CloudStepPlan => {
    const plan = plans.get(step.id);
    if (!plan) throw new Error(`the cloud plan has no step ${step.id}`);
    return plan;
  };
  const outputNow = async (step: StepNode): Promise<S3Content> => {
    const content = await s3Content(await init.clients.s3(), step.output);
    return { ...content, fingerprint: withoutVersion(content.fingerprint) };
  };

  const dispatchOnce = async (
    step: StepNode,
    plan: CloudStepPlan,
    ctx: DispatchContext,
  ): Promise<DispatchOutcome & { jobRunId?: string; taskArn?: string }> => {
    const d = plan.dispatch;
    switch (d.kind) {
      case "lambda":
        return invokeStep(ctx, plan, d, step.output);
      case "emr": {
        const outcome = await runSparkStep(
          ctx,
          plan,
          d,
          init.applicationIds.get(d.applicationName) as string,
          step,
        );
        const written = await outputNow(step);
        return { ...outcome, bytes: written.bytes, outputFingerprint: written.fingerprint };
      }
      case "ecs": {
        if (!init.containerNetwork) throw new Error("the cloud driver has no container network");
        return runContainerTask(
          { ...ctx, network: init.containerNetwork, artefactsBucket: init.plan.artefactsBucket },
          plan,
          d,
        );
      }
      case "in-process": {
        const credentials = init.credentials ? await init.credentials() : {};
        const metrics = await executeStep({
          step,
          runId: init.runId,
          params: init.params,
          storage: { s3: { region: init.plan.region, ...credentials } },
          log: init.log.forStep(step.name),
          // A cancelled run or a timed-out attempt keeps its previous output, as a Lambda step does.
          beforeCommit: () => {
            if (ctx.signal.aborted) throw new StepCancelled("cancelled before its commit");
          },
        });
        return {
          rows: metrics.rows,
          bytes: metrics.bytes,
          outputFingerprint: metrics.outputFingerprint,
          ...(metrics.checks === undefined ? {} : { checks: metrics.checks }),
          ...(metrics.schema === undefined ? {} : { schema: metrics.schema }),
          ...(metrics.columnLineage === undefined ? {} : { columnLineage: metrics.columnLineage }),
        };
      }
      default:
        return absurd(d, "dispatch");
    }
  };

  return {
    mode: "cloud",
    describe(step) {
      const plan = planOf(step);
      const resource = resourceOf(plan);
      return {
        id: plan.id,
        name: plan.name,
        output: plan.writes,
        runsOn: plan.dispatch.kind,
        ...(resource === undefined ? {} : { resource }),
        ...(plan.partition === undefined ? {} : { partition: plan.partition }),
      };
    },
    async evaluate(step, context) {
      const components = await componentsOf(
        init.clients,
        step,
        planOf(step).dispatch.kind,
        init.params,
        (code) => {
          for (const note of codeFingerprintNotes(code))
            init.log.write({ level: note.level, step: step.name, message: note.message });
        },
      );
      const output = await outputNow(step);
      const { inputs, ...rest } = components;
      return {
        components: rest,
        inputs: context.upstreamWillRun ? null : Promise.resolve(inputs),
        output: output.exists ? { exists: true, fingerprint: output.fingerprint } : { exists: false },
      };
    },
    async execute(step, attempt): Promise<StepOutcome> {
      const plan = planOf(step);
      // ECS has no task timeout: a container step's own limit stops its task, as the state machine's does.
      const stopAfter =
        plan.timeoutSeconds ??
        (plan.dispatch.kind === "ecs" ? plan.dispatch.containerTimeoutSeconds : undefined);
      const timeout = stopAfter === undefined ? undefined : AbortSignal.timeout(stopAfter * 1000);
      const signal = timeout ? AbortSignal.any([attempt.signal, timeout]) : attempt.signal;
      const limit =
        plan.timeoutSeconds ??
        (plan.dispatch.kind === "lambda"
          ? plan.dispatch.functionTimeoutSeconds
          : plan.dispatch.kind === "ecs"
            ? plan.dispatch.containerTimeoutSeconds
            : undefined);
      const ctx: DispatchContext = {
        clients: init.clients,
        runId: init.runId,
        params: init.params,
        signal,
        cancelled: attempt.signal,
        deadline: limit === undefined ? Number.MAX_SAFE_INTEGER : Date.now() + limit * 1000,
        permanentErrors: NON_RETRYABLE_ERRORS,
        attempt: attempt.number,
      };
      let outcome: DispatchOutcome & { jobRunId?: string; taskArn?: string };
      try {
        outcome = await dispatchOnce(step, plan, ctx);
      } catch (error) {
        if (attempt.signal.aborted) throw new StepCancelled("cancelled");
        if (timeout?.aborted) throw timedOut(step.name, stopAfter as number, logsOf(plan));
        throw asFailure(error, plan.name);
      }
      // The handler reports what it committed; when it did not, the output's HEAD says. A directory dataset's
      // fingerprint is its listing's (what `evaluate` sees next run), not the committed file's ETag.
      const fingerprint =
        outcome.outputFingerprint && !step.output.dataset
          ? withoutVersion(outcome.outputFingerprint)
          : outputNow(step).then((now) => now.fingerprint);
      return {
        ...(outcome.rows === undefined ? {} : { rows: outcome.rows }),
        ...(outcome.bytes === undefined ? {} : { bytes: outcome.bytes }),
        outputFingerprint: fingerprint,
        ...(outcome.checks === undefined ? {} : { checks: outcome.checks }),
        ...(outcome.schema === undefined ? {} : { schema: outcome.schema }),
        ...(outcome.columnLineage === undefined ? {} : { columnLineage: outcome.columnLineage }),
        details: {
          ...(outcome.logs === undefined ? {} : { logs: outcome.logs }),
          ...(outcome.jobRunId === undefined ? {} : { jobRunId: outcome.jobRunId }),
          ...(outcome.taskArn === undefined ? {} : { taskArn: outcome.taskArn }),
        },
      };
    },
    // Only the checks changed: they run from this process on the output in S3, as an in-process step reads it.
    async recheck(step) {
      const credentials = init.credentials ? await init.credentials() : {};
      return checkCommittedOutput(step, { s3: { region: init.plan.region, ...credentials } });
    },
    failure(step, error) {
      const failure = asFailure(error, step.name);
      return {
        error: failure.message,
        code: failure.code,
        ...(error instanceof TaskFailure && error.logs !== undefined
          ? { details: { logs: error.logs } }
          : {}),
      };
    },
  };
}
