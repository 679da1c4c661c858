import { rm } from "node:fs/promises";
import { GlacierError, type CheckResult, type FileStore, type StepNode } from "@glacier/core";
import type { Attempt, ColumnLineage, RunLog } from "@glacier/engine";
import { checkWritten } from "./check-output.js";
import { abortOutput, commitOutput, sweepTemporaries } from "./commit.js";
import type { ContentFile } from "./content-fingerprint.js";
import { messageOf } from "./errors.js";
import { taskParams } from "./execute-step.js";
import { mainThreadNote } from "./main-thread-note.js";
import { materialize, materializeJob, type Materialized } from "./materialize.js";
import { outputTarget, type OutputTarget } from "./output-target.js";
import { loadPolars, type LazyFrame, type Polars } from "./polars.js";
import { disown, own } from "./exit-cleanup.js";
import { planLineage } from "./plan-lineage.js";
import { prepareStep, type PreparedStep } from "./prepare-step.js";
import { exportCloudEnv } from "./scan.js";
import { blameSource } from "./source-failure.js";
import type { RunContext } from "./run-context.js";
import { JobInterrupted, type WorkerPool } from "./worker-pool.js";
import type { TaskGuard } from "./task-guard.js";

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
  readonly schema?: Readonly<Record<string, string>>;
  /** The column lineage of a Polars task, when its plan could be followed (`plan-lineage.ts`). */
  readonly columnLineage?: ColumnLineage;
}

/** Where and how the steps of a local run run. */
export interface StepRunner {
  readonly ctx: RunContext;
  readonly runId: string;
  /** Worker threads: where a step's query runs. */
  readonly pool: WorkerPool;
  /** Child processes: where the query of a step with a `timeout` runs, so it can be killed at its deadline. */
  readonly isolated: WorkerPool;
  readonly log: RunLog;
  readonly files: FileStore;
}

/** The error a failed attempt reports: a GlacierError, whose code the engine's retry policy reads. */
export function asGlacierError(error: unknown, step: StepNode): GlacierError {
  if (GlacierError.is(error)) return error;
  return new GlacierError("TASK_FAILED", messageOf(error, true), {
    subject: { kind: "step", name: step.name },
    cause: error,
  });
}

/**
 * A step whose local inputs total at most this many bytes, writing a local file, runs its query on the main
 * thread when it is the only step running: handing a plan to a worker thread and the result back costs more
 * than such a query (a chain of tiny steps paid ~2.5 ms per step for it). The main thread is blocked for a few
 * milliseconds, when nothing else is running; beside other steps, or reading or writing S3, the query goes to
 * a worker like any other. Same engine, same sink settings: the same bytes wherever it ran.
 */
export const INLINE_INPUT_BYTES = 256 * 1024;

/**
 * A step runs on the main thread only when its last recorded run took at most this long (a first run has no
 * record): a query over tiny inputs can still be heavy (a cross join), and one that was goes to a worker.
 */
export const INLINE_RECORDED_MS = 250;

/** A plan this large (serialised) holds data of its own (a literal frame or series): not a tiny query. */
export const INLINE_PLAN_BYTES = 64 * 1024;

/**
 * Plan nodes and expressions that can make far more rows than a step reads (joins, explode, ranges, repeats):
 * tiny inputs do not make such a query quick, so it never runs on the main thread. Matched in the plan's JSON; a
 * column of one of these names sends the step to a worker too, which is only slower.
 */
const GROWS = /"(Join|Explode|Range|RepeatBy)"/;

/** Whether a plan may make more rows than it reads (see {@link GROWS}). */
function mayGrow(frame: LazyFrame): boolean {
  try {
    return GROWS.test(frame.serialize("json").toString());
  } catch {
    return true;
  }
}

/** Attempts of local steps in flight in this process. */
let inFlight = 0;

/** The pool a step's query runs in: a child process when it has a timeout (a thread cannot be stopped). */
export function poolFor(runner: StepRunner, step: StepNode): WorkerPool {
  return step.task.timeout === undefined ? runner.pool : runner.isolated;
}

/** What polars reads from the process environment: a child process gets the run's values with each job. */
function polarsEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] => /^(AWS_|POLARS_)/.test(entry[0]) && entry[1] !== undefined,
    ),
  );
}

