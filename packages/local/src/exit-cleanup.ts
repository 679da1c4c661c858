import { rmSync } from "node:fs";

/** Files this process must not leave behind: its output locks and its in-flight temporary outputs. */
const owned = new Set<string>();

/** Registers a file to remove should the process have to exit at once. */
export function own(path: string): void {
  owned.add(path);
}

/** Forgets a file: released, committed or removed the ordinary way. */
export function disown(path: string): void {
  owned.delete(path);
}

/**
 * Removes, synchronously, every lock and in-flight temporary file this process holds: for a process about to
 * exit at once (a second Ctrl-C), which has no time for its runs' own cleanup. Best effort; never throws — what
 * stays is judged by its dead owner and taken over or swept by the next run.
 *
 * @example
 * ```ts
 * process.once("SIGINT", () => { releaseOwnedFilesSync(); process.kill(process.pid, "SIGINT"); });
 * ```
 */
export function releaseOwnedFilesSync(): void {
  for (const path of owned) {
    try {
      rmSync(path, { force: true });
    } catch {
      // Left for the next run, which judges its owner dead.
    }
  }
  owned.clear();
}
