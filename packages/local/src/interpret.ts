import { availableParallelism, hostname } from "node:os";
import {
  GlacierError,
  mergeParamSpecs,
  resolveParams,
  type LineageGraph,
  type LocalRunOptions,
  type ParamValue,
  type RunOptions,
  type RunResult,
  type StepResult,
} from "@glacier/core";
import { messageOf } from "./errors.js";
import { executeGraph } from "./execute-graph.js";
import { evaluateStep } from "./evaluate-step.js";
import { createFileStore } from "./file-store.js";
import { lowMemorySettings, type LowMemorySettings } from "./low-memory.js";
import { lockOutputs } from "./output-lock.js";
import { preflightSources } from "./preflight.js";
import { createProgress } from "./progress.js";
import { ProjectStore } from "./project-store.js";
import { RunContext } from "./run-context.js";
import { newRunId } from "./run-id.js";
import { preloadLog, RunLog } from "./run-log.js";
import { RunRecorder, type RunRecord, type StepRecord } from "./run-record.js";
import { readRun } from "./runs.js";
import { withChainCredentials } from "./s3-client.js";
import { describeLocation, effectiveS3, type StorageOptions } from "./storage.js";
import { fingerprintOf } from "./step-fingerprint.js";
import { WorkerPool } from "./worker-pool.js";

function optionError(name: string, message: string, hint: string): GlacierError {
  return new GlacierError("INVALID_OPTION", message, { subject: { kind: "option", name }, hint });
}