/**
 * The stop signal of one attempt: aborts with TASK_TIMEOUT at the step's `timeout` (counted from the attempt's
 * start, plan building included) or with {@link JobInterrupted} when the run is cancelled.
 */
function stepDeadline(
  step: StepNode,
  run: AbortSignal,
  phase: () => string,
): TaskGuard & { dispose(): void } {
  const stop = new AbortController();
  const seconds = step.task.timeout;
  const started = performance.now();
  const timedOut = (): GlacierError =>
    new GlacierError("TASK_TIMEOUT", `the task timed out after ${seconds} s (${phase()}).`, {
      subject: { kind: "step", name: step.name },
      hint:
        phase() === "building its plan"
          ? "Raise the task's timeout option, or fix what in the task function does not return (a loop, a promise that never settles)."
          : "Raise the task's timeout option, or make the query cheaper.",
    });
  // A referenced timer: a task awaiting a promise that never settles must not let the process run dry and exit.
  const timer = seconds === undefined ? undefined : setTimeout(() => stop.abort(timedOut()), seconds * 1000);
  const onCancel = (): void => stop.abort(new JobInterrupted());
  if (run.aborted) onCancel();
  else run.addEventListener("abort", onCancel, { once: true });
  return {
    signal: stop.signal,
    remainingMs: () => (seconds === undefined ? undefined : seconds * 1000 - (performance.now() - started)),
    timedOut,
    dispose: () => {
      if (timer) clearTimeout(timer);
      run.removeEventListener("abort", onCancel);
    },
  };
}

/**
 * One attempt of a local step: calls the task in this thread (building a lazy plan is cheap), ships the plan
 * to a worker thread that streams it into a temporary file (a lone step over tiny local inputs streams it
 * here, see {@link INLINE_INPUT_BYTES}), then commits the file here and starts hashing it
 * in the background (see {@link AttemptOutcome.outputFingerprint}). A plan polars cannot serialise runs on
 * this thread instead, reported as a step note through `attempt.note`. Retries are the engine's.
 *
 * A step with a `timeout` is stopped at it, whatever it is doing: its task call is bounded (`task-guard.ts`)
 * and its query runs in a child process, killed at the deadline. A cancelled run stops it the same way.
 */
export async function attemptStep(
  runner: StepRunner,
  step: StepNode,
  attempt: Pick<Attempt, "signal" | "note" | "recordedMs">,
): Promise<AttemptOutcome> {
  let phase = "building its plan";
  const deadline = stepDeadline(step, attempt.signal, () => phase);
  inFlight++;
  try {
    return await attemptUntil(runner, step, attempt, deadline, (p) => (phase = p));
  } finally {
    inFlight--;
    deadline.dispose();
  }
}

async function attemptUntil(
  runner: StepRunner,
  step: StepNode,
  attempt: Pick<Attempt, "note" | "recordedMs">,
  guard: TaskGuard,
  enter: (phase: string) => void,
): Promise<AttemptOutcome> {
  const { ctx, runId } = runner;
  const { signal } = guard;
  const pool = poolFor(runner, step);
  pool.warm();
  const pl = await loadPolars();
  const known = new Map<string, readonly ContentFile[]>();
  // What a query on the main thread would read: S3 inputs count as too much (a network read blocks).
  let inputBytes = 0;
  for (const [key, bucket] of Object.entries(
    step.input.kind === "single" ? { input: step.input.bucket } : step.input.buckets,
  )) {
    const { files } = await ctx.listing(bucket);
    known.set(key, files);
    if (ctx.location(bucket).kind !== "file") inputBytes = Number.POSITIVE_INFINITY;
    for (const file of files) inputBytes += file.size;
  }
  const prepared = await prepareStep(pl, {
    step,
    runId,
    params: taskParams(step, ctx.params),
    storage: ctx.storage,
    log: runner.log.forStep(step.name),
    files: runner.files,
    known,
    probeInputs: false,
    guard,
  });
  if (signal.aborted) throw signal.reason;
  enter("running its query");
  const target = outputTarget(step, ctx.location(step.output), runId);
  // The worker's polars reads S3 settings for non-Parquet sinks from the process environment, which a
  // worker thread cannot change: export them from here.
  if (target.kind === "s3" && step.output.format !== "parquet") exportCloudEnv(target.cloudOptions);
  await sweepTemporaries(target, runner.ctx.directories);
  if (target.kind === "file") own(target.temp);
  try {
    return await materializeAndCommit(runner, step, attempt, signal, pl, prepared, target, inputBytes);
  } finally {
    if (target.kind === "file") {
      const { temp } = target;
      if (!signal.aborted) disown(temp);
      else {
        // Cancelled: the worker thread may still be inside the query and create the temporary file after
        // the step removed it. It stays owned (a process exiting now removes it synchronously) and is removed
        // again once the worker has stopped.
        void pool
          .abandoned()
          .then(() => rm(temp, { force: true }))
          .catch(() => undefined)
          .finally(() => disown(temp));
      }
    }
  }
}

