import { setTimeout as sleep } from "node:timers/promises";
import { GlacierError, type FileStore, type StepNode } from "@glacier/core";
import { abortOutput, commitOutput, sweepTemporaries } from "./commit.js";
import type { ContentFile } from "./content-fingerprint.js";
import { messageOf, withoutSubject } from "./errors.js";
import { taskParams } from "./execute-step.js";
import { mainThreadNote } from "./main-thread-note.js";
import { materialize, materializeJob, type Materialized } from "./materialize.js";
import { outputTarget } from "./output-target.js";
import { loadPolars } from "./polars.js";
import { prepareFrame } from "./prepare-step.js";
import { exportCloudEnv } from "./scan.js";
import { blameSource } from "./source-failure.js";
import type { Progress } from "./progress.js";
import type { RunContext } from "./run-context.js";
import type { RunLog } from "./run-log.js";
import type { StepNote } from "./run-record.js";
import { JobInterrupted, type WorkerPool } from "./worker-pool.js";

/** What a step run produced. */
export interface StepOutcome {
  readonly rows: number;
  readonly bytes: number;
  /**
   * The committed output's content fingerprint. A local file is hashed in the background after its commit,
   * so consumers can start while it is read; they share the same read when they need the hash.
   */
  readonly outputFingerprint: Promise<string>;
  readonly attempts: number;
  /** How the step ran, when the user should know (e.g. on the main thread); empty otherwise. */
  readonly notes: readonly StepNote[];
}

/** A step stopped because another failed and the run fails fast. */
export class StepCancelled extends Error {
  constructor() {
    super("cancelled");
  }
}

/** Where and how a step runs within a local run. */
export interface StepRunner {
  readonly ctx: RunContext;
  readonly runId: string;
  readonly pool: WorkerPool;
  readonly log: RunLog;
  readonly files: FileStore;
  readonly progress: Progress;
  readonly signal: AbortSignal;
}

/** Seconds before retry `n` (1-based): 0.5, 1, 2, 4 … capped at 30. */
export function backoffSeconds(n: number): number {
  return Math.min(30, 0.5 * 2 ** (n - 1));
}

/** Errors that retrying cannot fix: the task's result or the data's shape is wrong. */
function isRetryable(error: unknown): boolean {
  return !(
    GlacierError.is(error) &&
    [
      "TASK_RESULT_INVALID",
      "SCHEMA_MISMATCH",
      "INVALID_TASK",
      "SOURCE_UNREADABLE",
      "OUTPUT_NOT_OWNED",
    ].includes(error.code)
  );
}

/**
 * Runs one step of a local run with its retries: each attempt calls the task in this thread (building a lazy
 * plan is cheap), ships the plan to a worker thread that streams it into a temporary file, then commits the
 * file here and starts hashing it in the background (see {@link StepOutcome.outputFingerprint}). A plan polars
 * cannot serialise runs on this thread instead, reported as a {@link StepNote} to the progress view and in the
 * outcome. Failed attempts are retried after a backoff of 0.5 s, 1 s, 2 s … unless the failure is one a
 * retry cannot fix.
 */
export async function runStep(runner: StepRunner, step: StepNode): Promise<StepOutcome> {
  const attempts = step.task.retries + 1;
  // Every attempt plans the same task, so a note is shown and kept once, not per retry.
  const notes = new Map<string, StepNote>();
  const noted = async (note: StepNote): Promise<void> => {
    if (notes.has(note.message)) return;
    notes.set(note.message, note);
    await runner.progress.noted(step.id, note);
  };
  for (let attempt = 1; ; attempt++) {
    try {
      return { ...(await attemptStep(runner, step, noted)), attempts: attempt, notes: [...notes.values()] };
    } catch (error) {
      if (runner.signal.aborted) throw new StepCancelled();
      runner.log.write({
        level: "error",
        step: step.name,
        message: `attempt ${attempt}/${attempts} failed: ${withoutSubject(messageOf(error), step.name)}`,
        fields: {
          attempt,
          ...(error instanceof Error && error.stack ? { stack: error.stack } : {}),
          // polars' full message (with the plan where it failed) is the cause of the one-line error.
          ...(error instanceof Error && error.cause !== undefined ? { cause: messageOf(error.cause) } : {}),
        },
      });
      if (attempt >= attempts || !isRetryable(error))
        throw Object.assign(asGlacierError(error, step), { attempts: attempt, notes: [...notes.values()] });
      runner.progress.retrying(step.id, attempt + 1, attempts, messageOf(error, true));
      await sleep(backoffSeconds(attempt) * 1000, undefined, { signal: runner.signal }).catch(
        () => undefined,
      );
      if (runner.signal.aborted) throw new StepCancelled();
    }
  }
}

function asGlacierError(error: unknown, step: StepNode): GlacierError {
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

async function attemptStep(
  runner: StepRunner,
  step: StepNode,
  noted: (note: StepNote) => Promise<void>,
): Promise<Omit<StepOutcome, "attempts" | "notes">> {
  const { ctx, runId, signal } = runner;
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
  const target = outputTarget(step.output, ctx.location(step.output), runId);
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
    await noted(note);
  }
  let written: Materialized;
  try {
    written = plan
      ? await runner.pool.run(plan, job, {
          ...(step.task.timeout === undefined ? {} : { timeoutSeconds: step.task.timeout }),
          signal,
        })
      : await materialize(pl, frame, job);
    if (signal.aborted) throw new StepCancelled();
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
  return { rows: written.rows, bytes: committed.bytes ?? written.bytes ?? 0, outputFingerprint };
}
