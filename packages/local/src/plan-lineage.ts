import type { StepNode, TaskLogger } from "@glacier/core";
import { stepInputs } from "@glacier/core/internal";
import { datasetName, polarsColumnLineage, type ColumnLineage, type PlanLineageInput } from "@glacier/engine";
import { messageOf } from "./errors.js";
import type { LazyFrame } from "./polars.js";
import type { PreparedStep } from "./prepare-step.js";

/**
 * A plan whose bincode form (the one shipped to the worker) is larger than this holds data, not only scans and
 * expressions: an in-memory frame or a long literal list. Its lineage would be omitted anyway (an in-memory
 * frame is not an input), and its JSON form costs about three times the bincode one (measured: 0.42 s against
 * 0.14 s for a plan holding a one-million-row frame), so it is not serialised a second time.
 */
export const MAX_LINEAGE_PLAN_BYTES = 1 << 20;

function planJson(frame: LazyFrame): unknown {
  return JSON.parse(frame.serialize("json").toString());
}

/**
 * The column lineage of a Polars task's result, derived from its plan (`polarsColumnLineage` in
 * `@glacier/engine`), when every output column can be followed to the step's inputs; `undefined` otherwise, and
 * for SQL steps (their events derive it from the query). `planBytes` is the size of the bincode plan already
 * serialised for the worker; without it (a step run in this thread, as on Lambda) the plan is serialised in
 * bincode to measure it, which costs about a third of what the JSON form would. Nothing here reads data: the inputs' columns were resolved, and cached by polars,
 * when the result was planned.
 *
 * @example
 * ```ts
 * // executor.task((input) => input.select(pl.col("id"), pl.col("x").alias("xx")))
 * planLineage(step, prepared, log, plan.byteLength);
 * // { fields: { id: { inputFields: [{ namespace: "file://host", name: "/data/in.parquet", field: "id",
 * //   transformations: [{ type: "DIRECT", subtype: "IDENTITY" }] }] }, xx: { … field: "x" … } }, dataset: [] }
 * ```
 */
export function planLineage(
  step: StepNode,
  prepared: PreparedStep,
  log: TaskLogger,
  planBytes?: number,
): ColumnLineage | undefined {
  if (step.task.language === "sql") return undefined;
  let plan: unknown;
  const inputs: PlanLineageInput[] = [];
  try {
    const bytes = planBytes ?? prepared.frame.serialize("bincode").length;
    if (bytes > MAX_LINEAGE_PLAN_BYTES) return undefined;
    plan = planJson(prepared.frame);
    for (const [key, bucket] of stepInputs(step)) {
      const frame = prepared.inputs[key];
      if (frame === undefined) return undefined;
      inputs.push({ plan: planJson(frame), columns: frame.columns, ...datasetName(bucket) });
    }
  } catch {
    // A plan polars cannot write as JSON has no lineage; the step runs all the same.
    return undefined;
  }
  let lineage: ColumnLineage | undefined;
  try {
    lineage = polarsColumnLineage(plan, inputs);
  } catch (error) {
    // A fault in the walk is Glacier's, and lineage is metadata: say so in the run log, never fail the step.
    log.warn(`the column lineage of the task's plan could not be derived: ${messageOf(error, true)}`, {
      error: error instanceof Error ? (error.stack ?? error.message) : messageOf(error),
    });
    return undefined;
  }
  if (lineage === undefined) return undefined;
  const derived = Object.keys(lineage.fields);
  const { columns } = prepared;
  if (derived.length !== columns.length || derived.some((c, i) => c !== columns[i])) return undefined;
  return lineage;
}