async function materializeAndCommit(
  runner: StepRunner,
  step: StepNode,
  attempt: Pick<Attempt, "note" | "recordedMs">,
  signal: AbortSignal,
  pl: Polars,
  prepared: PreparedStep,
  target: OutputTarget,
  inputBytes: number,
): Promise<AttemptOutcome> {
  const { ctx } = runner;
  const { frame } = prepared;
  const pool = poolFor(runner, step);
  const job = materializeJob(step, target, { deferHash: true });
  let plan: Uint8Array | undefined;
  try {
    // Copied out of polars' external buffer: posting that to a worker costs ~0.4 ms, a plain copy ~0.03 ms.
    plan = new Uint8Array(frame.serialize("bincode"));
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
  let columnLineage: ColumnLineage | undefined;
  try {
    // Alone, tiny, no join or explode, and not known to be slow: on this thread (see INLINE_INPUT_BYTES). A
    // step with a timeout never is (its query runs in a child process).
    const inline =
      plan !== undefined &&
      pool.kind === "thread" &&
      target.kind === "file" &&
      inFlight === 1 &&
      pool.running === 0 &&
      inputBytes <= INLINE_INPUT_BYTES &&
      plan.byteLength <= INLINE_PLAN_BYTES &&
      (attempt.recordedMs ?? 0) <= INLINE_RECORDED_MS &&
      !mayGrow(frame);
    if (plan && !inline) {
      written = await pool.run(plan, job, {
        signal,
        ...(pool.kind === "process" ? { env: polarsEnv() } : {}),
      });
    } else {
      written = await materialize(pl, frame, job);
    }
    // A plan polars cannot serialise has no lineage: it cannot be walked either.
    if (plan) columnLineage = planLineage(step, prepared, runner.log.forStep(step.name), plan.byteLength);
    if (signal.aborted) throw signal.reason;
    checks = await checkWritten(pl, step, target, {
      location: (bucket) => ctx.location(bucket),
      files: async (bucket) => (await ctx.listing(bucket)).files,
    });
    if (signal.aborted) throw signal.reason;
  } catch (error) {
    await abortOutput(target, ctx.storage);
    if (signal.aborted) throw signal.reason;
    // polars failing to read an input is the data's fault, not the task's: name the file.
    throw (await blameSource(pl, step, ctx.storage, error)) ?? error;
  }
  const committed = await commitOutput(target, step.name, ctx.storage, { deferSync: true });
  ctx.invalidate(step.output);
  // The committed output's content fingerprint, the way its consumers and the next run's "output changed"
  // check compute it. A local file is hashed from here, after the commit: the worker is free for the next
  // step at once, and a consumer that needs this hash to decide shares this read instead of starting its own.
  // The step's state (written once this resolves) also waits for the commit to be durable.
  const hashed = ctx.content(step.output).then((content) => content.fingerprint);
  const outputFingerprint = committed.synced
    ? Promise.all([hashed, committed.synced]).then(([fingerprint]) => fingerprint)
    : hashed;
  hashed.catch(() => undefined);
  // Awaited by the caller once the step is recorded; meanwhile a failure must not go unhandled.
  outputFingerprint.catch(() => undefined);
  return {
    rows: written.rows,
    bytes: committed.bytes ?? written.bytes ?? 0,
    outputFingerprint,
    ...(checks.length === 0 ? {} : { checks }),
    ...(written.schema === undefined ? {} : { schema: written.schema }),
    ...(columnLineage === undefined ? {} : { columnLineage }),
  };
}
