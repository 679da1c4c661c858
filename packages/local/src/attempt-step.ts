import { GlacierError, type CheckResult, type FileStore, type StepNode } from "@glacier/core";
import type { Attempt, RunLog } from "@glacier/engine";
import { checkWritten } from "./check-output.js";
import { abortOutput, commitOutput, sweepTemporaries } from "./commit.js";
import type { ContentFile } from "./content-fingerprint.js";
import { messageOf } from "./errors.js";
import { taskParams } from "./execute-step.js";
import { mainThreadNote } from "./main-thread-note.js";
import { materialize, materializeJob, type Materialized } from "./materialize.js";
import { outputTarget } from "./output-target.js";
import { loadPolars } from "./polars.js";
import { prepareFrame } from "./prepare-step.js";
import { exportCloudEnv } from "./scan.js";
import { blameSource } from "./source-failure.js";
import type { RunContext } from "./run-context.js";
import { JobInterrupted, type WorkerPool } from "./worker-pool.js";

/** What one attempt of a local step produced. */
export interface AttemptOutcome {
  readonly rows: number;
  readonly bytes: number;
  /**
   * The committed output's content fingerprint. A local file is hashed in the background after its commit,
   * so consumers can start while it is read; they share the same read when they need the hash.
   */
  readonly outputFingerprint: Promise<string>;
  /** The results of the step's checks (absent: none declared). */
  readonly checks?: readonly CheckResult[];
  /** The written output's columns and Polars types. */
  readonly schema: Readonly<Record<string, string>>;
}

/** Where and how the steps of a local run run. */
export interface StepRunner {
  readonly ctx: RunContext;
  readonly runId: string;
  readonly pool: WorkerPool;
  readonly log: RunLog;
  readonly files: FileStore;
}

/** The error a failed attempt reports: a GlacierError, whose code the engine's retry policy reads. */
export function asGlacierError(error: unknown, step: StepNode): GlacierError {
  if (GlacierError.is(error)) return error;
  if (error instanceof JobInterrupted && error.interruption.kind === "timeout") {
    return new GlacierError("TASK_FAILED", `the task timed out after ${error.interruption.seconds} s.`, {
      subject: { kind: "step", name: step.name },
      hint: "Raise the task's timeout option, or make the query cheaper.",
      cause: error,
    });
  }
  return new GlacierError("TASK_FAILED", messageOf(error, true), {
    subject: { kind: "step", name: step.name },
    cause: error,
  });
}

/**
 * One attempt of a local step: calls the task in this thread (building a lazy plan is cheap), ships the plan
 * to a worker thread that streams it into a temporary file, then commits the file here and starts hashing it
 * in the background (see {@link AttemptOutcome.outputFingerprint}). A plan polars cannot serialise runs on
 * this thread instead, reported as a step note through `attempt.note`. Retries are the engine's.
 */
export async function attemptStep(
  runner: StepRunner,
  step: StepNode,
  attempt: Pick<Attempt, "signal" | "note">,
): Promise<AttemptOutcome> {
  const { ctx, runId } = runner;
  const { signal } = attempt;
  runner.pool.warm();
  const pl = await loadPolars();
  const known = new Map<string, readonly ContentFile[]>();
  for (const [key, bucket] of Object.entries(
    step.input.kind === "single" ? { input: step.input.bucket } : step.input.buckets,
  )) {
    known.set(key, (await ctx.listing(bucket)).files);
  }
  const frame = await prepareFrame(pl, {
    step,
    runId,
    params: taskParams(step, ctx.params),
    storage: ctx.storage,
    log: runner.log.forStep(step.name),
    files: runner.files,
    known,
    probeInputs: false,
  });
  const target = outputTarget(step, ctx.location(step.output), runId);
  // The worker's polars reads S3 settings for non-Parquet sinks from the process environment, which a
  // worker thread cannot change: export them from here.
  if (target.kind === "s3" && step.output.format !== "parquet") exportCloudEnv(target.cloudOptions);
  await sweepTemporaries(target);
  const job = materializeJob(step, target, { deferHash: true });
  let plan: Uint8Array | undefined;
  try {
    plan = frame.serialize("bincode");
  } catch (error) {
    // The step still runs, on this thread: say so where the user looks (progress, summary, record), with
    // the rewrite that moves it back to a worker.
    const note = mainThreadNote(step, frame, error);
    runner.log.write({
      level: "warn",
      step: step.name,
      message: `${note.message} ${note.hint}`,
      fields: { expressions: note.expressions, columns: note.columns, cause: messageOf(error, true) },
    });
    await attempt.note(note);
  }
  let written: Materialized;
  let checks: readonly CheckResult[];
  try {
    written = plan
      ? await runner.pool.run(plan, job, {
          ...(step.task.timeout === undefined ? {} : { timeoutSeconds: step.task.timeout }),
          signal,
        })
      : await materialize(pl, frame, job);
    if (signal.aborted) throw new Error("cancelled");
    checks = await checkWritten(pl, step, target, {
      location: (bucket) => ctx.location(bucket),
      files: async (bucket) => (await ctx.listing(bucket)).files,
    });
    if (signal.aborted) throw new Error("cancelled");
  } catch (error) {
    await abortOutput(target, ctx.storage);
    // polars failing to read an input is the data's fault, not the task's: name the file.
    throw (await blameSource(pl, step, ctx.storage, error)) ?? error;
  }
  const committed = await commitOutput(target, step.name, ctx.storage);
  ctx.invalidate(step.output);
  // The committed output's content fingerprint, the way its consumers and the next run's "output changed"
  // check compute it. A local file is hashed from here, after the commit: the worker is free for the next
  // step at once, and a consumer that needs this hash to decide shares this read instead of starting its own.
  const outputFingerprint = ctx.content(step.output).then((content) => content.fingerprint);
  // Awaited by the caller once the step is recorded; meanwhile a failure must not go unhandled.
  outputFingerprint.catch(() => undefined);
  return {
    rows: written.rows,
    bytes: committed.bytes ?? written.bytes ?? 0,
    outputFingerprint,
    ...(checks.length === 0 ? {} : { checks }),
    schema: written.schema,
  };
}
