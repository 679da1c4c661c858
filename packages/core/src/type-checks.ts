import type { LazyDataFrame } from "nodejs-polars";
import type { PartitionKind } from "./partitions.js";
import type { SqlTables } from "./task.js";

/**
 * A readable compile-time error: when a constraint fails, the parameter's type gains this property and
 * TypeScript reports `Property '⛔ glacier' is missing …` followed by the message.
 */
export interface GlacierTypeError<Message extends string, Detail = never> {
  readonly "⛔ glacier": Message;
  readonly detail: Detail;
}

/** Accepts a single-source task (one frame) or a SQL task; rejects a multi-source task. */
export type SingleSourceTask<I> = [I] extends [SqlTables]
  ? unknown
  : [I] extends [LazyDataFrame]
    ? unknown
    : GlacierTypeError<"this task takes named inputs: use Pipeline({ … }).transform(task)", keyof I>;

/** An object type written out as one literal, so an error message shows `{ a: …; b: … }`, not `{} & { … }`. */
type Flat<T> = T extends infer O ? { [Key in keyof O]: O[Key] } : never;

/**
 * What is wrong between a task's input names `Takes` and the `Pipeline` keys `Gives`, named from the reader's
 * side and listing only what applies: `{ missingFromPipeline: "customers" }` — the task takes `customers`, the
 * `Pipeline({ … })` does not give it; `{ notTakenByTask: "products" }` — the Pipeline gives `products`, the task
 * does not take it.
 */
export type InputMismatch<Takes, Gives> = Flat<
  ([Exclude<Takes, Gives>] extends [never]
    ? unknown
    : { readonly missingFromPipeline: Exclude<Takes, Gives> }) &
    ([Exclude<Gives, Takes>] extends [never] ? unknown : { readonly notTakenByTask: Exclude<Gives, Takes> })
>;

/**
 * Accepts a multi-source task whose input names are exactly the `Pipeline` keys `K`, or a SQL task.
 *
 * @example
 * ```ts
 * Pipeline({ orders }).transform(join); // join takes { orders, customers }
 * // … is missing the following properties from type 'GlacierTypeError<"the task's input names must match
 * //   the Pipeline keys", { readonly missingFromPipeline: "customers"; }>': "⛔ glacier", detail
 * ```
 */
export type MatchingInputs<I, K extends string> = [I] extends [SqlTables]
  ? unknown
  : [I] extends [LazyDataFrame]
    ? GlacierTypeError<"a single-source task cannot take Pipeline inputs: give it named inputs", K>
    : [Exclude<K, keyof I>, Exclude<keyof I, K>] extends [never, never]
      ? unknown
      : GlacierTypeError<"the task's input names must match the Pipeline keys", InputMismatch<keyof I, K>>;

/** True when `P` names one partition kind or none (`null`), false when it is not known (every kind). */
type KnownPartitioning<P> = [PartitionKind] extends [P] ? false : true;

/**
 * Accepts an output bucket whose partition kind matches the input's, or where either side is unpartitioned
 * (`null`: an unpartitioned input read whole, or an aggregate over every partition) or not known. Schemes of
 * one kind that differ in start or key are caught at run time (`PARTITION_MISMATCH` at `.to()`).
 *
 * @example
 * ```ts
 * hourlyEvents.transform(clean).to(dailyCleaned);
 * // … is missing the following properties from type 'GlacierTypeError<"the input and output buckets are
 * //   partitioned differently", { readonly input: "hourly"; readonly output: "daily"; }>'
 * ```
 */
export type MatchingPartitions<P, Q> = [P] extends [null]
  ? unknown
  : [Q] extends [null]
    ? unknown
    : KnownPartitioning<P> extends false
      ? unknown
      : KnownPartitioning<Q> extends false
        ? unknown
        : [P] extends [Q]
          ? [Q] extends [P]
            ? unknown
            : GlacierTypeError<
                "the input and output buckets are partitioned differently",
                { readonly input: P; readonly output: Q }
              >
          : GlacierTypeError<
              "the input and output buckets are partitioned differently",
              { readonly input: P; readonly output: Q }
            >;
