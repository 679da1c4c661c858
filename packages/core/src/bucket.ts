import { BUCKET_BRAND, isBucketLike } from "./bucket-brand.js";
import { checkList, type CheckNode } from "./checks.js";
import { GlacierError } from "./errors.js";
import { LineageGraph } from "./lineage-graph.js";
import type { BucketNode, StepInput, StepNode } from "./nodes.js";
import { stepPartitioning } from "./partition-steps.js";
import { inputBuckets, stepKey } from "./nodes.js";
import { deepFreeze } from "./stable-id.js";
import {
  runGraph,
  type DoneOf,
  type Interpreter,
  type PlanOf,
  type RunMode,
  type RunOptionsFor,
  type RunResults,
} from "./run.js";
import { checkSchedule, checkScheduleOptions, type ScheduleOptions } from "./schedule.js";
import { callerLocation } from "./source-location.js";
import type { Task } from "./task.js";
import type { MatchingPartitions, SingleSourceTask } from "./type-checks.js";
import type { PartitionKind } from "./partitions.js";

/** Phantom key carrying a bucket's partition kind for the type checker; never set at run time. */
declare const PARTITION_KIND: unique symbol;
import type { VisualizeFormat } from "./visualize/visualize.js";
import { visualize } from "./visualize/visualize.js";

export { createBucketNode, type BucketOptions } from "./bucket-node.js";

/** A pipeline's name and description, set by `withName`. */
export interface PipelineInfo {
  readonly name: string;
  readonly description?: string;
  /** EventBridge Scheduler expression set by `withSchedule`: `generate` starts the pipeline on it. */
  readonly schedule?: string;
  /** The partitions a scheduled run processes (`withSchedule`'s `partition` option), as relative keys. */
  readonly scheduledPartitions?: readonly string[];
}

/** True for a Bucket from any copy of `@glacier/core` (a user module and the CLI may load two). */
export function isBucket(value: unknown): value is Bucket {
  return isBucketLike(value);
}

/** Unites lineages, keeping first-recorded order and dropping repeats of the same step. */
function mergeLineage(...lineages: readonly (readonly StepNode[])[]): readonly StepNode[] {
  const seen = new Map<string, StepNode>();
  for (const lineage of lineages)
    for (const step of lineage) if (!seen.has(stepKey(step))) seen.set(stepKey(step), step);
  return Object.freeze([...seen.values()]);
}

const PIPELINE_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/**
 * A storage location, and — once produced by `.transform(task).to(bucket)` — the lineage that produces it.
 * Every method returns a new Bucket: values are never changed, so branching is safe.
 *
 * @example
 * ```ts
 * const report = raw.transform(clean).to(cleaned).transform(daily).to(daily_report).withName("sales");
 * report.lineage.map((s) => s.id);
 * // ["clean->acme-data/clean/sales.parquet", "daily->acme-data/reports/daily.parquet"]
 * report.visualize();
 * // graph LR
 * //   b_acme_data_raw_sales_parquet[("acme-data/raw/sales.parquet")] --> s_clean["clean · serverless"] …
 * ```
 */
export class Bucket<P extends PartitionKind | null = PartitionKind | null> {
  /** The bucket's partition kind, for type checks only (`null`: unpartitioned; every kind: not known). */
  declare readonly [PARTITION_KIND]?: P;
  readonly #node: BucketNode;
  readonly #lineage: readonly StepNode[];
  readonly #pipeline: PipelineInfo | undefined;

  private constructor(node: BucketNode, lineage: readonly StepNode[], pipeline: PipelineInfo | undefined) {
    this.#node = node;
    this.#lineage = lineage;
    this.#pipeline = pipeline;
    Object.defineProperty(this, BUCKET_BRAND, { value: true });
    Object.freeze(this);
  }

  /** @internal */
  static fromNode(node: BucketNode, lineage: readonly StepNode[] = [], pipeline?: PipelineInfo): Bucket {
    return new Bucket(node, Object.freeze([...lineage]), pipeline);
  }

