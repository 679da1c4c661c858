import { currentProcess } from "./process-identity.js";
import type { RunRecord, StepRecord } from "./run-record.js";
import { type RunStore, writeJsonAtomic } from "./run-store.js";

/** What a run's record starts with; the recorder fills in status, times, process and paths. */
export type RunRecordInit = Omit<
  RunRecord,
  | "version"
  | "status"
  | "startedAt"
  | "pid"
  | "host"
  | "startTicks"
  | "bootId"
  | "logPath"
  | "steps"
  | "finishedAt"
  | "durationMs"
>;

/** A second copy of every record write (the cloud executor's, in the artefacts bucket). */
export type RecordMirror = (record: RunRecord) => Promise<void>;

/**
 * Writes a run's record as the run goes: created before the first step, rewritten (atomically, in order) after
 * each step finishes, so a killed run still shows which steps completed. Steps are kept in execution order,
 * whatever order they finish in. A mirror, when given, receives every written snapshot after the local file.
 *
 * @example
 * ```ts
 * const recorder = await RunRecorder.create(store, { mode: "local", runId, params: {}, options }, order);
 * await recorder.step({ id: "clean->…", name: "clean", output: "data/clean.parquet", status: "succeeded" });
 * await recorder.finish("succeeded"); // .glacier/runs/<runId>/run.json: { status: "succeeded", steps: [ … ] }
 * ```
 */
export class RunRecorder {
  readonly path: string;
  #record: RunRecord;
  #writing: Promise<void> = Promise.resolve();
  readonly #started = performance.now();
  readonly #order: ReadonlyMap<string, number>;
  readonly #mirror: RecordMirror | undefined;

  private constructor(path: string, record: RunRecord, order: readonly string[], mirror?: RecordMirror) {
    this.path = path;
    this.#record = record;
    this.#order = new Map(order.map((id, i) => [id, i]));
    this.#mirror = mirror;
  }

  /** Creates the record (status `running`) on disk; `order` is the steps' execution order. */
  static async create(
    store: RunStore,
    init: RunRecordInit,
    order: readonly string[],
    mirror?: RecordMirror,
  ): Promise<RunRecorder> {
    const record: RunRecord = {
      version: 1,
      ...init,
      status: "running",
      startedAt: new Date().toISOString(),
      ...currentProcess(),
      steps: [],
      logPath: store.logPath(init.runId),
    };
    const recorder = new RunRecorder(store.recordPath(init.runId), record, order, mirror);
    await recorder.#write();
    return recorder;
  }

  get record(): RunRecord {
    return this.#record;
  }

  /** Records a step's latest state (replacing its earlier entry). */
  step(entry: StepRecord): Promise<void> {
    const rank = (id: string) => this.#order.get(id) ?? Number.MAX_SAFE_INTEGER;
    const steps = [...this.#record.steps.filter((s) => s.id !== entry.id), entry];
    this.#record = { ...this.#record, steps: steps.sort((a, b) => rank(a.id) - rank(b.id)) };
    return this.#write();
  }

  finish(status: "succeeded" | "failed" | "cancelled"): Promise<void> {
    this.#record = {
      ...this.#record,
      status,
      finishedAt: new Date().toISOString(),
      durationMs: Math.round(performance.now() - this.#started),
    };
    return this.#write();
  }

  #write(): Promise<void> {
    const snapshot = this.#record;
    this.#writing = this.#writing.then(async () => {
      await writeJsonAtomic(this.path, snapshot);
      await this.#mirror?.(snapshot);
    });
    return this.#writing;
  }
}
