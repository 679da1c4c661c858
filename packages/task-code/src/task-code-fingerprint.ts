import type { Node } from "acorn";
import type { TaskNode } from "@glacier/core";
import { shortHash } from "@glacier/core/internal";
import { callAt, loadModule, type CodeModule } from "./code-module.js";
import { labelled, reachOf, type Reach } from "./code-reach.js";

/** What a task's code is, for a step's fingerprint. */
export interface TaskCode {
  /**
   * The `code` component of a step: `sql:<hash of the query>`; `polars:code:<hash>` for the code the function
   * reaches; `polars:<hash of the function's text>` when that could not be read (see `fallback`).
   */
  readonly code: string;
  /** The task's `codeVersion`, when it has one: compared alongside `code`. */
  readonly codeVersion?: string;
  /** Why the function's text stands in for the code it reaches; a run logs it. */
  readonly fallback?: string;
  /**
   * What the code reads that no file shows (a parameter of an enclosing function, an import not found), so the
   * fingerprint cannot see it changing; a run logs it. When there is any, the function's text is hashed too.
   */
  readonly unseen: readonly string[];
  /** What was hashed, readable: `pipeline.ts#MIN_AMOUNT`, `helpers.ts#threshold`, `nodejs-polars@0.26.1`. */
  readonly reached: readonly string[];
}

/** Where a task's function is: its module, and the function's node or why it is not known. */
interface Found {
  readonly module: ReturnType<typeof loadModule>;
  readonly node?: Node;
  readonly why?: string;
}

/** The first argument of the task's `.task(` call, when the recorded position has one. */
function taskFunction(task: TaskNode): Found {
  const at = task.definedAt as NonNullable<TaskNode["definedAt"]>;
  const module = loadModule(at.file);
  if (!module.ok) return { module, why: `${at.file} cannot be analysed: ${module.reason}` };
  const call = callAt(module.module, ["task"], at);
  const fn = call?.arguments[0];
  if (!fn || fn.type === "SpreadElement") {
    return {
      module,
      why: `no .task( call at ${at.file}:${at.line}:${at.column} (the loader's positions are not the file's)`,
    };
  }
  return { module, node: fn };
}

/**
 * The code component of a step running `task`. For a Polars task: a hash of everything its function can reach
 * (see `reachFrom`), found from the task's recorded `definedAt`; the function's text when that location is
 * unknown or cannot be analysed, with the reason in `fallback`. For a SQL task: its query's hash. `codeVersion`
 * is passed through, to be compared as well.
 *
 * @example
 * ```ts
 * // pipeline.ts:  const MIN_AMOUNT = 100;
 * //               const big = local.task(function big(df) { return df.filter(pl.col("amount").gtEq(MIN_AMOUNT)); });
 * taskCodeFingerprint(big)
 * // { code: "polars:code:5b0c…", unseen: [],
 * //   reached: ["nodejs-polars@0.26.1", "pipeline.ts#MIN_AMOUNT", "pipeline.ts#big"] }
 * // MIN_AMOUNT = 400 → another code; a change to another task of pipeline.ts → the same code.
 * ```
 */
export function taskCodeFingerprint(task: TaskNode): TaskCode {
  return fingerprintWith(task, taskFunction, reachOf);
}

/**
 * {@link taskCodeFingerprint} for many tasks, for one run: tasks written at the same place with the same text
 * (one `.task(` call in a loop, a helper that makes a task per table) share one search for their function and
 * one walk of the code it reaches. Done again for every step, that was about a millisecond of a tiny step's
 * main-thread time. Make one per run: within a run the code is the code that was loaded; the next run reads it
 * afresh.
 *
 * @example
 * ```ts
 * const codeOf = taskCodeFingerprints();
 * codeOf(steps[0].task).code === codeOf(steps[1].task).code; // true when both come from one `.task(` call
 * ```
 */
export function taskCodeFingerprints(): (task: TaskNode) => TaskCode {
  const functions = new Map<string, Found>();
  const walks = new Map<string, Reach>();
  const site = (task: TaskNode): string => {
    const at = task.definedAt as NonNullable<TaskNode["definedAt"]>;
    return `${at.line}:${at.column}:${at.file}`;
  };
  return (task) =>
    fingerprintWith(
      task,
      (t) => {
        let found = functions.get(site(t));
        if (!found) functions.set(site(t), (found = taskFunction(t)));
        return found;
      },
      (module, node) => {
        const key = `${task.codeHash}:${site(task)}`;
        let reach = walks.get(key);
        if (!reach) walks.set(key, (reach = reachOf(module, node)));
        return reach;
      },
    );
}

function fingerprintWith(
  task: TaskNode,
  find: (task: TaskNode) => Found,
  walk: (module: CodeModule, node: Node) => Reach,
): TaskCode {
  const version = task.codeVersion === undefined ? {} : { codeVersion: task.codeVersion };
  if (task.language === "sql") return { code: `sql:${task.codeHash}`, ...version, unseen: [], reached: [] };
  const textual = (fallback: string): TaskCode => ({
    code: `polars:${task.codeHash}`,
    ...version,
    fallback,
    unseen: [],
    reached: [],
  });
  if (task.definedAt === undefined) return textual("the task was defined where no source file is known");
  const found = find(task);
  if (!found.node || !found.module.ok) return textual(found.why ?? "the task's module cannot be analysed");
  const reach = labelled(walk(found.module.module, found.node), found.module.module.file, task.name);
  // Something comes from outside the file — typically the function itself, passed to a helper that calls
  // `.task(fn)`: the function's text is then the only sign of a change, so it counts too.
  const entries = reach.unseen.length === 0 ? reach.entries : [...reach.entries, `text:${task.codeHash}`];
  return {
    code: `polars:code:${shortHash(entries.join("\n"), 16)}`,
    ...version,
    unseen: reach.unseen,
    reached: reach.reached,
  };
}

/**
 * What a run log says about a task's code fingerprint when it is weaker than it should be: the function's text
 * stood in for the code it reaches (a warning), or the code reads values no file shows. Never silent: a stale
 * output starts here.
 *
 * @example
 * ```ts
 * codeFingerprintNotes(taskCodeFingerprint(taskDefinedInABundle))
 * // [{ level: "warn", message: "code fingerprint: only the task function's text is compared, … (the task was
 * //    defined where no source file is known); set codeVersion to rerun on other changes" }]
 * ```
 */
export function codeFingerprintNotes(
  code: TaskCode,
): readonly { readonly level: "warn" | "info"; readonly message: string }[] {
  return [
    ...(code.fallback === undefined
      ? []
      : [
          {
            level: "warn" as const,
            message: `code fingerprint: only the task function's text is compared, not what it uses (${code.fallback}); set codeVersion to rerun on other changes`,
          },
        ]),
    ...(code.unseen.length === 0
      ? []
      : [
          {
            level: "info" as const,
            message: `code fingerprint: cannot see ${code.unseen.join(", ")}; set codeVersion when they change`,
          },
        ]),
  ];
}