/** Checks the options a caller (often JavaScript, or the CLI) passed. */
function checkOptions(options: RunOptions): LocalRunOptions {
  if (options?.mode !== "local") {
    throw new GlacierError(
      "UNKNOWN_MODE",
      `@glacier/local runs mode "local", not ${JSON.stringify(options?.mode)}.`,
      {
        subject: { kind: "mode", name: String(options?.mode) },
        hint: 'Call runGraph(graph, { mode: "local" }), or use the package of that mode.',
      },
    );
  }
  const { concurrency } = options;
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1)) {
    throw optionError(
      "concurrency",
      `${JSON.stringify(concurrency)} is not a whole number ≥ 1.`,
      "Pass --concurrency 1 or more.",
    );
  }
  if (options.lowMemory !== undefined && typeof options.lowMemory !== "boolean") {
    throw optionError(
      "lowMemory",
      `${JSON.stringify(options.lowMemory)} is not true or false.`,
      "Pass lowMemory: true (CLI: --low-memory), or leave it out.",
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
 * Runs a lineage graph on this machine: the interpreter `runGraph` calls for mode `"local"`.
 *
 * 1. Resolves parameters (PARAM_UNKNOWN / PARAM_MISSING / PARAM_INVALID) and checks every source — it exists,
 *    reads as its format and matches its declared schema — before any step runs.
 * 2. With `plan`, decides for every step whether it would run and why, runs nothing and writes nothing.
 * 3. Otherwise locks the outputs (LOCKED when another run writes them), records the run under
 *    `.glacier/runs/<id>/` and runs the steps in dependency order, independent ones concurrently in worker
 *    threads, skipping those whose fingerprint matches their last successful run.
 *
 * A failing step does not reject: the result's status is `"failed"` and the step carries the error.
 *
 * @example
 * ```ts
 * await report.run({ mode: "local", localStorage: "./.lake", params: { minOrders: 2 } });
 * // { runId: "20240131T120000Z-3f2a", status: "succeeded", recordPath: ".glacier/runs/20240131T120000Z-3f2a",
 * //   steps: [{ name: "cleanSales", status: "succeeded", reason: "never ran", rows: 4980, … },
 * //           { name: "dailyRevenue", status: "succeeded", reason: "never ran", rows: 155, … }] }
 * ```
 */
export async function interpret(graph: LineageGraph, options: RunOptions): Promise<RunResult> {
  const local = checkOptions(options);
  if (!local.plan) preloadLog();
  const store = new ProjectStore(local.projectDir);
  const resumed: RunRecord | undefined =
    local.resume === undefined
      ? undefined
      : await readRun(local.resume, local.projectDir === undefined ? {} : { projectDir: local.projectDir });
  const selected =
    resumed?.pipeline !== undefined && local.pipeline === undefined
      ? graph.forPipeline(resumed.pipeline)
      : graph;
  // runGraph validated it already; interpret may also be called directly.
  selected.validate();
  const given: Record<string, ParamValue> = { ...(resumed?.params ?? {}), ...(local.params ?? {}) };
  const specs = mergeParamSpecs(selected.steps.map((s) => [s.name, s.task.params] as const));
  const params = resolveParams(specs, given);
  const storage = await runStorage(selected, local.localStorage);
  const ctx = new RunContext({ graph: selected, storage, store, params, readOnly: local.plan === true });
  await preflightSources(ctx);
  const runId = newRunId();
  if (local.plan) return planRun(ctx, runId, local, resumed);

  const locks = await lockOutputs(
    store,
    selected.steps.map((s) => describeLocation(ctx.location(s.output))),
    { runId, pid: process.pid, host: hostname(), startedAt: new Date().toISOString() },
  );
  const pool = WorkerPool.shared();
  let lowMemory: LowMemorySettings | undefined;
  try {
    if (local.lowMemory) lowMemory = await lowMemorySettings(ctx);
    const concurrency = local.concurrency ?? availableParallelism();
    const pipeline = local.pipeline ?? resumed?.pipeline;
    const recorder = await RunRecorder.create(store, {
      runId,
      ...(pipeline === undefined ? {} : { pipeline }),
      ...(resumed ? { resumeOf: resumed.runId } : {}),
      params,
      options: {
        force: local.force === true,
        failFast: local.failFast === true,
        concurrency,
        ...(local.localStorage === undefined ? {} : { localStorage: local.localStorage }),
        ...(lowMemory ? { lowMemory: lowMemory.wanted } : {}),
      },
      steps: [],
    });
    const progress = await createProgress(local.progress);
    const log = await RunLog.open(recorder.record.logPath, runId, (line) => progress.log(line));
    log.write({ level: "info", message: "run started", fields: { params, steps: selected.steps.length } });
    if (lowMemory) {
      const { applied } = lowMemory;
      const kept = Object.keys(lowMemory.wanted).filter((key) => !(key in applied));
      log.write({
        level: "info",
        message: `low-memory mode: ${lowMemory.reason}`,
        fields: {
          polarsEnv: applied,
          ...(kept.length > 0 ? { keptFromEnvironment: kept } : {}),
        },
      });
    }
    progress.begin(runId, selected.executionOrder());
    const controller = new AbortController();
    const records = await executeGraph(
      { ctx, runId, pool, log, files: createFileStore(storage), progress, signal: controller.signal },
      {
        concurrency,
        failFast: local.failFast === true,
        force: local.force === true,
        ...(resumed ? { resumed } : {}),
        recorder,
        controller,
      },
    ).catch(async (error: unknown) => {
      // A failure of the executor itself (not of a step): close the record before reporting it.
      log.write({ level: "error", message: `run aborted: ${messageOf(error)}` });
      await recorder.finish("failed");
      throw error;
    });
    const status = records.some((r) => r.status === "failed" || r.status === "not-run")
      ? "failed"
      : "succeeded";
    await recorder.finish(status);
    log.write({ level: status === "failed" ? "error" : "info", message: `run ${status}` });
    log.flush();
    const result: RunResult = { runId, status, steps: records, recordPath: store.runDir(runId) };
    await progress.end(result);
    return result;
  } finally {
    // Polars reads POLARS_FORCE_ASYNC at every scan, so a later run in this process reads as it asks; the
    // join sample limit stays whatever Polars read first (see lowMemorySettings).
    for (const key of Object.keys(lowMemory?.applied ?? {})) delete process.env[key];
    await locks.release();
  }
}

/**
 * The run's storage settings: `localStorage` when given; otherwise, when the graph touches S3, the AWS
 * configuration resolved once (credentials from the SDK's provider chain included).
 */
async function runStorage(graph: LineageGraph, localStorage: string | undefined): Promise<StorageOptions> {
  if (localStorage !== undefined) return { localStorage };
  if (!graph.buckets.some((b) => b.provider.cloud === "aws")) return {};
  // Each bucket still falls back to its own provider's region when AWS_REGION is not set.
  return { s3: await withChainCredentials(effectiveS3({})) };
}

/** `--plan`: every step's decision, nothing run, nothing written. */
async function planRun(
  ctx: RunContext,
  runId: string,
  options: LocalRunOptions,
  resumed: RunRecord | undefined,
): Promise<RunResult> {
  const willRun = new Set<string>();
  const steps: StepResult[] = [];
  for (const step of ctx.graph.executionOrder()) {
    const upstreamWillRun = ctx.graph.dependenciesOf(step).some((d) => willRun.has(d.id));
    const evaluation = await evaluateStep(ctx, step, {
      force: options.force === true,
      upstreamWillRun,
      ...(resumed ? { resumed } : {}),
    });
    if (evaluation.run) willRun.add(step.id);
    const components = await evaluation.components;
    const fingerprint = components ? fingerprintOf(components) : undefined;
    const record: StepRecord = {
      id: step.id,
      name: step.name,
      status: evaluation.run ? "not-run" : "skipped",
      reason: evaluation.reason,
      output: describeLocation(ctx.location(step.output)),
      ...(fingerprint === undefined ? {} : { fingerprint }),
    };
    steps.push(record);
  }
  return { runId, status: "succeeded", steps };
}
