import { messageOf } from "./message-of.js";
import { LineageObserver } from "./openlineage/lineage-observer.js";
import { RunTracing } from "./telemetry/run-tracing.js";
import { createProgress, type Progress } from "./progress.js";
import type { RecordedRunResult, StepRecord } from "./run-record.js";
import { RunRecorder, type RecordMirror, type RunRecordInit } from "./run-recorder.js";
import { preloadLog, RunLog } from "./run-log.js";
import type { RunStore } from "./run-store.js";

/** What opening a run needs. */
export interface RunSessionInit {
  readonly store: RunStore;
  readonly record: RunRecordInit;
  /** The steps in execution order: the record keeps them in it, the progress view lists them. */
  readonly steps: readonly { readonly id: string; readonly name: string }[];
  /** Live progress on this stream (the CLI passes stderr); silent when absent. */
  readonly progress?: NodeJS.WritableStream;
  /** Receives every record snapshot after it is written locally (e.g. a copy in S3); may log through `log`. */
  readonly mirror?: (record: Parameters<RecordMirror>[0], log: RunLog) => Promise<void>;
}

/**
 * One recorded run: its record (`run.json`), its log (`log.jsonl`) and its progress view, opened before the
 * first step and finished after the last. The scheduler reports every step through it; so does anything that
 * learns of steps another way (a Step Functions execution the cloud executor follows).
 *
 * @example
 * ```ts
 * const session = await RunSession.open({ store, record: { mode: "local", runId, params, options }, steps });
 * const steps = await runSchedule(session, { graph, driver, concurrency: 4, failFast: false, force: false });
 * await session.finish(); // { runId, status: "succeeded", steps, recordPath: ".glacier/runs/<runId>" }
 * ```
 */
export class RunSession {
  readonly store: RunStore;
  readonly recorder: RunRecorder;
  readonly log: RunLog;
  readonly progress: Progress;
  readonly #steps: readonly { readonly id: string; readonly name: string }[];
  readonly #lineage: LineageObserver;
  /** Null when nothing would receive the spans (see `tracingWanted`). */
  readonly #tracing: RunTracing | null;

  private constructor(
    store: RunStore,
    recorder: RunRecorder,
    log: RunLog,
    progress: Progress,
    steps: RunSessionInit["steps"],
    lineage: LineageObserver,
    tracing: RunTracing | null,
  ) {
    this.store = store;
    this.recorder = recorder;
    this.log = log;
    this.progress = progress;
    this.#steps = steps;
    this.#lineage = lineage;
    this.#tracing = tracing;
  }

  static async open(init: RunSessionInit): Promise<RunSession> {
    preloadLog();
    const { mirror, record } = init;
    const progress = await createProgress(init.progress);
    const log = await RunLog.open(init.store.logPath(record.runId), record.runId, (line) =>
      progress.log(line),
    );
    const recorder = await RunRecorder.create(
      init.store,
      record,
      init.steps.map((s) => s.id),
      mirror && ((snapshot) => mirror(snapshot, log)),
    );
    progress.begin(record.runId, init.steps);
    // Steps given as graph nodes (every executor's) carry their datasets into the OpenLineage events.
    const lineage = LineageObserver.forRun(record, init.steps, init.store.runDir(record.runId));
    const tracing = await RunTracing.start(record, init.steps);
    return new RunSession(init.store, recorder, log, progress, init.steps, lineage, tracing);
  }

  get runId(): string {
    return this.recorder.record.runId;
  }

  /** The run's directory: `run.json` and `log.jsonl`. */
  get recordPath(): string {
    return this.store.runDir(this.runId);
  }

  /** A step starts running. */
  started(step: { readonly id: string; readonly name: string }, reason: string): void {
    this.progress.started(step.id);
    this.#lineage.started(step.id);
    this.#tracing?.started(step.id);
    this.log.write({ level: "info", step: step.name, message: `step started (${reason})` });
  }

