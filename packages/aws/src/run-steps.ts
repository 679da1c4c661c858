import { setTimeout as sleep } from "node:timers/promises";
import { GlacierError, type LineageGraph, type ParamValue, type StepNode } from "@glacier/core";
import {
  executeStep,
  readJson,
  semaphore,
  writeJsonAtomic,
  type RunRecord,
  type StepRecord,
} from "@glacier/local";
import type { AwsClients } from "./aws-clients.js";
import type { CloudPlan, CloudStepPlan } from "./cloud-plan.js";
import { runSparkStep } from "./dispatch-emr.js";
import { invokeStep, type DispatchContext, type StepOutcome } from "./dispatch-lambda.js";
import type { RunJournal } from "./run-journal.js";
import { s3Content } from "./s3-content.js";
import {
  componentsOf,
  decide,
  fingerprintOf,
  statePath,
  type CloudComponents,
  type CloudReason,
  type CloudStepState,
} from "./step-state.js";
import { StepCancelled, TaskFailure, timedOut } from "./task-failure.js";

/** One step of a cloud run record: the local record's fields plus where it ran and its logs. */
export interface CloudStepRecord extends StepRecord {
  readonly runsOn: CloudStepPlan["dispatch"]["kind"];
  /** Function or application name. */
  readonly resource?: string;
  readonly logs?: string;
  readonly jobRunId?: string;
}

/** Everything the scheduler needs for one run. */
export interface CloudRun {
  readonly graph: LineageGraph;
  readonly plan: CloudPlan;
  readonly clients: AwsClients;
  readonly runId: string;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly applicationIds: ReadonlyMap<string, string>;
  readonly permanentErrors: readonly string[];
  readonly concurrency: number;
  readonly failFast: boolean;
  readonly force: boolean;
  readonly resumed?: RunRecord;
  readonly projectDir?: string;
  /** Aborted by Ctrl-C (or a fail-fast failure): in-flight EMR job runs are cancelled, nothing new starts. */
  readonly controller: AbortController;
  readonly journal: RunJournal;
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

/** Milliseconds to wait before task retry `n` (1-based): full jitter over 1 s, 2 s, 4 s … capped at 30 s. */
export function retryDelayMs(n: number, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(30_000, 1000 * 2 ** (n - 1)));
}

function resourceOf(plan: CloudStepPlan): string | undefined {
  const d = plan.dispatch;
  return d.kind === "lambda" ? d.functionName : d.kind === "emr" ? d.applicationName : undefined;
}

/** Where a step's logs go, before any request id or job run id is known. */
function logsOf(plan: CloudStepPlan): string | undefined {
  const d = plan.dispatch;
  return d.kind === "lambda" ? `/aws/lambda/${d.functionName}` : d.kind === "emr" ? d.logUri : undefined;
}

async function dispatchOnce(
  run: CloudRun,
  step: StepNode,
  plan: CloudStepPlan,
  ctx: DispatchContext,
): Promise<StepOutcome & { jobRunId?: string }> {
  const d = plan.dispatch;
  switch (d.kind) {
    case "lambda":
      return invokeStep(ctx, plan, d, step.output);
    case "emr": {
      const outcome = await runSparkStep(ctx, plan, d, run.applicationIds.get(d.applicationName) as string);
      const written = await s3Content(await run.clients.s3(), step.output);
      return { ...outcome, bytes: written.bytes, outputFingerprint: written.fingerprint };
    }
    case "in-process": {
      const credentials = run.credentials ? await run.credentials() : {};
      const metrics = await executeStep({
        step,
        runId: run.runId,
        params: run.params,
        storage: { s3: { region: run.plan.region, ...credentials } },
        log: run.journal.taskLogger(step.name),
        // A cancelled run or a timed-out attempt keeps its previous output, as a Lambda step does.
        beforeCommit: () => {
          if (ctx.signal.aborted) throw new StepCancelled("cancelled before its commit");
        },
      });
      return { rows: metrics.rows, bytes: metrics.bytes, outputFingerprint: metrics.outputFingerprint };
    }
    default: {
      const never: never = d;
      throw new Error(`unknown dispatch ${JSON.stringify(never)}`);
    }
  }
}

