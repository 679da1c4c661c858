import type { Bucket, PipelineInfo } from "./bucket.js";
import { isBucketLike } from "./bucket-brand.js";
import { checkJson, stepChecks, type CheckJson } from "./checks.js";
import { GlacierError } from "./errors.js";
import { executorRuleProblem } from "./executor-rules.js";
import { overlapProblems } from "./location-overlap.js";
import { partitionUnits, stepPartitioning } from "./partition-steps.js";
import type { PartitionScheme } from "./partitions.js";
import type { Format } from "./formats.js";
import {
  type BucketNode,
  type ExecutorNode,
  type ExpectedSize,
  type PipelineNode,
  type ProviderNode,
  type StepNode,
  type TaskNode,
  stepInputs,
  stepKey,
} from "./nodes.js";
import type { ParamSpecs } from "./params.js";
import type { Schema } from "./schema.js";
import type { SourceLocation } from "./source-location.js";
import { canonicalJson, deepFreeze } from "./stable-id.js";

/**
 * What `LineageGraph.from` accepts: one bucket, several, or a module's exports by name. A module also
 * exports providers, tasks and constants: values that are not buckets are ignored.
 */
export type GraphTargets = Bucket | Iterable<Bucket> | Readonly<Record<string, unknown>>;

/** What a pipeline is made from: a target bucket node, the steps producing it and its name. A Bucket is one. */
interface PipelineTarget {
  readonly node: BucketNode;
  readonly lineage: readonly StepNode[];
  readonly pipeline?: PipelineInfo | undefined;
  readonly id: string;
}

/** A reference to a step: the node, its id, or its name when unique. */
export type StepRef = StepNode | string;

function isIterable(value: unknown): value is Iterable<unknown> {
  return typeof value === "object" && value !== null && Symbol.iterator in value;
}

function byId<T extends { readonly id: string }>(a: T, b: T): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function sameDeclaration(a: BucketNode, b: BucketNode): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/**
 * All pipelines of a module or project as **one graph keyed by storage location**: a bucket produced by one
 * pipeline and read by another connects them, so `executionOrder()` runs stages in the right order without
 * being told.
 *
 * @example
 * ```ts
 * const graph = LineageGraph.from({ cleaning, enrichment, analytics }).validate();
 * graph.executionLevels().map((level) => level.map((s) => s.name));
 * // [["clean_orders", "clean_customers"], ["join"], ["regional", "product"]]
 * ```
 */
export class LineageGraph {
  readonly pipelines: readonly PipelineNode[];
  /** Every distinct step, sorted by id. */
  readonly steps: readonly StepNode[];
  /** Every distinct bucket (by location), sorted by id. */
  readonly buckets: readonly BucketNode[];
  readonly #producers = new Map<string, StepNode[]>();
  readonly #consumers = new Map<string, StepNode[]>();
  readonly #bucketDeclarations = new Map<string, BucketNode[]>();
  readonly #duplicatePipelines: string[] = [];
  /** Locations an aggregate unit reads as every partition, written during the run by the units it follows. */
  readonly #gathered = new Set<string>();
  #order: { readonly order: readonly StepNode[]; readonly cycle: readonly StepNode[] | null } | undefined;

