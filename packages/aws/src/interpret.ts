import { randomBytes } from "node:crypto";
import { NON_RETRYABLE_ERRORS, planInfrastructure, runRecordKey } from "@glacier/aws-model";
import {
  GlacierError,
  mergeParamSpecs,
  resolveParams,
  type CloudRunOptions,
  type LineageGraph,
  type ParamValue,
  type RunOptions,
  type RunResult,
} from "@glacier/core";
import { readRun, type RunRecord, type StepRecord } from "@glacier/local";
import { AwsClients } from "./aws-clients.js";
import { cloudPlan, type CloudPlan } from "./cloud-plan.js";
import { planSteps } from "./plan-steps.js";
import {
  checkArtefacts,
  checkFunctions,
  checkIdentity,
  checkSources,
  findApplications,
} from "./preflight.js";
import { RunJournal } from "./run-journal.js";
import { pipelineMachine, runStateMachine } from "./run-state-machine.js";
import { runSteps, type CloudStepRecord } from "./run-steps.js";

/** Options of a cloud run: core's, plus what only this package reads. */
export interface AwsRunOptions extends CloudRunOptions {
  /** The `name_prefix` the Terraform module was applied with. Default: `GLACIER_NAME_PREFIX`, else `glacier`. */
  readonly namePrefix?: string;
  /** Cancels the run like Ctrl-C: in-flight EMR job runs are cancelled, nothing new starts. */
  readonly signal?: AbortSignal;
}

/** A cloud run's result: core's RunResult, each step with its record (code, attempts, logs …), and the plan. */
export interface CloudRunResult extends RunResult {
  readonly steps: readonly StepRecord[];
  readonly plan: CloudPlan;
}

function optionError(name: string, message: string, hint: string): GlacierError {
  return new GlacierError("INVALID_OPTION", message, { subject: { kind: "option", name }, hint });
}

function checkOptions(options: RunOptions): AwsRunOptions {
  if (options?.mode !== "cloud") {
    throw new GlacierError(
      "UNKNOWN_MODE",
      `@glacier/aws runs mode "cloud", not ${JSON.stringify(options?.mode)}.`,
      {
        subject: { kind: "mode", name: String(options?.mode) },
        hint: 'Call runGraph(graph, { mode: "cloud" }), or use the package of that mode.',
      },
    );
  }
  const { concurrency, via } = options;
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1)) {
    throw optionError(
      "concurrency",
      `${JSON.stringify(concurrency)} is not a whole number ≥ 1.`,
      "Pass --concurrency 1 or more.",
    );
  }
  if (via !== undefined && via !== "direct" && via !== "stepfunctions") {
    throw optionError(
      "via",
      `${JSON.stringify(via)} is not a way to run.`,
      'Use "direct" or "stepfunctions".',
    );
  }
  if (options.resume !== undefined && options.force) {
    throw optionError(
      "resume",
      "--resume and --force contradict each other.",
      "Resume a run, or force a full rerun, not both.",
    );
  }
  return options;
}

/** `20240131T120000Z-3f2a`: UTC start time and a random suffix, so ids sort by start (as local run ids). */
export function newRunId(now: Date = new Date()): string {
  return `${now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z")}-${randomBytes(2).toString("hex")}`;
}

/**
 * Runs a lineage graph on AWS: the interpreter `runGraph` calls for mode `"cloud"`.
 *
 * 1. Plans: the names `glacier generate` gave every function, application and role (from
 *    `@glacier/aws-model`'s `planInfrastructure`, the plan generate synthesises), and where each step runs.
 * 2. Preflight, before any step runs: credentials (STS GetCallerIdentity), every source object, every function
 *    and application, the artefacts bucket. A missing resource says to run `glacier generate` and apply it.
 * 3. With `plan`, reports what would run and why and stops. Otherwise dispatches each step — serverless to
 *    Lambda (Invoke), spark to EMR Serverless (StartJobRun, polled), local in this process — as soon as its
 *    inputs are written, skipping steps whose inputs (S3 ETags), code and parameters did not change.
 *    With `via: "stepfunctions"`, starts the pipeline's generated state machine instead and follows its
 *    execution history; steps it cannot run (local executor) then run in-process.
 * 4. Records the run in `.glacier/runs/<id>/run.json` and at `_glacier/runs/<id>.json` in the artefacts bucket.
 *
 * A failing step does not reject: the result's status is `"failed"` and the step carries the error.
 *
 * @example
 * ```ts
 * await sales.run({ mode: "cloud", params: { minOrders: 2 } });
 * // { runId: "20240131T120000Z-3f2a", status: "succeeded", steps: [
 * //   { name: "cleanSales", status: "succeeded", reason: "never ran", rows: 3962, … },   // Lambda
 * //   { name: "dailyRevenue", status: "succeeded", reason: "never ran", rows: 155, … }] } // in process
 * ```
 */
