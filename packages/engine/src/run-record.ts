import type { CheckResult, GlacierErrorCode, ParamValue, RunMode, StepResult } from "@glacier/core";
import type { ColumnLineage } from "./openlineage/sql-column-lineage.js";

/** The modes that run steps, each through its own step driver; a run record says which ran it. */
export type ExecutorMode = Extract<RunMode, "local" | "cloud">;

/**
 * Why a step ran, was skipped or did not run — the same words in local and cloud runs.
 *
 * - decided before it runs: `never ran`, `code changed`, `options changed`, `parameters changed`,
 *   `input changed`, `output missing`, `output changed` (its content is not what the step wrote), `forced`,
 *   `upstream will run` (plan mode: an input is about to be rewritten), `resumed` (rerun, or skipped, as the
 *   resumed run left it), `up to date`;
 * - decided by what happened around it: `upstream failed`, `cancelled` (Ctrl-C, or another step failed with
 *   fail-fast);
 * - `state machine`: a cloud step run inside a Step Functions execution, which decides nothing.
 */
export type StepReason =
  | "never ran"
  | "failed last time"
  | "code changed"
  | "options changed"
  | "parameters changed"
  | "input changed"
  | "checks changed"
  | "output missing"
  | "output changed"
  | "forced"
  | "upstream will run"
  | "resumed"
  | "up to date"
  | "upstream failed"
  | "cancelled"
  | "state machine";

/**
 * What a step's output depends on. Equal components mean an equal output, so the step can be skipped. Each
 * step driver computes them its own way (local: content hashes of files; cloud: S3 ETags):
 *
 * - `code`: the task's code hash (function source or SQL text) and language;
 * - `options`: everything else that shapes the output: input and output locations, formats and schemas, and
 *   the executor's own settings (the local writer settings and polars version; where a cloud step runs);
 * - `params`: the values of the parameters the task declared;
 * - `inputs`: the content fingerprint of each input.
 */
export interface StepComponents {
  /** The task's code fingerprint: what its function can reach, or its SQL text. */
  readonly code: string;
  /** The task's `codeVersion` option, when set: values the code reads at run time, versioned by hand. */
  readonly codeVersion?: string;
  readonly options: string;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly inputs: Readonly<Record<string, string>>;
  /**
   * A hash of the step's data checks (its own and its output bucket's), absent when it declares none. A
   * change alone does not rerun the task: the checks run on the stored output (see `decide`).
   */
  readonly checks?: string;
}

/** Where a cloud step ran: a Lambda function, an EMR Serverless job run, or the process of the run. */
export type CloudRunsOn = "lambda" | "emr" | "ecs" | "in-process";

/**
 * Something a step's user should know that is neither its status nor an error: so far, that a local step ran
 * on the main thread because polars could not serialise its plan, with the rewrite that lets it run in a worker.
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

/** Fields only cloud steps have. */
export interface CloudStepFields {
  readonly runsOn: CloudRunsOn;
  /** The Lambda function or EMR Serverless application that ran it. */
  readonly resource: string;
  /** Where its logs are: a CloudWatch log group (and stream), or the S3 prefix of a Spark job's logs. */
  readonly logs: string;
  readonly jobRunId: string;
}

