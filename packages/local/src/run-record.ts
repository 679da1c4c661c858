import { hostname } from "node:os";
import { join } from "node:path";
import type { ParamValue, StepResult } from "@glacier/core";
import { type ProjectStore, writeJsonAtomic } from "./project-store.js";
import type { StepComponents } from "./step-fingerprint.js";

/**
 * Something a step's user should know that is neither its status nor an error: so far, that it ran on the
 * main thread because polars could not serialise its plan, with the rewrite that lets it run in a worker.
 *
 * @example
 * ```ts
 * { kind: "main-thread",
 *   message: 'ran on the main thread (blocking other steps, without its timeout): nodejs-polars cannot serialise
 *     str.toLowerCase() (column "name") for a worker thread.',
 *   hint: "Rewrite str.toLowerCase() as SQL lower(name) (SQL runs as executor.sql, or as pl.SQLContext inside the task).",
 *   expressions: [{ call: "str.toLowerCase()", rewrite: "SQL lower(name)" }],
 *   columns: ["name"] }
 * ```
 */
export interface StepNote {
  readonly kind: "main-thread";
  /** What happened and why, one sentence. */
  readonly message: string;
  /** How to fix it. */
  readonly hint: string;
  /**
   * The unserialisable calls found in the task's source, each with its serialisable rewrite when one exists;
   * empty when none was recognised.
   */
  readonly expressions: readonly { readonly call: string; readonly rewrite?: string }[];
  /** The columns polars' plan applies them to. */
  readonly columns: readonly string[];
}

/** One step in a run record: its result plus what decided it. */
export interface StepRecord extends StepResult {
  /** Where the step writes. */
  readonly output: string;
  readonly fingerprint?: string;
  readonly components?: StepComponents;
  readonly outputFingerprint?: string;
  readonly attempts?: number;
  /** The GlacierError code of a failed step. */
  readonly code?: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  /** What the user should know about how the step ran (absent when nothing). */
  readonly notes?: readonly StepNote[];
}

/** A run's status; `interrupted` is a run whose process died before it finished. */
export type RunStatus = "running" | "succeeded" | "failed" | "interrupted";

/** `.glacier/runs/<runId>/run.json`. */
export interface RunRecord {
  readonly version: 1;
  readonly runId: string;
  readonly status: RunStatus;
  readonly startedAt: string;
  readonly finishedAt?: string;
  readonly durationMs?: number;
  readonly pid: number;
  readonly host: string;
  readonly pipeline?: string;
  /** The run this one resumed. */
  readonly resumeOf?: string;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly options: {
    readonly force: boolean;
    readonly failFast: boolean;
    readonly concurrency: number;
    readonly localStorage?: string;
    /** Low-memory mode: the Polars settings it asked for (the run log says which the environment overrode). */
    readonly lowMemory?: Readonly<Record<string, string>>;
  };
  readonly steps: readonly StepRecord[];
  /** The JSON-lines log beside this record. */
  readonly logPath: string;
}

/**
 * Writes a run's record as the run goes: created before the first step, rewritten (atomically) after each
 * step finishes, so a killed run still shows which steps completed.
 */
export class RunRecorder {
  readonly path: string;
  #record: RunRecord;
  #writing: Promise<void> = Promise.resolve();
  readonly #started = performance.now();

  private constructor(path: string, record: RunRecord) {
    this.path = path;
    this.#record = record;
  }

  static async create(
    store: ProjectStore,
    init: Omit<RunRecord, "version" | "status" | "startedAt" | "pid" | "host" | "logPath">,
  ): Promise<RunRecorder> {
    const dir = store.runDir(init.runId);
    const record: RunRecord = {
      version: 1,
      ...init,
      status: "running",
      startedAt: new Date().toISOString(),
      pid: process.pid,
      host: hostname(),
      logPath: join(dir, "log.jsonl"),
    };
    const recorder = new RunRecorder(join(dir, "run.json"), record);
    await recorder.#write();
    return recorder;
  }

  get record(): RunRecord {
    return this.#record;
  }

  /** Records a step's latest state (replacing its earlier entry). */
  step(entry: StepRecord): Promise<void> {
    const steps = this.#record.steps.map((s) => (s.id === entry.id ? entry : s));
    if (!steps.some((s) => s.id === entry.id)) steps.push(entry);
    this.#record = { ...this.#record, steps };
    return this.#write();
  }

  finish(status: "succeeded" | "failed"): Promise<void> {
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
    this.#writing = this.#writing.then(() => writeJsonAtomic(this.path, snapshot));
    return this.#writing;
  }
}
