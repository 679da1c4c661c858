import vm from "node:vm";
import type { GlacierError } from "@glacier/core";

/** What bounds a task call: the step's stop signal and, when the step has a timeout, its deadline. */
export interface TaskGuard {
  /** Aborts when the step must stop (its timeout, a cancelled run); its reason is the error to report. */
  readonly signal: AbortSignal;
  /** Milliseconds left before the step's timeout; undefined without one. */
  remainingMs(): number | undefined;
  /** The step's timeout error, for a call stopped by its deadline. */
  timedOut(): GlacierError;
}

// One context and script for every guarded call: the call is synchronous, so its arguments never overlap.
const sandbox = vm.createContext({ fn: undefined, input: undefined, ctx: undefined });
const call = new vm.Script("fn(input, ctx)", { filename: "glacier-task-call" });

/**
 * Calls a task function so that it cannot outlive its step. With a deadline, the synchronous part runs under
 * V8's execution timeout (a `for(;;){}` is stopped at the deadline, though the main thread is its only
 * thread); a returned promise is raced against the guard's signal, so one that never settles is abandoned at
 * the deadline or when the run is cancelled. What it cannot stop: a loop that starts after the task's first
 * `await`, and a polars computation the task itself runs (`collectSync()`), which native code does not
 * interrupt — both are documented in the README.
 *
 * @example
 * ```ts
 * await guardedCall(task.fn, frame, ctx, guard); // the task's LazyDataFrame, or TASK_TIMEOUT at the deadline
 * ```
 */
export async function guardedCall(
  fn: (input: unknown, ctx: unknown) => unknown,
  input: unknown,
  ctx: unknown,
  guard: TaskGuard,
): Promise<unknown> {
  if (guard.signal.aborted) throw guard.signal.reason;
  const ms = guard.remainingMs();
  let value: unknown;
  if (ms === undefined) value = fn(input, ctx);
  else {
    Object.assign(sandbox, { fn, input, ctx });
    try {
      value = call.runInContext(sandbox, { timeout: Math.max(1, Math.floor(ms)) });
    } catch (error) {
      if ((error as { code?: string } | null)?.code === "ERR_SCRIPT_EXECUTION_TIMEOUT")
        throw guard.timedOut();
      throw error;
    } finally {
      Object.assign(sandbox, { fn: undefined, input: undefined, ctx: undefined });
    }
  }
  return untilAborted(value, guard.signal);
}

/** The value, or for a promise its result, unless the signal aborts first (then its reason is thrown). */
function untilAborted(value: unknown, signal: AbortSignal): unknown {
  if (typeof (value as { then?: unknown } | null)?.then !== "function") return value;
  const promise = Promise.resolve(value);
  // Abandoned when the signal wins: its later failure must not go unhandled.
  promise.catch(() => undefined);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