  private constructor(targets: readonly (readonly [string | undefined, PipelineTarget])[]) {
    const steps = new Map<string, StepNode>();
    for (const [, bucket] of targets)
      for (const step of bucket.lineage) if (!steps.has(stepKey(step))) steps.set(stepKey(step), step);
    this.steps = Object.freeze([...steps.values()].sort(byId));
    for (const step of this.steps) {
      this.#declare(step.output);
      push(this.#producers, step.output.location, step);
      // A self-join reads one location under two keys: it is still one consumer of that location.
      const read = new Set<string>();
      for (const [, input] of stepInputs(step)) {
        this.#declare(input);
        if (!read.has(input.location)) push(this.#consumers, input.location, step);
        read.add(input.location);
        if ((step.partition?.after.length ?? 0) > 0 && input.dataset) this.#gathered.add(input.location);
      }
      for (const location of step.partition?.after ?? []) push(this.#consumers, location, step);
    }
    for (const [, bucket] of targets) this.#declare(bucket.node);
    this.buckets = Object.freeze(
      [...this.#bucketDeclarations.values()].map((nodes) => nodes[0] as BucketNode).sort(byId),
    );

    // Name → what the pipeline is; one bucket exported twice (`export default sales` next to
    // `export const sales`) is one pipeline, two different pipelines with one name are a problem.
    const names = new Map<string, string>();
    const pipelines: PipelineNode[] = [];
    for (const [key, bucket] of targets) {
      if (bucket.lineage.length === 0) continue;
      const name = bucket.pipeline?.name ?? key ?? bucket.id;
      const identity = [
        bucket.node.location,
        bucket.pipeline?.description ?? "",
        bucket.pipeline?.schedule ?? "",
        (bucket.pipeline?.scheduledPartitions ?? []).join(","),
        ...bucket.lineage.map(stepKey).sort(),
      ].join("\n");
      const seen = names.get(name);
      if (seen !== undefined) {
        if (seen !== identity && !this.#duplicatePipelines.includes(name))
          this.#duplicatePipelines.push(name);
        continue;
      }
      names.set(name, identity);
      const own = bucket.lineage.map((step) => steps.get(stepKey(step)) as StepNode);
      const needed = new Set(this.#upstreamClosure(own));
      pipelines.push(
        Object.freeze({
          kind: "pipeline",
          name,
          ...(bucket.pipeline?.description === undefined ? {} : { description: bucket.pipeline.description }),
          ...(bucket.pipeline?.schedule === undefined ? {} : { schedule: bucket.pipeline.schedule }),
          ...(bucket.pipeline?.scheduledPartitions === undefined
            ? {}
            : { scheduledPartitions: bucket.pipeline.scheduledPartitions }),
          steps: Object.freeze(
            this.#ordered()
              .order.filter((s) => needed.has(s))
              .map((s) => s.id),
          ),
          target: bucket.node,
        }),
      );
    }
    this.pipelines = Object.freeze(
      pipelines.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    );
    Object.freeze(this);
  }

  /**
   * Builds the graph of the given pipelines. A record's keys name pipelines that were not `withName`d
   * (a module's export names); buckets without lineage are storage only and add no pipeline.
   */
  static from(targets: GraphTargets): LineageGraph {
    const isOne = (value: unknown): value is Bucket => isBucketLike(value);
    if (isOne(targets)) return new LineageGraph([[undefined, targets]]);
    if (isIterable(targets)) {
      return new LineageGraph([...targets].filter(isOne).map((b) => [undefined, b] as const));
    }
    return new LineageGraph(
      Object.entries(targets).filter((entry): entry is [string, Bucket] => isOne(entry[1])),
    );
  }

  #declare(node: BucketNode): void {
    const seen = this.#bucketDeclarations.get(node.location);
    if (!seen) this.#bucketDeclarations.set(node.location, [node]);
    else if (!seen.some((s) => sameDeclaration(s, node))) seen.push(node);
  }

  /**
   * Every problem that makes the graph unrunnable: two steps writing one location, a location inside another
   * where one of them is written (LOCATION_OVERLAP), cycles, a location declared twice with different options,
   * two pipelines with one name, a task its executor cannot run (see `EXECUTOR_RULES`).
   */
  problems(): readonly GlacierError[] {
    const problems: GlacierError[] = [];
    for (const [location, writers] of this.#producers) {
      if (writers.length > 1) {
        problems.push(
          new GlacierError(
            "DUPLICATE_WRITER",
            `${location} is written by ${writers.length} steps: ${describeWriters(writers)}.`,
            {
              subject: { kind: "bucket", name: (writers[0] as StepNode).output.id },
              hint: "Each location has one writer: send one of the steps to another bucket path.",
            },
          ),
        );
      }
    }
    problems.push(
      ...overlapProblems(
        this.buckets.map((bucket) => ({
          bucket,
          writers: this.#producers.get(bucket.location) ?? [],
          readers: this.#consumers.get(bucket.location) ?? [],
        })),
      ),
    );
    for (const step of this.steps) {
      try {
        stepPartitioning(step.name, step.input, step.output);
      } catch (error) {
        problems.push(error as GlacierError);
      }
    }
    const { cycle } = this.#ordered();
    if (cycle) {
      problems.push(
        new GlacierError(
          "CYCLE",
          `steps form a cycle: ${cycle.map((s) => `${s.name} → ${s.output.id}`).join(" → ")} → ${(cycle[0] as StepNode).name}.`,
          {
            subject: { kind: "step", name: (cycle[0] as StepNode).id },
            hint: "A step cannot depend on its own output: write one of them to a new bucket path.",
          },
        ),
      );
    }
    for (const [location, nodes] of this.#bucketDeclarations) {
      if (nodes.length > 1) {
        problems.push(
          new GlacierError(
            "INVALID_BUCKET",
            `${location} is declared ${nodes.length} times with different ${declarationDifference(nodes)}.`,
            {
              subject: { kind: "bucket", name: (nodes[0] as BucketNode).id },
              hint: "Declare each location once (one provider.bucket call) and reuse the value.",
            },
          ),
        );
      }
    }
    // The DSL refuses these when a task is defined; a graph built from nodes (another copy of core, JSON) may not.
    for (const step of this.steps) {
      const unrunnable = executorRuleProblem(step.task, { kind: "step", name: step.id });
      if (unrunnable) problems.push(unrunnable);
    }
    for (const name of this.#duplicatePipelines) {
      problems.push(
        new GlacierError("INVALID_NAME", "two pipelines have this name.", {
          subject: { kind: "pipeline", name },
          hint: "Give each pipeline its own withName(…).",
        }),
      );
    }
    return problems;
  }

  /** Throws the first of {@link problems}; returns the graph when there are none. */
  validate(): this {
    const [first] = this.problems();
    if (first) throw first;
    return this;
  }

  #ordered(): { readonly order: readonly StepNode[]; readonly cycle: readonly StepNode[] | null } {
    if (this.#order) return this.#order;
    const indegree = new Map<StepNode, number>();
    for (const step of this.steps) indegree.set(step, this.dependenciesOf(step).length);
    const ready = this.steps.filter((s) => indegree.get(s) === 0);
    const order: StepNode[] = [];
    while (ready.length > 0) {
      ready.sort(byId);
      const step = ready.shift() as StepNode;
      order.push(step);
      for (const consumer of this.consumersOf(step)) {
        const left = (indegree.get(consumer) ?? 0) - 1;
        indegree.set(consumer, left);
        if (left === 0) ready.push(consumer);
      }
    }
    const rest = this.steps.filter((s) => !order.includes(s));
    // The cache is set once, lazily; the graph's data is frozen.
    this.#order = {
      // Frozen: executionOrder() hands out this cached array, so a caller's .reverse() must not reorder it.
      order: Object.freeze([...order, ...rest]),
      cycle: rest.length > 0 ? this.#findCycle(new Set(rest)) : null,
    };
    return this.#order;
  }

  #findCycle(candidates: ReadonlySet<StepNode>): readonly StepNode[] {
    const [start] = [...candidates].sort(byId);
    const path: StepNode[] = [];
    let current = start as StepNode;
    while (!path.includes(current)) {
      path.push(current);
      current = this.dependenciesOf(current)
        .filter((d) => candidates.has(d))
        .sort(byId)[0] as StepNode;
    }
    return path.slice(path.indexOf(current)).reverse();
  }

  /** Steps in dependency order (ties by id, so the order is stable). Call {@link validate} first. */
  executionOrder(): readonly StepNode[] {
    this.#throwIfCyclic();
    return this.#ordered().order;
  }

  /** Steps grouped into levels that can run in parallel: level n depends only on levels before it. */
  executionLevels(): readonly (readonly StepNode[])[] {
    this.#throwIfCyclic();
    const level = new Map<StepNode, number>();
    const levels: StepNode[][] = [];
    for (const step of this.#ordered().order) {
      const n = Math.max(-1, ...this.dependenciesOf(step).map((d) => level.get(d) ?? 0)) + 1;
      level.set(step, n);
      (levels[n] ??= []).push(step);
    }
    return levels;
  }

  #throwIfCyclic(): void {
    const cyclic = this.problems().find((p) => p.code === "CYCLE");
    if (cyclic) throw cyclic;
  }

  /** Buckets read by some step and produced by none: the data a run needs to find. */
  sources(): readonly BucketNode[] {
    return this.buckets.filter(
      (b) =>
        this.#consumers.has(b.location) &&
        !this.#producers.has(b.location) &&
        !this.#gathered.has(b.location),
    );
  }

  /** Buckets produced by a step and read by none: the pipelines' results. */
  sinks(): readonly BucketNode[] {
    return this.buckets.filter((b) => this.#producers.has(b.location) && !this.#consumers.has(b.location));
  }

  /** The step with this id, or this name when one step has it. */
  step(ref: StepRef): StepNode {
    if (typeof ref !== "string") return ref;
    const byIdMatch = this.steps.find((s) => s.id === ref);
    if (byIdMatch) return byIdMatch;
    const named = this.steps.filter((s) => s.name === ref);
    if (named.length === 1) return named[0] as StepNode;
    throw new GlacierError(
      "UNKNOWN_STEP",
      named.length > 1 ? `${named.length} steps have this name.` : "no step has this name or id.",
      {
        subject: { kind: "step", name: ref },
        hint:
          named.length > 1
            ? `Use a step id: ${named.map((s) => s.id).join(", ")}.`
            : `Steps: ${[...new Set(this.steps.map((s) => s.name))].join(", ") || "(none)"}.`,
      },
    );
  }

  /** The pipeline with this name. */
  pipeline(name: string): PipelineNode {
    const found = this.pipelines.find((p) => p.name === name);
    if (found) return found;
    throw new GlacierError("UNKNOWN_PIPELINE", "no pipeline has this name.", {
      subject: { kind: "pipeline", name },
      hint: `Pipelines: ${this.pipelines.map((p) => p.name).join(", ") || "(none)"}.`,
    });
  }

  /** The step that writes a bucket (by node or location), if any. */
  producerOf(bucket: BucketNode | string): StepNode | undefined {
    return this.#producers.get(typeof bucket === "string" ? bucket : bucket.location)?.[0];
  }

  /** Steps whose outputs this step reads. */
  dependenciesOf(ref: StepRef): readonly StepNode[] {
    const step = this.step(ref);
    const deps = new Set<StepNode>();
    const reads = [...stepInputs(step).map(([, input]) => input.location), ...(step.partition?.after ?? [])];
    for (const location of reads) for (const p of this.#producers.get(location) ?? []) deps.add(p);
    return [...deps].sort(byId);
  }

  /** Steps that read this step's output. */
  consumersOf(ref: StepRef): readonly StepNode[] {
    const step = this.step(ref);
    return [...(this.#consumers.get(step.output.location) ?? [])].sort(byId);
  }

  #upstreamClosure(steps: readonly StepNode[]): readonly StepNode[] {
    const seen = new Set<StepNode>();
    const visit = (step: StepNode): void => {
      if (seen.has(step)) return;
      seen.add(step);
      for (const dep of this.dependenciesOf(step)) visit(dep);
    };
    steps.forEach(visit);
    return [...seen];
  }

  /** Every step that transitively reads this step's output. */
  downstreamOf(ref: StepRef): readonly StepNode[] {
    const seen = new Set<StepNode>();
    const visit = (step: StepNode): void => {
      for (const consumer of this.consumersOf(step)) {
        if (!seen.has(consumer)) {
          seen.add(consumer);
          visit(consumer);
        }
      }
    };
    visit(this.step(ref));
    return [...seen].sort(byId);
  }

  /**
   * The graph one pipeline needs: its steps and, through shared locations, every upstream step of other
   * pipelines (`glacier run --pipeline NAME`).
   */
  forPipeline(name: string): LineageGraph {
    const pipeline = this.pipeline(name);
    const ids = new Set(pipeline.steps);
    const target: PipelineTarget = {
      node: pipeline.target,
      id: pipeline.target.id,
      lineage: this.steps.filter((s) => ids.has(s.id)),
      pipeline: {
        name: pipeline.name,
        ...(pipeline.description === undefined ? {} : { description: pipeline.description }),
        ...(pipeline.schedule === undefined ? {} : { schedule: pipeline.schedule }),
        ...(pipeline.scheduledPartitions === undefined
          ? {}
          : { scheduledPartitions: pipeline.scheduledPartitions }),
      },
    };
    return new LineageGraph([[pipeline.name, target]]);
  }

  /**
   * The graph of a partitioned run: each step whose output is partitioned becomes one unit per selected key
   * (its partition buckets filled in, `partition.key` set, named `clean[2026-12-01]`), each step reading
   * partitions into an unpartitioned output one unit reading every materialised partition (after this run's
   * units of them), and the other steps stay as they are. Units have their own ids, so fingerprints, state,
   * records, locks and `--resume` are per partition; a failed unit blocks only its own downstream units and
   * the aggregates after it.
   *
   * @example
   * ```ts
   * graph.forPartitions(() => ["2026-12-01", "2026-12-02"]).executionOrder().map((s) => s.name);
   * // ["clean[2026-12-01]", "clean[2026-12-02]", "enrich[2026-12-01]", "enrich[2026-12-02]", "total"]
   * ```
   */
  forPartitions(keysOf: (scheme: PartitionScheme, bucket: BucketNode) => readonly string[]): LineageGraph {
    const units = new Map<StepNode, readonly StepNode[]>();
    const writtenBy = new Map<string, readonly string[]>();
    for (const step of this.executionOrder()) {
      const expanded = partitionUnits(step, keysOf, (bucket) => writtenBy.get(bucket.location) ?? []);
      units.set(step, expanded);
      if (step.output.partitions)
        writtenBy.set(
          step.output.location,
          expanded.map((u) => u.output.location),
        );
    }
    const targets = this.pipelines.map((p): readonly [string, PipelineTarget] => {
      const ids = new Set(p.steps);
      return [
        p.name,
        {
          node: p.target,
          id: p.target.id,
          lineage: this.steps.filter((s) => ids.has(s.id)).flatMap((s) => units.get(s) ?? []),
          pipeline: {
            name: p.name,
            ...(p.description === undefined ? {} : { description: p.description }),
            ...(p.schedule === undefined ? {} : { schedule: p.schedule }),
            ...(p.scheduledPartitions === undefined ? {} : { scheduledPartitions: p.scheduledPartitions }),
          },
        },
      ];
    });
    return new LineageGraph(targets);
  }

  /** True when a step reads or writes a partitioned bucket. */
  get partitioned(): boolean {
    return this.steps.some((s) => stepInputs(s).some(([, b]) => b.partitions) || s.output.partitions);
  }

  /**
   * Plain data: pipelines, buckets, steps (task functions dropped) and edges between steps — everything
   * else a node holds (SQL, params, timeout, provider, declared sizes …), so {@link LineageGraph.fromJSON}
   * gives back an equal graph. A step's `definedAt` is where `.to(` was called and `taskDefinedAt` where its
   * task was defined, when known.
   */
  toJSON(): GraphJson {
    return {
      pipelines: this.pipelines.map((p) => ({
        name: p.name,
        ...(p.description ? { description: p.description } : {}),
        ...(p.schedule ? { schedule: p.schedule } : {}),
        ...(p.scheduledPartitions ? { scheduledPartitions: p.scheduledPartitions } : {}),
        target: p.target.id,
        steps: p.steps,
      })),
      buckets: this.buckets.map((b) => ({
        id: b.id,
        location: b.location,
        format: b.format,
        dataset: b.dataset,
        external: b.external,
        ...(b.schema ? { schema: b.schema } : {}),
        bucket: b.bucket,
        path: b.path,
        provider: b.provider,
        ...(b.expectedSize === undefined ? {} : { expectedSize: b.expectedSize }),
        ...(b.kmsKeyArn === undefined ? {} : { kmsKeyArn: b.kmsKeyArn }),
        ...(b.partitions === undefined ? {} : { partitions: b.partitions }),
        ...(b.allPartitionsOf === undefined ? {} : { allPartitionsOf: b.allPartitionsOf }),
        ...(b.checks ? { checks: b.checks.map(checkJson) } : {}),
      })),
      steps: this.steps.map((s) => ({
        id: s.id,
        name: s.name,
        executor: s.task.executor,
        language: s.task.language,
        retries: s.task.retries,
        codeHash: s.task.codeHash,
        ...(s.task.codeVersion === undefined ? {} : { codeVersion: s.task.codeVersion }),
        inputs: Object.fromEntries(stepInputs(s).map(([key, b]) => [key, b.id])),
        output: s.output.id,
        ...(s.definedAt === undefined ? {} : { definedAt: s.definedAt }),
        ...(s.task.definedAt === undefined ? {} : { taskDefinedAt: s.task.definedAt }),
        ...(s.task.description === undefined ? {} : { description: s.task.description }),
        ...(s.task.sql === undefined ? {} : { sql: s.task.sql }),
        ...(s.task.timeout === undefined ? {} : { timeout: s.task.timeout }),
        params: s.task.params,
        input: s.input.kind,
        taskInputs: s.task.inputs,
        ...(stepChecks(s).length === 0 ? {} : { checks: stepChecks(s).map(checkJson) }),
      })),
      edges: this.steps.flatMap((s) =>
        this.consumersOf(s).map((c) => ({ from: s.id, to: c.id, via: s.output.id })),
      ),
    };
  }

  /**
   * The graph a {@link toJSON} document describes: equal to the one it came from, without task functions
   * (a Polars task keeps its `codeHash` and `taskDefinedAt`; interpreters that run code load the module).
   * A document naming a bucket or step it does not list is a GlacierError naming it.
   *
   * @example
   * ```ts
   * const json = JSON.stringify(graph.toJSON());
   * LineageGraph.fromJSON(JSON.parse(json)).toJSON(); // deep-equal to graph.toJSON()
   * ```
   */
  static fromJSON(json: GraphJson): LineageGraph {
    const buckets = new Map(json.buckets.map((b) => [b.id, bucketFromJson(b)]));
    const bucketOf = (id: string, by: string): BucketNode => {
      const node = buckets.get(id);
      if (node) return node;
      throw new GlacierError(
        "INVALID_BUCKET",
        `the graph JSON's ${by} names bucket "${id}", which it does not list.`,
        {
          subject: { kind: "bucket", name: id },
          hint: "Pass the document LineageGraph.toJSON() wrote, unchanged.",
        },
      );
    };
    const steps = new Map(
      json.steps.map((s) => {
        const named = Object.entries(s.inputs).map(
          ([key, id]) => [key, bucketOf(id, `step "${s.id}"`)] as const,
        );
        const input: StepNode["input"] =
          s.input === "multi" || named.length !== 1
            ? { kind: "multi", buckets: Object.fromEntries(named) }
            : { kind: "single", bucket: (named[0] as readonly [string, BucketNode])[1] };
        const task: TaskNode = {
          kind: "task",
          name: s.name,
          ...(s.description === undefined ? {} : { description: s.description }),
          executor: s.executor,
          language: s.language,
          ...(s.sql === undefined ? {} : { sql: s.sql }),
          inputs: s.taskInputs,
          retries: s.retries,
          ...(s.timeout === undefined ? {} : { timeout: s.timeout }),
          params: s.params,
          codeHash: s.codeHash,
          ...(s.codeVersion === undefined ? {} : { codeVersion: s.codeVersion }),
          ...(s.taskDefinedAt === undefined ? {} : { definedAt: s.taskDefinedAt }),
        };
        const step: StepNode = {
          kind: "step",
          id: s.id,
          name: s.name,
          task,
          input,
          output: bucketOf(s.output, `step "${s.id}"`),
          ...(s.definedAt === undefined ? {} : { definedAt: s.definedAt }),
        };
        return [s.id, deepFreeze(step)] as const;
      }),
    );
    return new LineageGraph(
      json.pipelines.map((p) => {
        const lineage = p.steps.map((id) => {
          const step = steps.get(id);
          if (step) return step;
          throw new GlacierError(
            "UNKNOWN_STEP",
            `the graph JSON's pipeline "${p.name}" names step "${id}", which it does not list.`,
            {
              subject: { kind: "step", name: id },
              hint: "Pass the document LineageGraph.toJSON() wrote, unchanged.",
            },
          );
        });
        const pipeline: PipelineInfo = {
          name: p.name,
          ...(p.description === undefined ? {} : { description: p.description }),
          ...(p.schedule === undefined ? {} : { schedule: p.schedule }),
          ...(p.scheduledPartitions === undefined ? {} : { scheduledPartitions: p.scheduledPartitions }),
        };
        const node = bucketOf(p.target, `pipeline "${p.name}"`);
        return [p.name, { node, id: node.id, lineage, pipeline }] as const;
      }),
    );
  }
}

function bucketFromJson(b: GraphJson["buckets"][number]): BucketNode {
  return deepFreeze({
    kind: "bucket",
    id: b.id,
    bucket: b.bucket,
    path: b.path,
    format: b.format,
    dataset: b.dataset,
    location: b.location,
    provider: b.provider,
    ...(b.schema === undefined ? {} : { schema: b.schema }),
    external: b.external,
    ...(b.expectedSize === undefined ? {} : { expectedSize: b.expectedSize }),
    ...(b.kmsKeyArn === undefined ? {} : { kmsKeyArn: b.kmsKeyArn }),
    ...(b.partitions === undefined ? {} : { partitions: b.partitions }),
    ...(b.allPartitionsOf === undefined ? {} : { allPartitionsOf: b.allPartitionsOf }),
  });
}

/** The JSON form of a {@link LineageGraph}: plain data, and enough of it to rebuild the graph (`fromJSON`). */
export interface GraphJson {
  readonly pipelines: readonly {
    name: string;
    description?: string;
    schedule?: string;
    scheduledPartitions?: readonly string[];
    target: string;
    steps: readonly string[];
  }[];
  readonly buckets: readonly {
    id: string;
    location: string;
    format: Format;
    dataset: boolean;
    external: boolean;
    schema?: Schema;
    bucket: string;
    path: string;
    provider: ProviderNode;
    expectedSize?: ExpectedSize;
    kmsKeyArn?: string;
    /** The partition scheme, when the path holds a `{key}` placeholder. */
    partitions?: PartitionScheme;
    allPartitionsOf?: PartitionScheme;
    /**
     * Checks declared on the location, as data: `fromJSON` does not rebuild them (an `expr` check holds a
     * function), so a graph read back runs none.
     */
    checks?: readonly CheckJson[];
  }[];
  readonly steps: readonly {
    id: string;
    name: string;
    executor: ExecutorNode;
    language: TaskNode["language"];
    retries: number;
    codeHash: string;
    codeVersion?: string;
    /** The buckets it reads, by input name (`input` for a single source). */
    inputs: Readonly<Record<string, string>>;
    output: string;
    definedAt?: SourceLocation;
    taskDefinedAt?: SourceLocation;
    description?: string;
    sql?: string;
    timeout?: number;
    params: ParamSpecs;
    /** One source (`bucket.transform`) or named sources (`Pipeline({...}).transform`). */
    input: StepNode["input"]["kind"];
    /** The task's own input names, when known (TaskNode `inputs`). */
    taskInputs: readonly string[] | null;
    /** Every check the step's result must pass: its own, then its output bucket's. */
    checks?: readonly CheckJson[];
  }[];
  readonly edges: readonly { from: string; to: string; via: string }[];
}

/**
 * Names the writers of one location. Writers that share a name are one task defined twice differently, so
 * the message says what differs (`"clean" (local) and "clean" (serverless), defined with different executor`).
 */
function describeWriters(writers: readonly StepNode[]): string {
  const names = writers.map((s) => `"${s.name}" (${s.task.executor.kind})`).join(" and ");
  const [first, ...others] = writers as [StepNode, ...StepNode[]];
  if (others.some((s) => s.name !== first.name)) return names;
  const aspects: Readonly<Record<string, (s: StepNode) => unknown>> = {
    executor: (s) => s.task.executor,
    code: (s) => [s.task.sql ?? s.task.codeHash, s.task.codeVersion],
    retries: (s) => s.task.retries,
    timeout: (s) => s.task.timeout,
    params: (s) => s.task.params,
    inputs: (s) => stepInputs(s).map(([key, bucket]) => [key, bucket.location]),
    description: (s) => s.task.description,
  };
  const differ = Object.entries(aspects)
    .filter(([, of]) => others.some((s) => canonicalJson(of(s)) !== canonicalJson(of(first))))
    .map(([aspect]) => aspect);
  return `${names}, defined with different ${differ.join(", ") || "options"}`;
}

/** Which options differ between declarations of one location: `schema, external`. */
function declarationDifference(nodes: readonly BucketNode[]): string {
  const [first, ...others] = nodes as [BucketNode, ...BucketNode[]];
  const fields = (Object.keys(first) as (keyof BucketNode)[]).concat(["schema", "checks"]);
  const differ = [...new Set(fields)].filter((field) =>
    others.some((n) => canonicalJson(n[field]) !== canonicalJson(first[field])),
  );
  return differ.length > 0 ? differ.join(", ") : "options";
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