  /** An attempt failed: logged with its stack and cause; shown as a retry when another attempt follows. */
  attemptFailed(
    step: { readonly id: string; readonly name: string },
    attempt: { readonly number: number; readonly of: number },
    error: unknown,
    message: string,
    retrying: boolean,
  ): void {
    this.log.write({
      level: "error",
      step: step.name,
      message: `attempt ${attempt.number}/${attempt.of} failed: ${message}`,
      fields: {
        attempt: attempt.number,
        ...(error instanceof Error && error.stack ? { stack: error.stack } : {}),
        // polars' full message (with the plan where it failed) is the cause of the one-line error.
        ...(error instanceof Error && error.cause !== undefined ? { cause: messageOf(error.cause) } : {}),
      },
    });
    if (retrying) {
      this.progress.retrying(step.id, attempt.number + 1, attempt.of, messageOf(error, true));
    }
  }

  /** A step finished (or will not run): logged and shown at once, recorded soon (by the run's end). */
  async settle<R extends StepRecord>(record: R): Promise<R> {
    this.log.write({
      level: record.status === "failed" ? "error" : "info",
      step: record.name,
      message: `step ${record.status}${record.reason ? ` (${record.reason})` : ""}`,
      fields: {
        ...(record.rows === undefined ? {} : { rows: record.rows }),
        ...(record.bytes === undefined ? {} : { bytes: record.bytes }),
        ...(record.durationMs === undefined ? {} : { durationMs: record.durationMs }),
        ...(record.error === undefined ? {} : { error: record.error }),
      },
    });
    // Not awaited: the record is rewritten a bounded share of the time (`RunRecorder`), so a step's rewrite may
    // wait its turn, and nothing that follows the step (its consumers, a free slot, the progress line) should.
    // A failed write fails the run when it ends: the record's last write queues after this one.
    this.recorder.step(record).catch(() => undefined);
    this.#lineage.settled(record);
    this.#tracing?.settled(record);
    this.progress.finished(record);
    return record;
  }

  /**
   * Ends the run: `cancelled` when it was cancelled (Ctrl-C, SIGTERM: `cancelled`), else `failed` when a step
   * failed or did not run. Steps are returned in execution order, and any step never settled reads as not run.
   */
  async finish(options: { readonly cancelled?: boolean } = {}): Promise<RecordedRunResult> {
    const recorded = new Map(this.recorder.record.steps.map((s) => [s.id, s]));
    const steps = this.#steps.flatMap((s) => {
      const record = recorded.get(s.id);
      return record ? [record] : [];
    });
    const complete = steps.length === this.#steps.length;
    const status = options.cancelled
      ? "cancelled"
      : !complete || steps.some((r) => r.status === "failed" || r.status === "not-run")
        ? "failed"
        : "succeeded";
    await this.recorder.finish(status);
    await this.#lineageFinished(status);
    this.log.write({ level: status === "succeeded" ? "info" : "error", message: `run ${status}` });
    this.log.flush();
    const result: RecordedRunResult = { runId: this.runId, status, steps, recordPath: this.recordPath };
    await this.progress.end(result);
    return result;
  }

  /** Ends the run's lineage; events that could not be delivered are a warning, never a failed run. */
  async #lineageFinished(status: "succeeded" | "failed" | "cancelled", error?: string): Promise<void> {
    // The exporter swallows its own failures (OpenTelemetry's global error handler reports them).
    await this.#tracing?.finish(status, error);
    const failures = await this.#lineage.finish(status, error);
    if (failures.length > 0) {
      this.log.write({
        level: "warn",
        message: `OpenLineage events could not be delivered: ${failures.join("; ")}`,
      });
    }
  }

  /** Ends a run the executor itself failed (not a step): the record is closed as failed, then `error` thrown. */
  async abort(error: unknown): Promise<never> {
    this.log.write({ level: "error", message: `run aborted: ${messageOf(error)}` });
    await this.recorder.finish("failed");
    await this.#lineageFinished("failed", messageOf(error));
    this.log.flush();
    throw error;
  }
}
