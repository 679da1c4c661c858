import type { CheckResult, ParamValue, StepNode, TaskLogger } from "@glacier/core";
import type { ColumnLineage } from "@glacier/engine";
import { resolveParams } from "@glacier/core/internal";
import { checkWritten, directAccess } from "./check-output.js";
import { abortOutput, commitOutput } from "./commit.js";
import { createFileStore } from "./file-store.js";
import { materialize, materializeJob } from "./materialize.js";
import { outputTarget } from "./output-target.js";
import { loadPolars } from "./polars.js";
import { planLineage } from "./plan-lineage.js";
import { prepareStep } from "./prepare-step.js";
import { blameSource } from "./source-failure.js";
import { stderrLogger } from "./stderr-logger.js";
import { resolveLocation, type StorageOptions } from "./storage.js";

/** One step to run in this process: what {@link executeStep} takes. */
export interface StepExecution {
  readonly step: StepNode;
  readonly runId: string;
  /** Run parameters; the task receives only those it declared (defaults fill the rest). */
  readonly params: Readonly<Record<string, ParamValue>>;
  /** Default: the standard AWS configuration (env vars incl. `AWS_ENDPOINT_URL`). */
  readonly storage?: StorageOptions;
  /** Default: JSON lines on stderr. */
  readonly log?: TaskLogger;
  /**
   * Called once the output is written and checked, right before it is committed. Throwing discards the
   * written output (the previous one stays as it was) and fails the step with that error: a caller that
   * gave up on the step (its timeout, a cancelled run) says so here.
   */
  readonly beforeCommit?: () => void | Promise<void>;
}

/** What one step wrote. */
export interface StepMetrics {
  readonly rows: number;
  readonly bytes: number;
  readonly durationMs: number;
  /** `xxh128:…` of a local output's bytes, `etag:…` of an S3 output. */
  readonly outputFingerprint: string;
  /** The results of the step's checks, run on its written result before the commit (absent: none declared). */
  readonly checks?: readonly CheckResult[];
  /** The written output's columns and Polars types. */
  readonly schema?: Readonly<Record<string, string>>;
  /** The column lineage of a Polars task, when its plan could be followed (`plan-lineage.ts`). */
  readonly columnLineage?: ColumnLineage;
}

/** The parameters a task declared, resolved from the run's parameters. */
export function taskParams(
  step: StepNode,
  params: Readonly<Record<string, ParamValue>>,
): Readonly<Record<string, ParamValue>> {
  const declared = Object.keys(step.task.params);
  const given = Object.fromEntries(Object.entries(params).filter(([name]) => declared.includes(name)));
  return resolveParams(step.task.params, given);
}

/**
 * Runs one step in the current thread: scans its inputs (checking declared schemas), calls the task, sinks
 * the result with the streaming engine to a temporary location, checks it (schema, then the step's data checks:
 * a blocking failure is CHECK_FAILED), and commits it atomically. No
 * run records, locks or worker threads: this is what an AWS Lambda handler calls. Throws a GlacierError
 * (TASK_FAILED, TASK_RESULT_INVALID, SCHEMA_MISMATCH, SOURCE_MISSING, SOURCE_UNREADABLE, STORAGE_ERROR, …);
 * on any failure the previous output is left as it was.
 *
 * @example
 * ```ts
 * const step = LineageGraph.from(report).step("clean");
 * await executeStep({ step, runId: "20240131T120000Z-3f2a", params: {} });
 * // { rows: 4980, bytes: 61234, durationMs: 412, outputFingerprint: "xxh128:39c0e8ef…" }
 * ```
 */
export async function executeStep(exec: StepExecution): Promise<StepMetrics> {
  const started = performance.now();
  const { step } = exec;
  const params = taskParams(step, exec.params);
  const pl = await loadPolars();
  const log = exec.log ?? stderrLogger(step.name, exec.runId);
  const prepared = await prepareStep(pl, {
    step,
    runId: exec.runId,
    params,
    ...(exec.storage === undefined ? {} : { storage: exec.storage }),
    log,
    files: createFileStore(exec.storage),
    probeInputs: true,
  });
  const target = outputTarget(step, resolveLocation(step.output, exec.storage), exec.runId);
  const job = materializeJob(step, target);
  let written;
  let checks: readonly CheckResult[];
  try {
    written = await materialize(pl, prepared.frame, job);
    checks = await checkWritten(pl, step, target, directAccess(exec.storage));
    await exec.beforeCommit?.();
  } catch (error) {
    await abortOutput(target, exec.storage);
    throw (await blameSource(pl, step, exec.storage, error)) ?? error;
  }
  const committed = await commitOutput(target, step.name, exec.storage);
  const columnLineage = planLineage(step, prepared, log);
  return {
    rows: written.rows,
    bytes: committed.bytes ?? written.bytes ?? 0,
    durationMs: Math.round(performance.now() - started),
    outputFingerprint: committed.fingerprint ?? written.fingerprint ?? "",
    ...(checks.length === 0 ? {} : { checks }),
    ...(written.schema === undefined ? {} : { schema: written.schema }),
    ...(columnLineage === undefined ? {} : { columnLineage }),
  };
}
