import { currentProcess } from "./process-identity.js";
import type { RunRecord, StepRecord } from "./run-record.js";
import { type RunStore, writeTextAtomic } from "./run-store.js";

const STEP_SEPARATOR = Buffer.from(",\n");

/**
 * How long the recorder waits after a rewrite before the next one, as a multiple of the time the last one took,
 * and at most: the record is rewritten whole, so a run of many short steps spends at most about 1/SPACING of
 * its time on it however large its record grows (rewritten after every step, a 1,000-step record is a gigabyte
 * of writes), and a killed run's record misses at most MAX_SPACING_MS of finished steps.
 */
const SPACING = 50;
const MAX_SPACING_MS = 1000;

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
 * Writes a run's record as the run goes: created before the first step, rewritten (atomically, in order) as
 * steps finish (steps finishing while a write is in flight share the next one), so a killed run still shows
 * which steps completed. Steps are kept in execution order,
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
  #queued: Promise<void> | undefined;
  /** When the next rewrite may start (`performance.now()`), and what ends the wait for it early. */
  #nextAt = 0;
  #hurry: (() => void) | undefined;
  /** Each recorded step at its place in execution order; steps outside it (none, normally) after them. */
  readonly #slots: (StepRecord | undefined)[] = [];
  readonly #extra = new Map<string, StepRecord>();
  /** Each step entry's JSON, made once: a record of N steps is rewritten about N times. */
  readonly #json = new WeakMap<StepRecord, Uint8Array>();
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
    const rank = this.#order.get(entry.id);
    if (rank === undefined) this.#extra.set(entry.id, entry);
    else this.#slots[rank] = entry;
    const steps = this.#slots.filter((s): s is StepRecord => s !== undefined);
    this.#record = { ...this.#record, steps: [...steps, ...this.#extra.values()] };
    return this.#write();
  }

  /** Records the run's end, at once: a rewrite waiting for its turn starts now. */
  finish(status: "succeeded" | "failed" | "cancelled"): Promise<void> {
    this.#nextAt = 0;
    this.#hurry?.();
    this.#record = {
      ...this.#record,
      status,
      finishedAt: new Date().toISOString(),
      durationMs: Math.round(performance.now() - this.#started),
    };
    return this.#write();
  }

  /**
   * The record as `JSON.stringify(record, null, 2)` writes it, in pieces written one after another: each step's
   * part is stringified and encoded once and kept, and the whole text is never built. Joined into one string,
   * a record of N steps made a string of its full size at every rewrite: at a thousand steps, megabytes per
   * step, large-object allocations that drove the run's full garbage collections.
   */
  #serialise(record: RunRecord): Uint8Array[] {
    const head = `${JSON.stringify({ ...record, steps: [] }, null, 2)}\n`;
    if (record.steps.length === 0) return [Buffer.from(head)];
    // A key at the record's top level, two spaces in: no string value can contain it unescaped.
    const marker = '\n  "steps": []';
    const at = head.indexOf(marker);
    const pieces: Uint8Array[] = [Buffer.from(`${head.slice(0, at)}\n  "steps": [\n`)];
    record.steps.forEach((step, i) => {
      let json = this.#json.get(step);
      if (json === undefined) {
        json = Buffer.from(`    ${JSON.stringify(step, null, 2).replaceAll("\n", "\n    ")}`);
        this.#json.set(step, json);
      }
      if (i > 0) pieces.push(STEP_SEPARATOR);
      pieces.push(json);
    });
    pieces.push(Buffer.from(`\n  ]${head.slice(at + marker.length)}`));
    return pieces;
  }

  /**
   * Writes the record as it is when the write starts. Changes made while a write is in flight or waiting for
   * its turn share one queued write (the newest snapshot has them all); a rewrite starts no sooner than
   * SPACING times the last one's duration after it (at most MAX_SPACING_MS, none before the run's end), so
   * a run of many short steps rewrites its record a bounded share of the time instead of once per step, which
   * grew quadratically with the number of steps. Each caller's promise still resolves only once a snapshot
   * holding its change is on disk.
   */
  #write(): Promise<void> {
    if (this.#queued) return this.#queued;
    const queued = this.#writing.then(async () => {
      await this.#turn();
      this.#queued = undefined;
      const snapshot = this.#record;
      const started = performance.now();
      await writeTextAtomic(this.path, this.#serialise(snapshot));
      const took = performance.now() - started;
      this.#nextAt = performance.now() + Math.min(MAX_SPACING_MS, took * SPACING);
      await this.#mirror?.(snapshot);
    });
    this.#queued = queued;
    this.#writing = queued;
    return queued;
  }

  /** Resolves when the next rewrite may start: at `#nextAt`, or at once when `finish` hurries it. */
  #turn(): Promise<void> {
    const wait = this.#nextAt - performance.now();
    if (wait <= 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.#hurry = undefined;
        resolve();
      }, wait);
      this.#hurry = () => {
        this.#hurry = undefined;
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
