import type { LazyDataFrame } from "nodejs-polars";
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

/** Accepts a multi-source task whose input names are exactly the `Pipeline` keys `K`, or a SQL task. */
export type MatchingInputs<I, K extends string> = [I] extends [SqlTables]
  ? unknown
  : [I] extends [LazyDataFrame]
    ? GlacierTypeError<"a single-source task cannot take Pipeline inputs: give it named inputs", K>
    : [Exclude<K, keyof I>, Exclude<keyof I, K>] extends [never, never]
      ? unknown
      : GlacierTypeError<
          "the task's input names must match the Pipeline keys",
          { missing: Exclude<K, keyof I>; unexpected: Exclude<keyof I, K> }
        >;
