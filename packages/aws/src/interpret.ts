import { planInfrastructure, runRecordKey } from "@glacier/aws-model";
import {
  type CloudRunOptions,
  GlacierError,
  type LineageGraph,
  type ParamValue,
  type RunOptions,
} from "@glacier/core";
import { mergeParamSpecs, resolveParams } from "@glacier/core/internal";
import {
  allKeys,
  expandPartitions,
  newRunId,
  planRun,
  readRun,
  RunLog,
  RunSession,
  RunStore,
  runSchedule,
  type CloudRunFields,
  type RecordedRunResult,
  type RunPlan,
  type RunRecord,
  type StepRecord,
} from "@glacier/engine";
import { AwsClients } from "./aws-clients.js";
import { cloudDriver } from "./cloud-driver.js";
import { cloudPlan, type CloudPlan } from "./cloud-plan.js";
import {
  checkArtefacts,
  checkFunctions,
  checkIdentity,
  checkSources,
  findApplications,
  findContainerNetwork,
} from "./preflight.js";
import { machineFingerprints } from "./machine-fingerprints.js";
import { pipelineMachine, runStateMachine } from "./run-state-machine.js";
import { s3Content } from "./s3-content.js";

/** Options of a cloud run: core's, plus what only this package reads. */
export interface AwsRunOptions extends CloudRunOptions {
  /** The `name_prefix` the Terraform module was applied with. Default: `GLACIER_NAME_PREFIX`, else `glacier`. */
  readonly namePrefix?: string;
  /** Cancels the run like Ctrl-C: in-flight EMR job runs are cancelled, nothing new starts. */
  readonly signal?: AbortSignal;
}

/** A cloud run's result: each step with its record (code, attempts, where it ran, logs …), and the plan. */
export interface CloudRunResult extends RecordedRunResult {
  readonly plan: CloudPlan;
}

/** A cloud `--plan`: what would run and why, and where each step would run (the plan of the run). */
export interface CloudRunPlan extends RunPlan {
  readonly plan: CloudPlan;
}

/** The engine's run record, as a cloud run writes it (also to `_glacier/runs/<id>.json` in the artefacts bucket). */
export type CloudRunRecord = RunRecord & CloudRunFields & { readonly mode: "cloud" };

