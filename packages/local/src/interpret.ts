import { availableParallelism } from "node:os";
import { dirname } from "node:path";
import {
  GlacierError,
  type LineageGraph,
  type LocalRunOptions,
  type ParamValue,
  type RunOptions,
} from "@glacier/core";
import { mergeParamSpecs, resolveParams } from "@glacier/core/internal";
import {
  allKeys,
  expandPartitions,
  planRun,
  preloadLog,
  readRun,
  RunLog,
  RunSession,
  RunStore,
  defaultMemoryBudget,
  newRunId,
  runSchedule,
  type RecordedRunResult,
  type RunPlan,
  type RunRecord,
} from "@glacier/engine";
import { createFileStore } from "./file-store.js";
import { localDriver } from "./local-driver.js";
import { lowMemorySettings, type LowMemorySettings } from "./low-memory.js";
import { lockOutputs, outputLock } from "./output-lock.js";
import { preflightSources } from "./preflight.js";
import { RunContext } from "./run-context.js";
import { withChainCredentials } from "./s3-client.js";
import { effectiveS3, type StorageOptions } from "./storage.js";
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
  const { memoryBudget } = options;
  if (memoryBudget !== undefined && !(Number.isSafeInteger(memoryBudget) && memoryBudget >= 1)) {
    throw optionError(
      "memoryBudget",
      `${JSON.stringify(memoryBudget)} is not a whole number of bytes ≥ 1.`,
      "Pass memoryBudget in bytes (for example 8 * 2 ** 30 for 8 GiB), or leave it out to admit steps against the largest step's expected peak.",
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
export async function interpret(
  graph: LineageGraph,
  options: LocalRunOptions,
): Promise<RecordedRunResult | RunPlan> {
  const local = checkOptions(options);
  if (!local.plan) preloadLog();
  const store = new RunStore(local.projectDir);
  const resumed: RunRecord | undefined =
    local.resume === undefined
      ? undefined
      : await readRun(local.resume, local.projectDir === undefined ? {} : { projectDir: local.projectDir });
  const declared =
    resumed?.pipeline !== undefined && local.pipeline === undefined
      ? graph.forPipeline(resumed.pipeline)
      : graph;
  // runGraph validated it already; interpret may also be called directly.
  declared.validate();
  const given: Record<string, ParamValue> = { ...(resumed?.params ?? {}), ...(local.params ?? {}) };
  const specs = mergeParamSpecs(declared.steps.map((s) => [s.name, s.task.params] as const));
  const params = resolveParams(specs, given);
  const storage = await runStorage(declared, local.localStorage);
  // A partitioned graph runs as units, one per (step, partition): everything below sees only those.
  const probe = new RunContext({ graph: declared, storage, store, params, readOnly: true });
  const { graph: selected, keys } = await expandPartitions(declared, {
    ...(local.partition === undefined ? {} : { selection: local.partition }),
    ...(resumed ? { resumed } : {}),
    exists: async (bucket) => (await probe.listing(bucket)).exists,
  });
  const ctx = new RunContext({ graph: selected, storage, store, params, readOnly: local.plan === true });
  await preflightSources(ctx);
  const runId = newRunId();
  const pool = WorkerPool.shared();
  const isolated = WorkerPool.shared("process");
  const files = createFileStore(storage);
  if (local.plan) {
    const driver = localDriver({ ctx, runId, pool, isolated, log: RunLog.silent(), files }, undefined);
    return planRun({
      graph: selected,
      driver,
      store,
      force: local.force === true,
      ...(resumed ? { resumed } : {}),
    });
  }

  const locks = await lockOutputs(
    selected.steps.map((s) => outputLock(store, ctx.location(s.output))),
    { runId, projectDir: dirname(store.root), startedAt: new Date().toISOString() },
  );
  let lowMemory: LowMemorySettings | undefined;
  try {
    if (local.lowMemory) lowMemory = await lowMemorySettings(ctx);
    const concurrency = local.concurrency ?? availableParallelism();
    const memoryBudget = local.memoryBudget ?? defaultMemoryBudget();
    // Given neither a budget nor a concurrency, steps run together only while that barely raises the run's
    // peak above its largest step's (see the README's "Memory budget"); either option restores the fixed budget.
    const memoryPolicy =
      local.memoryBudget === undefined && local.concurrency === undefined ? "largest-step" : "fixed";
    const pipeline = local.pipeline ?? resumed?.pipeline;
    const session = await RunSession.open({
      store,
      record: {
        mode: "local",
        runId,
        ...(pipeline === undefined ? {} : { pipeline }),
        ...(resumed ? { resumeOf: resumed.runId } : {}),
        params,
        options: {
          force: local.force === true,
          failFast: local.failFast === true,
          concurrency,
          memoryBudget,
          ...(memoryPolicy === "largest-step" ? { memoryPolicy } : {}),
          ...(local.localStorage === undefined ? {} : { localStorage: local.localStorage }),
          ...(lowMemory ? { lowMemory: lowMemory.wanted } : {}),
          ...(local.partition === undefined ? {} : { partition: local.partition }),
          ...(keys === null ? {} : { partitionKeys: allKeys(keys) }),
        },
      },
      steps: selected.executionOrder(),
      ...(local.progress === undefined ? {} : { progress: local.progress }),
    });
    const { log } = session;
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
    const records = await runSchedule(session, {
      graph: selected,
      driver: localDriver({ ctx, runId, pool, isolated, log, files }, session.recorder.record.logPath),
      concurrency,
      memoryBudget,
      memoryPolicy,
      failFast: local.failFast === true,
      force: local.force === true,
      ...(resumed ? { resumed } : {}),
      ...(local.signal ? { signal: local.signal } : {}),
    }).catch((error: unknown) => session.abort(error));
    // Cancelled only when the signal stopped something: a signal after the last step leaves a finished run.
    const cancelled = local.signal?.aborted === true && records.some((r) => r.reason === "cancelled");
    return await session.finish({ cancelled });
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
export async function runStorage(
  graph: LineageGraph,
  localStorage: string | undefined,
): Promise<StorageOptions> {
  if (localStorage !== undefined) return { localStorage };
  if (!graph.buckets.some((b) => b.provider.cloud === "aws")) return {};
  // Each bucket still falls back to its own provider's region when AWS_REGION is not set.
  return { s3: await withChainCredentials(effectiveS3({})) };
}