export async function interpret(graph: LineageGraph, options: RunOptions): Promise<CloudRunResult> {
  const cloud = checkOptions(options);
  const projectDir = cloud.projectDir === undefined ? {} : { projectDir: cloud.projectDir };
  const resumed: RunRecord | undefined =
    cloud.resume === undefined ? undefined : await readRun(cloud.resume, projectDir);
  const selected =
    resumed?.pipeline !== undefined && cloud.pipeline === undefined
      ? graph.forPipeline(resumed.pipeline)
      : graph;
  const given: Record<string, ParamValue> = { ...(resumed?.params ?? {}), ...(cloud.params ?? {}) };
  const params = resolveParams(
    mergeParamSpecs(selected.steps.map((s) => [s.name, s.task.params] as const)),
    given,
  );

  const namePrefix = cloud.namePrefix ?? (process.env["GLACIER_NAME_PREFIX"] || undefined);
  const infra = planInfrastructure(selected, namePrefix === undefined ? {} : { namePrefix });
  const clients = new AwsClients(infra.region);
  try {
    const machine = cloud.via === "stepfunctions" ? pipelineMachine(infra, cloud.pipeline) : undefined;
    const accountId = await checkIdentity(clients, infra.accountId);
    const plan = cloudPlan(selected, infra, accountId);
    const [applicationIds] = await Promise.all([
      findApplications(clients, plan),
      checkFunctions(clients, plan),
      checkSources(clients, selected),
      checkArtefacts(clients, plan),
    ]);
    const runId = newRunId();
    if (cloud.plan) {
      const steps = await planSteps(clients, selected, plan, params, cloud.force === true, cloud.projectDir);
      return { runId, status: "succeeded", steps, plan };
    }
    const concurrency = cloud.concurrency ?? 32;
    const pipeline = cloud.pipeline ?? resumed?.pipeline;
    const journal = new RunJournal({
      ...projectDir,
      runId,
      plan,
      key: runRecordKey(runId),
      clients,
      params,
      ...(pipeline === undefined ? {} : { pipeline }),
      ...(resumed ? { resumeOf: resumed.runId } : {}),
      options: { force: cloud.force === true, failFast: cloud.failFast === true, concurrency },
      via: machine ? "stepfunctions" : "direct",
      ...(cloud.progress === undefined ? {} : { progress: cloud.progress }),
    });
    await journal.write();
    const controller = new AbortController();
    const interrupt = () => controller.abort();
    process.once("SIGINT", interrupt);
    cloud.signal?.addEventListener("abort", interrupt, { once: true });
    try {
      const sts = await clients.sts();
      // The SDK's provider: cached, refreshed before expiry. Asked again for every in-process step.
      const credentials = async () => {
        const current = await sts.config.credentials();
        return {
          accessKeyId: current.accessKeyId,
          secretAccessKey: current.secretAccessKey,
          ...(current.sessionToken === undefined ? {} : { sessionToken: current.sessionToken }),
        };
      };
      const direct = (subset: CloudPlan) =>
        runSteps({
          graph: selected,
          plan: subset,
          clients,
          runId,
          params,
          applicationIds,
          permanentErrors: [...NON_RETRYABLE_ERRORS, "GlacierError.TASK_RESULT_INVALID"],
          concurrency,
          failFast: cloud.failFast === true,
          force: cloud.force === true,
          ...(resumed ? { resumed } : {}),
          ...projectDir,
          controller,
          journal,
          credentials,
        });
      let steps: CloudStepRecord[];
      if (machine) {
        steps = await runStateMachine({
          clients,
          plan,
          machine,
          partition: infra.partition,
          runId,
          params,
          journal,
          signal: controller.signal,
        });
        // Steps the state machine cannot run (local executor, or downstream of one) run here afterwards.
        const outside = new Set(machine.excluded.map((e) => e.stepId));
        const machineOk = steps.every((s) => outside.has(s.id) || s.status === "succeeded");
        if (machineOk && outside.size > 0 && !controller.signal.aborted) {
          const rest = plan.steps
            .filter((s) => outside.has(s.id))
            .map((s) => ({ ...s, dependsOn: s.dependsOn.filter((d) => outside.has(d)) }));
          const ran = new Map((await direct({ ...plan, steps: rest })).map((s) => [s.id, s]));
          steps = steps.map((s) => ran.get(s.id) ?? s);
        }
      } else {
        steps = await direct(plan);
      }
      const order = new Map(plan.steps.map((s, i) => [s.id, i]));
      steps.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
      const status = steps.every((s) => s.status === "succeeded" || s.status === "skipped")
        ? "succeeded"
        : "failed";
      await journal.finish(status);
      return { runId, status, steps, recordPath: journal.runDir, plan };
    } finally {
      process.removeListener("SIGINT", interrupt);
      cloud.signal?.removeEventListener("abort", interrupt);
    }
  } finally {
    await clients.destroy();
  }
}