/** One step in a run record: its result plus what decided it. Local and cloud steps share it. */
export interface StepRecord extends StepResult, Partial<CloudStepFields> {
  readonly reason?: StepReason;
  /** Where the step writes. */
  readonly output: string;
  readonly fingerprint?: string;
  readonly components?: StepComponents;
  readonly outputFingerprint?: string;
  /** The partition key of a per-partition step's unit (`2026-12-01`). */
  readonly partition?: string;
  readonly attempts?: number;
  /**
   * The most memory the step was seen to add to the run's process while it ran (bytes; local steps). An estimate:
   * steps running beside it count too (too high), and memory an earlier step freed but the allocator kept is
   * reused unseen (too low). Next run admits the step against it.
   */
  readonly peakMemoryBytes?: number;
  /** The GlacierError code of a failed step. */
  readonly code?: GlacierErrorCode;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  /** What the user should know about how the step ran (absent when nothing). */
  readonly notes?: readonly StepNote[];
  /**
   * The step's data checks on its result, in declaration order (absent when it declares none, or did not get
   * as far as checking). A failed blocking check is why a `CHECK_FAILED` step failed; failed `warn` checks are
   * kept on a succeeded step.
   */
  readonly checks?: readonly CheckResult[];
  /** The committed output's columns and their Polars types (as read back before the commit). */
  readonly outputSchema?: Readonly<Record<string, string>>;
  /**
   * The column lineage of a Polars task, derived from the plan it returned (absent when it could not be
   * derived for certain, and for SQL steps, whose lineage the OpenLineage events derive from the query).
   */
  readonly columnLineage?: ColumnLineage;
}

/**
 * A run's status: `cancelled` is a run stopped on purpose (Ctrl-C, SIGTERM) that cleaned up after itself;
 * `interrupted` is a run whose process died before it finished (SIGKILL, a crash, a power cut).
 */
export type RunStatus = "running" | "succeeded" | "failed" | "cancelled" | "interrupted";

/** The options a run was started with. */
export interface RunRecordOptions {
  readonly force: boolean;
  readonly failFast: boolean;
  readonly concurrency: number;
  /** Local runs: S3 buckets mapped to this directory. */
  readonly localStorage?: string;
  /**
   * Local runs: the memory budget steps were admitted against (bytes); with `memoryPolicy: "largest-step"`,
   * its upper limit (the budget itself, the largest step's expected peak plus a slack, is in the run log).
   */
  readonly memoryBudget?: number;
  /** Local runs given neither a memory budget nor a concurrency: the default admission policy. */
  readonly memoryPolicy?: "largest-step";
  /** Local low-memory mode: the Polars settings it asked for (the run log says which the environment overrode). */
  readonly lowMemory?: Readonly<Record<string, string>>;
  /** `--partition` as given (a key or `a..b`). */
  readonly partition?: string;
  /** The partition keys the run covered (a partitioned graph): what `--resume` runs again. */
  readonly partitionKeys?: readonly string[];
}

/** Fields only cloud runs have. */
export interface CloudRunFields {
  readonly via: "direct" | "stepfunctions";
  readonly region: string;
  readonly accountId: string;
  /** `s3://<artefacts bucket>/_glacier/runs/<id>.json`: the copy of this record in the artefacts bucket. */
  readonly artefact: string;
}

/**
 * `.glacier/runs/<runId>/run.json`, written by {@link RunRecorder} for local and cloud runs alike. Records
 * written before `mode` existed are local runs ({@link readRun} fills it in).
 */
export interface RunRecord extends Partial<CloudRunFields> {
  readonly version: 1;
  readonly mode: ExecutorMode;
  readonly runId: string;
  readonly status: RunStatus;
  readonly startedAt: string;
  readonly finishedAt?: string;
  readonly durationMs?: number;
  readonly pid: number;
  readonly host: string;
  /** The process's start time (`/proc/<pid>/stat` field 22): a recycled pid is not this run. Linux only. */
  readonly startTicks?: string;
  /** The boot the process ran in (`/proc/sys/kernel/random/boot_id`). Linux only. */
  readonly bootId?: string;
  readonly pipeline?: string;
  /** The run this one resumed. */
  readonly resumeOf?: string;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly options: RunRecordOptions;
  /** In execution order. */
  readonly steps: readonly StepRecord[];
  /** The JSON-lines log beside this record. */
  readonly logPath: string;
}

/** What a run's result carries: core's RunResult with each step's full record. */
export interface RecordedRunResult {
  readonly runId: string;
  readonly status: "succeeded" | "failed" | "cancelled";
  readonly steps: readonly StepRecord[];
  readonly recordPath?: string;
}