/** One attempt, bounded by the step's timeout and the run's cancellation. */
async function attempt(
  run: CloudRun,
  step: StepNode,
  plan: CloudStepPlan,
  n: number,
): Promise<StepOutcome & { jobRunId?: string }> {
  const timeout =
    plan.timeoutSeconds === undefined ? undefined : AbortSignal.timeout(plan.timeoutSeconds * 1000);
  const signal = timeout ? AbortSignal.any([run.controller.signal, timeout]) : run.controller.signal;
  const limit =
    plan.timeoutSeconds ??
    (plan.dispatch.kind === "lambda" ? plan.dispatch.functionTimeoutSeconds : undefined);
  const ctx: DispatchContext = {
    clients: run.clients,
    runId: run.runId,
    params: run.params,
    signal,
    cancelled: run.controller.signal,
    deadline: limit === undefined ? Number.MAX_SAFE_INTEGER : Date.now() + limit * 1000,
    permanentErrors: run.permanentErrors,
    attempt: n,
  };
  try {
    return await dispatchOnce(run, step, plan, ctx);
  } catch (error) {
    if (run.controller.signal.aborted) throw new StepCancelled("cancelled");
    if (timeout?.aborted) throw timedOut(step.name, plan.timeoutSeconds as number, logsOf(plan));
    throw error;
  }
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
 * Runs a cloud plan's steps: each as soon as the steps it reads from succeeded, up to `concurrency` at once,
 * skipping those whose fingerprint matches their last successful cloud run. A failure marks its downstream
 * "not-run" while independent branches finish (or, failing fast, cancels the rest). Each finished step goes to
 * the run journal at once, so an interrupted run still shows what finished.
 */
export async function runSteps(run: CloudRun): Promise<CloudStepRecord[]> {
  const slots = semaphore(run.concurrency);
  const finished = new Map<string, Promise<CloudStepRecord>>();
  const settle = async (record: CloudStepRecord): Promise<CloudStepRecord> => {
    await run.journal.step(record);
    return record;
  };

  const runOne = async (plan: CloudStepPlan): Promise<CloudStepRecord> => {
    const step = run.graph.step(plan.id);
    const resource = resourceOf(plan);
    const base = {
      id: plan.id,
      name: plan.name,
      output: plan.writes,
      runsOn: plan.dispatch.kind,
      ...(resource === undefined ? {} : { resource }),
    };
    const upstream = await Promise.all(
      plan.dependsOn.map((id) => finished.get(id) as Promise<CloudStepRecord>),
    );
    const blocked = upstream.find((r) => r.status === "failed" || r.status === "not-run");
    if (blocked) {
      return settle({
        ...base,
        status: "not-run",
        reason: "upstream failed",
        error: `not run: upstream step "${blocked.name}" ${blocked.status === "failed" ? "failed" : "did not run"}.`,
      });
    }
    if (run.controller.signal.aborted) return settle({ ...base, status: "not-run", reason: "cancelled" });

    let components: CloudComponents;
    let reason: CloudReason;
    try {
      const s3 = await run.clients.s3();
      components = await componentsOf(run.clients, step, plan.dispatch.kind, run.params);
      const earlier = run.resumed?.steps.find((s) => s.id === plan.id);
      const output = await s3Content(s3, step.output);
      const last = await readJson<CloudStepState>(statePath(run.projectDir, plan.id));
      const decision = decide(components, last?.stepId === plan.id ? last : null, output, run.force);
      const completed = earlier?.status === "succeeded" || earlier?.status === "skipped";
      if (run.resumed && completed && output.exists && !run.force) {
        return settle({ ...base, status: "skipped", reason: "resumed" });
      }
      if (!decision.run && !(run.resumed && !completed)) {
        return settle({
          ...base,
          status: "skipped",
          reason: decision.reason,
          fingerprint: fingerprintOf(components),
          ...(last?.rows === undefined ? {} : { rows: last.rows }),
          ...(last?.bytes === undefined ? {} : { bytes: last.bytes }),
          outputFingerprint: output.fingerprint,
        });
      }
      reason = run.resumed && !completed && !decision.run ? "resumed" : decision.reason;
    } catch (error) {
      return settle({
        ...base,
        status: "failed",
        error: asFailure(error, plan.name).message,
        code: "STORAGE_ERROR",
      });
    }

    await slots.acquire();
    const startedAt = new Date().toISOString();
    const started = performance.now();
    const attempts = plan.retries + 1;
    try {
      run.journal.started(plan, reason);
      for (let n = 1; ; n++) {
        if (run.controller.signal.aborted) return settle({ ...base, status: "not-run", reason: "cancelled" });
        try {
          const outcome = await attempt(run, step, plan, n);
          const state: CloudStepState = {
            stepId: plan.id,
            fingerprint: fingerprintOf(components),
            components,
            outputFingerprint: outcome.outputFingerprint ?? "",
            ...(outcome.rows === undefined ? {} : { rows: outcome.rows }),
            ...(outcome.bytes === undefined ? {} : { bytes: outcome.bytes }),
            runId: run.runId,
          };
          await writeJsonAtomic(statePath(run.projectDir, plan.id), state);
          return settle({
            ...base,
            status: "succeeded",
            reason,
            ...(outcome.rows === undefined ? {} : { rows: outcome.rows }),
            ...(outcome.bytes === undefined ? {} : { bytes: outcome.bytes }),
            durationMs: Math.round(performance.now() - started),
            fingerprint: state.fingerprint,
            components,
            outputFingerprint: state.outputFingerprint,
            attempts: n,
            startedAt,
            finishedAt: new Date().toISOString(),
            ...(outcome.logs === undefined ? {} : { logs: outcome.logs }),
            ...(outcome.jobRunId === undefined ? {} : { jobRunId: outcome.jobRunId }),
          });
        } catch (error) {
          if (error instanceof StepCancelled) {
            return settle({
              ...base,
              status: "not-run",
              reason: "cancelled",
              startedAt,
              error: error.message,
            });
          }
          const failure = asFailure(error, plan.name);
          const permanent = error instanceof TaskFailure ? error.permanent : false;
          run.journal.attemptFailed(plan, n, attempts, failure.message);
          if (n >= attempts || permanent) {
            if (run.failFast) run.controller.abort();
            return settle({
              ...base,
              status: "failed",
              reason,
              error: failure.message,
              code: failure.code,
              durationMs: Math.round(performance.now() - started),
              attempts: n,
              startedAt,
              finishedAt: new Date().toISOString(),
              ...(error instanceof TaskFailure && error.logs !== undefined ? { logs: error.logs } : {}),
            });
          }
          await sleep(retryDelayMs(n), undefined, { signal: run.controller.signal }).catch(() => undefined);
        }
      }
    } finally {
      slots.release();
    }
  };

  for (const plan of run.plan.steps) finished.set(plan.id, runOne(plan));
  return Promise.all([...finished.values()]);
}
