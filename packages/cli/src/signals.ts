import { EXIT, type ExitCode } from "./exit-codes.js";

/** The signals a run stops on, and the exit status each stands for (128 + the signal's number). */
const STOPPING = { SIGINT: EXIT.interrupted, SIGTERM: EXIT.terminated } as const;

/** A stopping signal. */
export type StopSignal = keyof typeof STOPPING;

/** The exit code of a run stopped by `signal`. */
export function exitCodeOf(signal: StopSignal): ExitCode {
  return STOPPING[signal];
}

/** The signal an exit code stands for, when it is one of a stopped run's. */
export function signalOf(code: number): StopSignal | undefined {
  return (Object.keys(STOPPING) as StopSignal[]).find((s) => STOPPING[s] === code);
}

/**
 * Stops a run on Ctrl-C (SIGINT) or SIGTERM: the first aborts `controller` (the run stops dispatching, cancels
 * its running steps, removes their temporary files, releases its locks and records itself `cancelled`); a
 * second calls `now` (release what can be released synchronously) and ends the process at once by the signal
 * itself. `dispose` removes the handlers.
 *
 * @example
 * ```ts
 * const stop = stopOnSignals(controller, () => io.err("cancelling…"), releaseOwnedFilesSync);
 * try { await runGraph(graph, { mode: "local", signal: controller.signal }); } finally { stop.dispose(); }
 * stop.received(); // "SIGINT" after a Ctrl-C
 * ```
 */
export function stopOnSignals(
  controller: AbortController,
  first: (signal: StopSignal) => void,
  now: () => void,
): { received(): StopSignal | undefined; dispose(): void } {
  let received: StopSignal | undefined;
  const handlers = (Object.keys(STOPPING) as StopSignal[]).map((signal) => {
    const handler = (): void => {
      if (received === undefined) {
        received = signal;
        first(signal);
        controller.abort(new Error(`cancelled by ${signal}`));
        return;
      }
      now();
      dieBy(signal);
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  return {
    received: () => received,
    dispose: () => {
      for (const [signal, handler] of handlers) process.off(signal, handler);
    },
  };
}

/**
 * Ends the process by `signal` with its default action, at once: the exit status is 128 + its number (130,
 * 143), and a calling shell sees that the command was interrupted — a `for` loop or `make` then stops too,
 * which an ordinary `exit(130)` does not achieve. It also never waits for a worker thread still inside a
 * polars query, as `process.exit` would.
 */
export function dieBy(signal: StopSignal): never {
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
  // The signal is delivered at once; should it not end the process, the exit code says the same.
  process.exit(exitCodeOf(signal));
}
