import type { StepNode } from "@glacier/core";
import { exportNames, exportsCarrying } from "@glacier/task-code";

/**
 * Which module and exports of the user's code a Lambda bundle imports so that its graph contains a step. The
 * step records where `.to(` was called (`step.definedAt`): the bundle imports that module's exports that carry
 * the step (see `exportsCarrying`), so it holds the pipeline's own file and what it uses, not an index that
 * re-exports every pipeline. Without a usable record (a graph built from JSON, a loader whose positions are not
 * the file's, a step built in a function another module calls) the bundle imports every export of the entry,
 * which holds every step.
 */

/** Where a step's code is. Paths are absolute. */
export interface StepLocation {
  readonly module: string;
  /** Exports of `module` the bundle imports (`default` for a default export; `*` for the whole namespace). */
  readonly exports: readonly string[];
  /** Where the task is defined, `path:line`, when recorded. */
  readonly definedAt?: string;
  /** False when the step's record could not be used and the bundle imports the whole entry module. */
  readonly located: boolean;
}

/**
 * Locates every step from its recorded definition; `entry` (or the function giving it, called only when a step
 * needs it) is the fallback.
 *
 * @example
 * ```ts
 * locateSteps("/repo/examples/simple/pipeline.ts", [cleanSalesStep])
 * // Map { "cleanSales->…" => { module: "/repo/examples/simple/pipeline.ts", exports: ["sales"],
 * //                             definedAt: "/repo/examples/simple/pipeline.ts:31", located: true } }
 * ```
 */
export function locateSteps(
  entry: string | (() => string),
  steps: readonly StepNode[],
): Map<string, StepLocation> {
  const located = new Map<string, StepLocation>();
  let entryExports: readonly string[] | undefined;
  for (const step of steps) {
    const task = step.task.definedAt;
    const definedAt = task === undefined ? {} : { definedAt: `${task.file}:${task.line}` };
    const carried = step.definedAt === undefined ? null : exportsCarrying(step.definedAt);
    if (carried !== null && step.definedAt !== undefined) {
      located.set(step.id, { module: step.definedAt.file, exports: carried, ...definedAt, located: true });
      continue;
    }
    // An entry the parser cannot read is imported whole: its namespace still holds every pipeline. Asked for
    // only here, so a graph whose steps are all located needs no entry.
    const module = typeof entry === "string" ? entry : entry();
    entryExports ??= exportNames(module) ?? ["*"];
    located.set(step.id, { module, exports: entryExports, ...definedAt, located: false });
  }
  return located;
}
