import { type Bucket, isBucket, mergeLineage, PendingTransform } from "./bucket.js";
import { GlacierError } from "./errors.js";
import type { BucketNode } from "./nodes.js";
import type { Task } from "./task.js";
import type { MatchingInputs } from "./type-checks.js";

/**
 * Several named buckets feeding one multi-source task. The task's input names must equal the keys: TypeScript
 * checks it at compile time, `.transform()` checks it at run time when the names are known.
 */
export class MultiSource<K extends string> {
  readonly #buckets: Readonly<Record<K, Bucket>>;

  /** @internal Use `Pipeline({ … })`. */
  constructor(buckets: Readonly<Record<K, Bucket>>) {
    this.#buckets = buckets;
    Object.freeze(this);
  }

  /** The input keys, in the order written. */
  get keys(): readonly K[] {
    return Object.keys(this.#buckets) as K[];
  }

  /**
   * @example
   * ```ts
   * Pipeline({ orders, customers }).transform(join).to(joined);
   * // StepNode { id: "join->acme/joined.parquet",
   * //            input: { kind: "multi", buckets: { orders: …, customers: … } } }
   * ```
   */
  transform<I, P>(task: Task<I, P> & MatchingInputs<I, K>): PendingTransform {
    if (typeof task !== "object" || task === null || (task as Task).kind !== "task") {
      throw new GlacierError("INVALID_TASK", "transform() takes a task.", {
        hint: "Create tasks with executor.task(fn) or executor.sql(name, query).",
      });
    }
    const t = task as Task;
    const keys = this.keys as readonly string[];
    if (t.inputs !== null) {
      const missing = keys.filter((k) => !t.inputs?.includes(k));
      const unexpected = t.inputs.filter((k) => !keys.includes(k));
      if (missing.length > 0 || unexpected.length > 0) {
        throw new GlacierError(
          "INPUT_MISMATCH",
          `the task takes { ${t.inputs.join(", ")} } but the Pipeline gives { ${keys.join(", ")} }` +
            `${missing.length ? `; the task does not take ${missing.join(", ")}` : ""}` +
            `${unexpected.length ? `; the Pipeline does not give ${unexpected.join(", ")}` : ""}.`,
          {
            subject: { kind: "task", name: t.name },
            hint: "Name the task's parameters exactly as the Pipeline({ … }) keys.",
          },
        );
      }
    }
    const nodes: Record<string, BucketNode> = {};
    for (const key of keys) nodes[key] = this.#buckets[key as K].node;
    const upstream = mergeLineage(...keys.map((k) => this.#buckets[k as K].lineage));
    return new PendingTransform(t, { kind: "multi", buckets: Object.freeze(nodes) }, upstream);
  }
}

/**
 * Builds a multi-source step: `Pipeline({ orders, customers }).transform(join).to(joined)` returns a Bucket,
 * so chaining continues after the join.
 *
 * @example
 * ```ts
 * const enriched = Pipeline({ orders, customers }).transform(join).to(joined).transform(daily).to(report);
 * // enriched.lineage: join (reads orders + customers) → daily
 * ```
 */
export function Pipeline<const B extends Readonly<Record<string, Bucket>>>(
  inputs: B,
): MultiSource<keyof B & string> {
  if (typeof inputs !== "object" || inputs === null || Object.keys(inputs).length === 0) {
    throw new GlacierError("EMPTY_PIPELINE", "Pipeline({}) has no inputs.", {
      hint: "Name the buckets to join: Pipeline({ orders, customers }).",
    });
  }
  for (const [key, value] of Object.entries(inputs)) {
    if (!isBucket(value)) {
      throw new GlacierError(
        "INVALID_BUCKET",
        `Pipeline input "${key}" is not a bucket (got ${value === null ? "null" : typeof value}).`,
        {
          hint: "Pass buckets made by provider.bucket({ … }) or by .to(…).",
        },
      );
    }
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
      throw new GlacierError("INVALID_NAME", `Pipeline input key "${key}" is not an identifier.`, {
        hint: "Keys become parameter and SQL table names: use letters, digits and _.",
      });
    }
  }
  return new MultiSource(Object.freeze({ ...inputs }) as Readonly<Record<keyof B & string, Bucket>>);
}
