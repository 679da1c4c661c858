import type { LambdaNodeRuntime } from "./aws-releases.js";
import type { CheckNode } from "./checks.js";
import type { Format } from "./formats.js";
import type { ParamSpecs } from "./params.js";
import type { PartitionScheme } from "./partitions.js";
import type { Schema } from "./schema.js";
import type { SourceLocation } from "./source-location.js";
import { canonicalJson, shortHash } from "./stable-id.js";

/**
 * The lineage graph is plain, frozen data: these node types are what every interpreter walks.
 * Ids derive from names and locations, never from randomness, so Terraform addresses, fingerprints and
 * run records stay stable between runs.
 */

/** Where a provider keeps its buckets. */
export type ProviderNode =
  | {
      readonly kind: "provider";
      readonly cloud: "aws";
      readonly region: string;
      readonly accountId?: string;
      readonly tags: Readonly<Record<string, string>>;
    }
  | { readonly kind: "provider"; readonly cloud: "local"; readonly basePath: string };

/** Runs a task in the orchestrating process. */
export interface LocalExecutorNode {
  readonly kind: "local";
  readonly id: string;
}

/** AWS Lambda. Sizes in MB, times in seconds. */
export interface ServerlessExecutorNode {
  readonly kind: "serverless";
  readonly id: string;
  readonly memory: number;
  readonly timeout: number;
  readonly ephemeralStorage: number;
  readonly architecture: "x86_64" | "arm64";
  readonly environment: Readonly<Record<string, string>>;
  readonly reservedConcurrency?: number;
  /** Lambda's Node.js runtime, e.g. `"nodejs24.x"`. */
  readonly runtime: LambdaNodeRuntime;
}

/** One EMR Serverless worker size: vCPUs and memory in GB. */
export interface WorkerSize {
  readonly cpu: number;
  readonly memory: number;
}

/** EMR Serverless (Spark). */
export interface SparkExecutorNode {
  readonly kind: "spark";
  readonly id: string;
  readonly workers: number;
  readonly driver: WorkerSize;
  readonly executor: WorkerSize;
  readonly releaseLabel: string;
}

/**
 * ECS on Fargate: the same Polars task as a serverless one, on a machine larger than Lambda. CPU in vCPU,
 * memory in GB, storage in GiB, timeout in seconds.
 */
export interface ContainerExecutorNode {
  readonly kind: "container";
  readonly id: string;
  /** vCPU: 0.25, 0.5, 1, 2, 4, 8 or 16. */
  readonly cpu: number;
  /** GB, within Fargate's range for `cpu`. */
  readonly memory: number;
  /** Task storage in GiB, 20–200 (20 is Fargate's default). */
  readonly ephemeralStorage: number;
  readonly architecture: "x86_64" | "arm64";
  /** Seconds before the task is stopped. */
  readonly timeout: number;
}

export type ExecutorNode =
  LocalExecutorNode | ServerlessExecutorNode | SparkExecutorNode | ContainerExecutorNode;
export type ExecutorKind = ExecutorNode["kind"];

/** A storage location: one file, a glob, or a directory dataset. */
export interface BucketNode {
  readonly kind: "bucket";
  /** `<bucket>/<path>`: stable, unique per provider location. */
  readonly id: string;
  readonly bucket: string;
  readonly path: string;
  readonly format: Format;
  /** True for a glob or a directory (trailing `/`): many files. */
  readonly dataset: boolean;
  /** `s3://<bucket>/<path>` for aws; `<basePath>/<bucket>/<path>` for local. The graph's key. */
  readonly location: string;
  readonly provider: ProviderNode;
  readonly schema?: Schema;
  /** Owned elsewhere: referenced, never created, by generated infrastructure. */
  readonly external: boolean;
  /** Declared size of the data, used by `analyze --offline` when storage is not read. */
  readonly expectedSize?: ExpectedSize;
  /** The KMS key (ARN) encrypting the data (SSE-KMS); absent for SSE-S3 or local storage. */
  readonly kmsKeyArn?: string;
  /** Checks every step writing here runs on its result before committing it (`provider.bucket({ checks })`). */
  readonly checks?: readonly CheckNode[];
  /** The partition scheme, when the path holds a `{key}` placeholder (`partitions: daily({ start })`). */
  readonly partitions?: PartitionScheme;
  /**
   * The scheme of the partitioned bucket whose every partition this glob reads (an aggregate's input, made by
   * `allPartitionsBucket`). Its key is in the paths, not the data: readers add no column for it (no hive
   * partitioning), whatever the layout (`day={day}/`, `{day}/`, `{day}.parquet`).
   */
  readonly allPartitionsOf?: PartitionScheme;
}

/** The declared size of a bucket's data: bytes, rows, or both. */
export interface ExpectedSize {
  readonly bytes?: number;
  readonly rows?: number;
}

/**
 * A transform task. `fn` is the user's function (absent for SQL tasks); JSON serialisation drops it and
 * keeps `codeHash` (the hash of its text) and `definedAt` (where it is written), from which interpreters
 * fingerprint the code the task can reach.
 */