  /** The storage node: id, location, format, schema. */
  get node(): BucketNode {
    return this.#node;
  }
  get id(): string {
    return this.#node.id;
  }
  /** `s3://bucket/path` or `<basePath>/<bucket>/<path>`. */
  get location(): string {
    return this.#node.location;
  }
  /** The steps that produce this bucket, upstream first. Empty for a source bucket. */
  get lineage(): readonly StepNode[] {
    return this.#lineage;
  }
  /** Set by `withName`. */
  get pipeline(): PipelineInfo | undefined {
    return this.#pipeline;
  }

  /**
   * Starts a step reading this bucket. Finish it with `.to(target)`.
   *
   * TypeScript rejects a multi-source task here; at run time a task whose input names are known is rejected
   * with `INPUT_MISMATCH`.
   */
  transform<I, TP>(task: Task<I, TP> & SingleSourceTask<I>): PendingTransform<P> {
    checkTask(task);
    // Declared inputs make any task multi-source, SQL included: its query reads tables named by them.
    if (task.inputs !== null) {
      throw new GlacierError(
        "INPUT_MISMATCH",
        `the task takes named inputs { ${task.inputs.join(", ")} } but was given the single bucket "${this.id}".`,
        {
          subject: { kind: "task", name: task.name },
          hint: `Use Pipeline({ ${task.inputs.join(", ")} }).transform(${task.name}).to(…), or give the task one frame parameter.`,
        },
      );
    }
    return new PendingTransform(task, { kind: "single", bucket: this.#node }, this.#lineage);
  }

  /**
   * Names the pipeline whose target this bucket is (`glacier run --pipeline NAME`).
   *
   * @example
   * ```ts
   * raw.transform(clean).to(cleaned).withName("sales", "Daily sales ETL").pipeline
   * // { name: "sales", description: "Daily sales ETL" }
   * ```
   */
  withName(name: string, description?: string): Bucket<P> {
    if (typeof name !== "string" || !PIPELINE_NAME.test(name)) {
      throw new GlacierError("INVALID_NAME", `pipeline name ${JSON.stringify(name)} is not valid.`, {
        subject: { kind: "bucket", name: this.id },
        hint: "Use a letter first, then letters, digits, _ or -, at most 64 characters.",
      });
    }
    return new Bucket<P>(this.#node, this.#lineage, {
      name,
      ...(description === undefined ? {} : { description }),
      ...(this.#pipeline?.schedule === undefined ? {} : { schedule: this.#pipeline.schedule }),
      ...(this.#pipeline?.scheduledPartitions === undefined
        ? {}
        : { scheduledPartitions: this.#pipeline.scheduledPartitions }),
    });
  }

  /**
   * Runs the named pipeline on a schedule when deployed: `generate` creates an EventBridge Scheduler schedule
   * that starts its state machine. Takes `rate(…)` or six-field `cron(…)` expressions (UTC).
   *
   * A partitioned pipeline's scheduled run processes its scheme's latest partition (today, for a daily
   * scheme); `partition` says which instead: `"previous"` (yesterday — what a daily job at 06:00 usually
   * wants), `{ lag: n }` (n periods back), `{ lag: n, count: m }` (m partitions ending n periods back, e.g. to
   * pick up late data). Each is resolved when the execution's function runs.
   *
   * @example
   * ```ts
   * raw.transform(clean).to(cleaned).withName("sales").withSchedule("cron(0 6 * * ? *)").pipeline
   * // { name: "sales", schedule: "cron(0 6 * * ? *)" }
   * // generate → aws_scheduler_schedule { schedule_expression = "cron(0 6 * * ? *)" }
   *
   * events.transform(check).to(checked).withName("daily").withSchedule("cron(0 6 * * ? *)", { partition: "previous" })
   * // generate → aws_scheduler_schedule { target.input = '{"params":{},"partitions":["latest-1"]}' }
   * ```
   */
  withSchedule(expression: string, options?: ScheduleOptions): Bucket<P> {
    if (this.#pipeline === undefined) {
      throw new GlacierError("INVALID_OPTION", "withSchedule() needs a named pipeline.", {
        subject: { kind: "bucket", name: this.id },
        hint: `Name it first, so the schedule's name stays stable: .withName("sales").withSchedule("rate(1 day)").`,
      });
    }
    const subject = { kind: "pipeline", name: this.#pipeline.name } as const;
    const schedule = checkSchedule(expression, subject);
    const scheduledPartitions = checkScheduleOptions(options, this.#lineage, subject);
    const { scheduledPartitions: _earlier, ...pipeline } = this.#pipeline;
    return new Bucket<P>(this.#node, this.#lineage, {
      ...pipeline,
      schedule,
      ...(scheduledPartitions === undefined ? {} : { scheduledPartitions }),
    });
  }

  /**
   * Adds data checks. On a bucket a step produced (`.to(…).check(…)`) they belong to that step: they run on
   * its result before it is committed. On a declared bucket they belong to the location: every step writing
   * it runs them (then declare it once with them, e.g. `provider.bucket({ …, checks })`).
   *
   * @example
   * ```ts
   * raw.transform(clean).to(cleaned).check(check.notNull("id"), check.rowCount({ min: 1 }, { severity: "warn" }))
   * // the step clean->acme-data/clean/sales.parquet carries checks ["not_null(id)", "row_count"]
   * ```
   */
  check(...checks: readonly CheckNode[]): Bucket {
    const producer = this.#lineage.findLast((step) => step.output.location === this.#node.location);
    const subject = producer
      ? ({ kind: "step", name: producer.name } as const)
      : ({ kind: "bucket", name: this.id } as const);
    if (checks.length === 0) {
      throw new GlacierError("INVALID_OPTION", "check() needs at least one check.", {
        subject,
        hint: 'Write .check(check.notNull("id")).',
      });
    }
    if (!producer) {
      const all = checkList([...(this.#node.checks ?? []), ...checks], subject, this.#node.schema);
      return new Bucket(deepFreeze({ ...this.#node, checks: all }), this.#lineage, this.#pipeline);
    }
    const own = checkList([...(producer.checks ?? []), ...checks], subject, this.#node.schema);
    checkList([...own, ...(producer.output.checks ?? [])], subject);
    const step: StepNode = deepFreeze({ ...producer, checks: own });
    return new Bucket(
      this.#node,
      this.#lineage.map((s) => (s === producer ? step : s)),
      this.#pipeline,
    );
  }

  /** The lineage graph of this bucket: the steps that produce it. */
  graph(): LineageGraph {
    return LineageGraph.from(this);
  }

  /**
   * Renders the lineage: Mermaid (default), DOT, JSON or plain text.
   *
   * @example
   * ```ts
   * report.visualize("text");
   * // pipeline sales: 2 steps
   * //   1. clean [serverless]  acme-data/raw/sales.parquet → acme-data/clean/sales.parquet
   * ```
   */
  visualize(format: VisualizeFormat = "mermaid"): string {
    return visualize(this.graph(), format);
  }

  /**
   * Runs, generates or analyses this bucket's lineage through {@link runGraph}. Pass the mode's interpreter
   * (`import * as local from "@glacier/local"`) to get its own result type; without one, the mode's package
   * is found where the project installed it (`local` → `@glacier/local`, `cloud` → `@glacier/aws`,
   * `generate` → `@glacier/terraform`, `analyze` → `@glacier/analyze`). With `plan: true` a `local` or
   * `cloud` run resolves to a {@link RunPlan}: what would run and why.
   */
  run<M extends "local" | "cloud", R = RunResults[M]>(
    options: RunOptionsFor<M> & { readonly plan: true },
    interpreter?: Interpreter<M, R>,
  ): Promise<PlanOf<R>>;
  run<M extends RunMode, R = RunResults[M]>(
    options: RunOptionsFor<M> & { readonly plan?: false },
    interpreter?: Interpreter<M, R>,
  ): Promise<DoneOf<R>>;
  run<M extends RunMode, R = RunResults[M]>(
    options: RunOptionsFor<M>,
    interpreter?: Interpreter<M, R>,
  ): Promise<R>;
  run<M extends RunMode, R>(options: RunOptionsFor<M>, interpreter?: Interpreter<M, R>): Promise<R> {
    if (this.#lineage.length === 0) {
      return Promise.reject(
        new GlacierError("NO_LINEAGE", "this bucket has no lineage, so there is nothing to run.", {
          subject: { kind: "bucket", name: this.id },
          hint: "Run a bucket produced by .transform(task).to(bucket).",
        }),
      );
    }
    return runGraph(this.graph(), options, interpreter);
  }

  /** Serialisable form: the node, the pipeline info and the lineage (task functions are dropped). */
  toJSON(): { node: BucketNode; pipeline?: PipelineInfo; lineage: readonly StepNode[] } {
    return {
      node: this.#node,
      ...(this.#pipeline ? { pipeline: this.#pipeline } : {}),
      lineage: this.#lineage,
    };
  }
}

function checkTask(task: unknown): asserts task is Task {
  const t = task as Task | null;
  if (typeof t !== "object" || t === null || t.kind !== "task") {
    throw new GlacierError(
      "INVALID_TASK",
      `transform() takes a task, got ${t === null ? "null" : typeof t}.`,
      {
        hint: "Create tasks with executor.task(fn) or executor.sql(name, query).",
      },
    );
  }
}

/**
 * A `.transform(task)` waiting for its target. `.to(bucket)` records the step and returns a new Bucket.
 */
export class PendingTransform<P extends PartitionKind | null = PartitionKind | null> {
  /** The input's partition kind, for type checks only. */
  declare readonly [PARTITION_KIND]?: P;
  readonly #task: Task;
  readonly #input: StepInput;
  readonly #upstream: readonly StepNode[];

  /** @internal */
  constructor(task: Task, input: StepInput, upstream: readonly StepNode[]) {
    this.#task = task;
    this.#input = input;
    this.#upstream = upstream;
    Object.freeze(this);
  }

  /**
   * Materialises the step into `target`. Returns a **new** Bucket carrying the lineage; `target` itself is
   * unchanged.
   *
   * @example
   * ```ts
   * const cleanedWithLineage = raw.transform(clean).to(cleaned);
   * cleaned.lineage.length            // 0
   * cleanedWithLineage.lineage.length // 1
   * ```
   */
  to<Q extends PartitionKind | null>(target: Bucket<Q> & MatchingPartitions<P, Q>): Bucket<Q> {
    if (!isBucket(target)) {
      throw new GlacierError(
        "INVALID_TARGET",
        `.to() takes a bucket, got ${target === null ? "null" : typeof target}.`,
        {
          subject: { kind: "task", name: this.#task.name },
          hint: "Pass a bucket made by provider.bucket({ bucket, path }).",
        },
      );
    }
    const output = target.node;
    const subject = { kind: "bucket", name: output.id } as const;
    const written = output.partitions
      ? output.path.split(`{${output.partitions.key}}`).join("")
      : output.path;
    if (/[*?[{]/.test(written)) {
      throw new GlacierError(
        "INVALID_TARGET",
        `cannot write step "${this.#task.name}" to the glob "${output.path}".`,
        {
          subject,
          hint: `Write to one file (e.g. "clean/sales.parquet") or a directory dataset ending in "/".`,
        },
      );
    }
    for (const [key, input] of inputBuckets(this.#input)) {
      if (input.location === output.location) {
        throw new GlacierError(
          "CYCLE",
          `step "${this.#task.name}" reads and writes the same location${this.#input.kind === "multi" ? ` (input "${key}")` : ""}.`,
          {
            subject,
            hint: "Write the result to another bucket path.",
          },
        );
      }
    }
    stepPartitioning(this.#task.name, this.#input, output);
    const definedAt = callerLocation();
    // Deep: the input record is part of the step, and recorded lineage must not change afterwards.
    const step: StepNode = deepFreeze({
      kind: "step",
      id: `${this.#task.name}->${output.id}`,
      name: this.#task.name,
      task: this.#task,
      input: this.#input,
      output,
      ...(definedAt === undefined ? {} : { definedAt }),
    });
    return Bucket.fromNode(output, mergeLineage(this.#upstream, target.lineage, [step])) as Bucket<Q>;
  }
}

/** @internal Used by `Pipeline` to merge its inputs' lineages. */
export { mergeLineage };
