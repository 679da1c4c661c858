import type { BucketNode, CheckResult, StepNode } from "@glacier/core";
import type { CloudStepFields, ExecutorMode, StepNote, StepRecord } from "./run-record.js";
import type { OutputNow, StepComponents, StepState } from "./step-state.js";
import type { ColumnLineage } from "./openlineage/sql-column-lineage.js";

/** What a record says of a step before anything happened to it. */
export type StepBase = Pick<StepRecord, "id" | "name" | "output"> &
  Partial<Pick<StepRecord, "partition">> &
  Partial<Pick<CloudStepFields, "runsOn" | "resource">>;

/** What the engine tells a driver when it asks for a step's decision inputs. */
export interface EvaluationContext {
  /** The step's last successful run in the driver's mode (null: never ran, or its state is unreadable). */
  readonly last: StepState | null;
  readonly force: boolean;
  /**
   * An upstream step is about to rewrite an input (plan mode): the inputs cannot be compared yet, so the
   * driver need not fingerprint them (`inputs: null`).
   */
  readonly upstreamWillRun: boolean;
}

/** A step's decision inputs, as a driver sees them now. The engine decides from them (see `decide`). */
export interface StepEvaluation {
  /** The components that do not depend on input data. */
  readonly components: Omit<StepComponents, "inputs">;
  /**
   * The inputs' content fingerprints, by input key. May still be computing: a decision that does not need
   * them (forced, never ran, code changed …) is taken at once while they are hashed in the background. Null
   * when an upstream step will rewrite an input.
   */
  readonly inputs: Promise<StepComponents["inputs"]> | null;
  /**
   * The output now. Give its `fingerprint` when it could decide — the step has a last state, its output
   * exists and the run is not forced — and leave it out otherwise, to save the work.
   */
  readonly output: OutputNow;
}

/** One attempt at running a step. */
export interface Attempt {
  /** 1-based. */
  readonly number: number;
  /** Attempts the retry policy allows this step, the first included. */
  readonly of: number;
  /** Aborted on Ctrl-C, on another step's failure with fail-fast, or by the caller. */
  readonly signal: AbortSignal;
  /** How long the step took in its last successful run, when a run recorded it (milliseconds). */
  readonly recordedMs?: number;
  /**
   * Tells the user something about how the step runs (shown at once, kept in its record; a note repeated by a
   * later attempt is kept once). Resolves when it is shown: a step about to block the thread waits for that.
   */
  note(note: StepNote): Promise<void>;
}

/** What a successful attempt produced. */
export interface StepOutcome {
  readonly rows?: number;
  readonly bytes?: number;
  /**
   * The committed output's content fingerprint, as the driver's `evaluate` will see it next run. May still be
   * computing: the step's consumers start as soon as `execute` resolves, while it completes. Without it (it
   * rejected), the output stands but no state is kept, so the next run reruns the step.
   */
  readonly outputFingerprint: string | Promise<string>;
  /**
   * The most memory the attempt was seen to add to this process (bytes), when the driver measures it: the
   * scheduler admits the step against it next run.
   */
  readonly peakMemoryBytes?: number;
  /** Where the step's logs are, and the job run that ran it (cloud). */
  readonly details?: Partial<Pick<CloudStepFields, "logs" | "jobRunId">>;
  /** The step's data checks, run on its result before the commit (a failure carries them on its error). */
  readonly checks?: readonly CheckResult[];
  /** The committed output's columns and their Polars types, when the driver read them back. */
  readonly schema?: Readonly<Record<string, string>>;
  /**
   * The column lineage of a task that is not SQL, when the driver could derive it from the plan the task
   * returned (see `polarsColumnLineage`); a SQL step's lineage comes from its query.
   */
  readonly columnLineage?: ColumnLineage;
}

/** How a step's failure reads in its record. */
export interface StepFailure {
  /** One line naming the step, the failure and where its log is. */
  readonly error: string;
  readonly code?: StepRecord["code"];
  readonly details?: Partial<Pick<CloudStepFields, "logs" | "jobRunId">>;
}

/**
 * How an executor plugs into the engine: the engine schedules, decides, retries, cancels and records; a
 * driver fingerprints a step, runs one attempt of it, and says how it reads in a record. Local
 * (`@glacier/local`, polars in worker threads) and cloud (`@glacier/aws`, Lambda / EMR Serverless /
 * in-process) implement it; a new executor does too.
 *
 * @example
 * ```ts
 * const driver: StepDriver = {
 *   mode: "local",
 *   describe: (step) => ({ id: step.id, name: step.name, output: step.output.location }),
 *   evaluate: async (step) => ({ components: { code: step.task.codeHash, options: "", params: {} },
 *                                inputs: Promise.resolve({}), output: { exists: false } }),
 *   execute: async (step, attempt) => ({ rows: 1, bytes: 10, outputFingerprint: "x" }),
 *   failure: (step, error) => ({ error: `step "${step.name}" failed: ${String(error)}` }),
 * };
 * await runSchedule(session, { graph, driver, concurrency: 4, failFast: false, force: false });
 * ```
 */
export interface StepDriver {
  /** Which state files it reads and writes (`.glacier/state/<mode>/`), and the mode of its run records. */
  readonly mode: ExecutorMode;
  /** The step's record fields known before it runs: id, name, output location, where it runs. */
  describe(step: StepNode): StepBase;
  /** The step's decision inputs now. Reads only: in plan mode nothing may be written. */
  evaluate(step: StepNode, context: EvaluationContext): Promise<StepEvaluation>;
  /**
   * The bytes a bucket holds now, or undefined when it is absent (or the driver cannot tell cheaply). The
   * scheduler estimates the duration and memory of steps that never ran from it; without it, steps that never
   * ran weigh the same. Reads only, and cheaply (a listing, not a hash).
   */
  sizeOf?(bucket: BucketNode): Promise<number | undefined>;
  /** Called when the step is going to run, before it waits for a slot: a chance to warm up a worker. */
  prepare?(step: StepNode): void;
  /**
   * Runs one attempt. Rejects with the failure (a GlacierError whose code the retry policy reads); must stop
   * soon after `attempt.signal` aborts. A per-attempt timeout (the task's `timeout`) is the driver's; retries
   * and records are the engine's.
   */
  execute(step: StepNode, attempt: Attempt): Promise<StepOutcome>;
  /**
   * Runs the step's checks on its output as stored, writing nothing: what a run does when only the checks
   * changed. Resolves with the results; rejects with CHECK_FAILED (carrying them) when a blocking check fails.
   * A driver without it reruns such a step.
   */
  recheck?(step: StepNode, signal: AbortSignal): Promise<readonly CheckResult[]>;
  /** The record fields of a step that failed with `error` (thrown by `evaluate` or the last `execute`). */
  failure(step: StepNode, error: unknown): StepFailure;
}