export interface TaskNode {
  readonly kind: "task";
  readonly name: string;
  readonly description?: string;
  readonly executor: ExecutorNode;
  readonly language: "polars" | "sql";
  /** The query of a SQL task. */
  readonly sql?: string;
  /**
   * The task's named inputs when known (declared in options, or read from a destructured first parameter);
   * `null` when the task takes one frame, or its shape cannot be known (SQL, a plain parameter).
   */
  readonly inputs: readonly string[] | null;
  readonly retries: number;
  /** Seconds; an interpreter stops the task after this long. */
  readonly timeout?: number;
  readonly params: ParamSpecs;
  /**
   * sha256 prefix of the function's text (as the loader compiled it) or of the SQL text. Shown by `visualize`;
   * incremental runs fingerprint the code the task reaches from {@link definedAt} instead, and fall back to this
   * hash only when that location cannot be read.
   */
  readonly codeHash: string;
  /**
   * The user's version of the task's code (`codeVersion` option): part of every run's fingerprint, for what the
   * code fingerprint cannot see (environment variables, the clock, files read at run time).
   */
  readonly codeVersion?: string;
  /** Where `executor.task(` / `executor.sql(` was called; absent when no stack frame outside Glacier had a file. */
  readonly definedAt?: SourceLocation;
  readonly fn?: (input: never, ctx: never) => unknown;
}

/** What a step reads: one bucket, or named buckets from `Pipeline({...})`. */
export type StepInput =
  | { readonly kind: "single"; readonly bucket: BucketNode }
  | { readonly kind: "multi"; readonly buckets: Readonly<Record<string, BucketNode>> };

/** One `.transform(task).to(bucket)`. */
export interface StepNode {
  readonly kind: "step";
  /** `<task name>-><output bucket id>`: stable while the task name and output location are. */
  readonly id: string;
  /** The task's name. */
  readonly name: string;
  readonly task: TaskNode;
  readonly input: StepInput;
  readonly output: BucketNode;
  /** Where `.to(` was called: the module whose exports carry this step. Never part of an id or key. */
  readonly definedAt?: SourceLocation;
  /** Checks on this step's result (a produced bucket's `.check(…)`), run before its output's own. */
  readonly checks?: readonly CheckNode[];
  /** Set on the units of a partitioned run (`LineageGraph.forPartitions`): which partition this one is. */
  readonly partition?: PartitionUnit;
}

/**
 * One unit of a partitioned run: a step for one partition key (`key`), or a step reading every partition of
 * its partitioned inputs (`key: null`, an aggregate), with the step it was expanded from.
 */
export interface PartitionUnit {
  /** The partition key (`2026-12-01`); null for a step that reads every partition. */
  readonly key: string | null;
  /** The id of the declared step (with its `{day}` placeholder). */
  readonly stepId: string;
  /** The declared step's name (the task's name). */
  readonly stepName: string;
  /** Locations of the partition units this step reads whole (an aggregate's upstream units). */
  readonly after: readonly string[];
}

/** A named pipeline: the target bucket whose lineage it is. */
export interface PipelineNode {
  readonly kind: "pipeline";
  readonly name: string;
  readonly description?: string;
  /** Step ids of the pipeline, upstream included, in execution order. */
  readonly steps: readonly string[];
  readonly target: BucketNode;
  /** EventBridge Scheduler expression from `withSchedule`. */
  readonly schedule?: string;
  /**
   * The partitions a scheduled run processes, from `withSchedule`'s `partition` option, as the execution input
   * names them: `"latest"`, or `"latest-<n>"` for n periods before it (absent: `["latest"]`).
   */
  readonly scheduledPartitions?: readonly string[];
}

/** The buckets of a step input, with their keys (`"input"` for a single source: the SQL table name too). */
export function inputBuckets(input: StepInput): readonly (readonly [string, BucketNode])[] {
  return input.kind === "single" ? [["input", input.bucket]] : Object.entries(input.buckets);
}

/** The buckets a step reads, with their input keys. */
export function stepInputs(step: StepNode): readonly (readonly [string, BucketNode])[] {
  return inputBuckets(step.input);
}

/**
 * A step's identity: equal for the same task definition (code, executor, retries, timeout, params …) reading
 * the same locations into the same output. Steps with equal keys are one step recorded twice; a task defined
 * twice with different options is two steps, so the graph reports both as writers instead of keeping one.
 */
export function stepKey(step: StepNode): string {
  const known = stepKeys.get(step);
  if (known !== undefined) return known;
  const inputs = stepInputs(step).map(([key, bucket]) => `${key}=${bucket.location}`);
  // JSON drops the task's function; its source is represented by codeHash. Where the task is written is not
  // what it is: moving a definition to another line must not turn one step into two writers.
  const task = { ...step.task, definedAt: undefined };
  // A step's checks are part of what it is: one step recorded with and without a check is two writers.
  const checks = step.checks === undefined ? "" : `|${shortHash(canonicalJson(step.checks), 16)}`;
  const key = `${step.id}|${shortHash(canonicalJson(task), 16)}|${inputs.join(",")}${checks}`;
  stepKeys.set(step, key);
  return key;
}

/** Steps are frozen, so a key computed once stays right; graphs ask for it many times. */
const stepKeys = new WeakMap<StepNode, string>();