/** The engine's step record, as a cloud step has it: with where it ran. */
export type CloudStepRecord = StepRecord & Required<Pick<StepRecord, "runsOn">>;

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
 * 4. Schedules, decides, retries and records through `@glacier/engine` (this package is its cloud step
 *    driver): the run is recorded in `.glacier/runs/<id>/run.json`, mirrored to `_glacier/runs/<id>.json` in
 *    the artefacts bucket.
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
export async function interpret(
  graph: LineageGraph,
  options: AwsRunOptions,
): Promise<CloudRunResult | CloudRunPlan> {
  const cloud = checkOptions(options);
  const projectDir = cloud.projectDir === undefined ? {} : { projectDir: cloud.projectDir };
  const resumed: RunRecord | undefined =
    cloud.resume === undefined ? undefined : await readRun(cloud.resume, projectDir);
  const declared =
    resumed?.pipeline !== undefined && cloud.pipeline === undefined
      ? graph.forPipeline(resumed.pipeline)
      : graph;
  const given: Record<string, ParamValue> = { ...(resumed?.params ?? {}), ...(cloud.params ?? {}) };
  const params = resolveParams(
    mergeParamSpecs(declared.steps.map((s) => [s.name, s.task.params] as const)),
    given,
  );

  const namePrefix = cloud.namePrefix ?? (process.env["GLACIER_NAME_PREFIX"] || undefined);
  const infra = planInfrastructure(declared, namePrefix === undefined ? {} : { namePrefix });
  const clients = new AwsClients(infra.region);
  try {
    // A partitioned graph runs as units, one per (step, partition), each on its declared step's function.
    const { graph: selected, keys } = await expandPartitions(declared, {
      ...(cloud.partition === undefined ? {} : { selection: cloud.partition }),
      ...(resumed ? { resumed } : {}),
      exists: async (bucket) => (await s3Content(await clients.s3(), bucket)).exists,
    });
    const machine = cloud.via === "stepfunctions" ? pipelineMachine(infra, cloud.pipeline) : undefined;
    const accountId = await checkIdentity(clients, infra.accountId);
    const plan = cloudPlan(selected, infra, accountId);
    const [applicationIds, containerNetwork] = await Promise.all([
      findApplications(clients, plan),
      findContainerNetwork(clients, plan),
      checkFunctions(clients, plan),
      checkSources(clients, selected),
      checkArtefacts(clients, plan),
    ]);
    const runId = newRunId();
    const store = new RunStore(cloud.projectDir);
    const decide = () =>
      planRun({
        graph: selected,
        driver: cloudDriver({
          plan,
          clients,
          runId,
          params,
          applicationIds,
          ...(containerNetwork ? { containerNetwork } : {}),
          log: RunLog.silent(),
        }),
        store,
        force: cloud.force === true,
        ...(resumed ? { resumed } : {}),
      });
    if (cloud.plan) return { ...(await decide()), plan };
    // Via Step Functions, the engine decides first, as a direct run would: when no step the machine runs needs
    // to, no execution is started. A partitioned graph's execution gets the keys of the units that would run
    // (missing, failed, stale; a resumed run's failed ones): the units of the other keys are skipped by the
    // engine. The machine runs its unpartitioned steps whenever it starts (it has no input to skip them).
    const outside = new Set(machine?.excluded.map((e) => e.stepId) ?? []);
    const running = machine
      ? (await decide()).steps.filter(
          (s) => s.action === "run" && !outside.has(plan.steps.find((p) => p.id === s.id)?.stepId ?? ""),
        )
      : undefined;
    const partitions =
      running && keys !== null
        ? [...new Set(running.flatMap((s) => plan.steps.find((p) => p.id === s.id)?.partition ?? []))]
        : undefined;
    const concurrency = cloud.concurrency ?? 32;
    const pipeline = cloud.pipeline ?? resumed?.pipeline;
    const key = runRecordKey(runId);
    const session = await RunSession.open({
      store,
      record: {
        mode: "cloud",
        via: machine ? "stepfunctions" : "direct",
        runId,
        region: plan.region,
        accountId: plan.accountId,
        artefact: `s3://${plan.artefactsBucket}/${key}`,
        ...(pipeline === undefined ? {} : { pipeline }),
        ...(resumed ? { resumeOf: resumed.runId } : {}),
        params,
        options: {
          force: cloud.force === true,
          failFast: cloud.failFast === true,
          concurrency,
          ...(cloud.partition === undefined ? {} : { partition: cloud.partition }),
          ...(keys === null ? {} : { partitionKeys: allKeys(keys) }),
        },
      },
      steps: selected.executionOrder(),
      ...(cloud.progress === undefined ? {} : { progress: cloud.progress }),
      mirror: (record, log) => mirrorRecord(clients, plan.artefactsBucket, key, record, log),
    });
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
      const driver = cloudDriver({
        plan,
        clients,
        runId,
        params,
        applicationIds,
        ...(containerNetwork ? { containerNetwork } : {}),
        log: session.log,
        credentials,
      });
      // Via Step Functions, AWS runs the machine's steps; the engine then runs the steps it cannot (local
      // executor), gated by the machine's records like any upstream step.
      if (machine && running?.length === 0) {
        session.log.write(
          {
            level: "info",
            message: `state machine ${machine.name} not started: every step it runs is up to date.`,
          },
          true,
        );
      }
      const inMachine = plan.steps.filter(
        (s) =>
          !outside.has(s.stepId) &&
          (s.partition === undefined || partitions?.includes(s.partition) !== false),
      );
      const settled =
        machine && running?.length !== 0
          ? await runStateMachine({
              clients,
              plan,
              machine,
              partition: infra.partition,
              runId,
              params,
              session,
              signal: controller.signal,
              ...(partitions === undefined ? {} : { partitions }),
              fingerprints: await machineFingerprints({
                clients,
                graph: selected,
                steps: inMachine,
                params,
                session,
              }),
            })
          : [];
      await runSchedule(session, {
        graph: selected,
        driver,
        concurrency,
        failFast: cloud.failFast === true,
        force: cloud.force === true,
        ...(resumed ? { resumed } : {}),
        signal: controller.signal,
        settled: new Map(settled.map((record) => [record.id, record])),
      }).catch((error: unknown) => session.abort(error));
      return { ...(await session.finish()), plan };
    } finally {
      process.removeListener("SIGINT", interrupt);
      cloud.signal?.removeEventListener("abort", interrupt);
    }
  } finally {
    await clients.destroy();
  }
}

/** Copies a record snapshot to the artefacts bucket; a failure is logged, and the next write tries again. */
async function mirrorRecord(
  clients: AwsClients,
  bucket: string,
  key: string,
  record: RunRecord,
  log: RunLog,
): Promise<void> {
  const { PutObjectCommand } = await import("@aws-sdk/client-s3");
  const s3 = await clients.s3();
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: JSON.stringify(record, null, 2),
        ContentType: "application/json",
      }),
    );
  } catch (error) {
    // The local record is complete; a later write (at the latest, the run's end) tries S3 again.
    log.write({
      level: "warn",
      message: `could not write the run record to s3://${bucket}/${key}: ${(error as Error).message}`,
    });
  }
}
