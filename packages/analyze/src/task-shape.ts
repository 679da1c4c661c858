import type { TaskNode } from "@glacier/core";

/** Polars calls after which a frame has one row per group, or a fixed number of rows. */
const POLARS_AGGREGATIONS = /\.(groupBy|groupByDynamic|groupByRolling|agg|head|tail|limit|describe)\s*\(/;
/** SQL clauses with the same effect. */
const SQL_AGGREGATIONS = /\b(GROUP\s+BY|LIMIT|DISTINCT)\b/i;

/**
 * Whether a task reduces its input to groups or a few rows, read from its text (its SQL, or its function's
 * source): the call or clause found first, or null. A heuristic for size estimates only — a recorded run or a
 * declared `expectedSize` always wins over it.
 *
 * @example
 * ```ts
 * aggregation(local.task((df) => df.groupBy("day").agg(pl.col("amount").sum())).node); // "groupBy"
 * aggregation(spark.sql("top", "SELECT * FROM input LIMIT 10").node); // "LIMIT"
 * aggregation(local.task((df) => df.filter(pl.col("amount").gt(0))).node); // null
 * ```
 */
export function aggregation(task: TaskNode): string | null {
  if (task.language === "sql") {
    const match = SQL_AGGREGATIONS.exec(task.sql ?? "");
    return match ? match[1]!.replace(/\s+/g, " ").toUpperCase() : null;
  }
  const match = POLARS_AGGREGATIONS.exec(typeof task.fn === "function" ? task.fn.toString() : "");
  return match ? match[1]! : null;
}
