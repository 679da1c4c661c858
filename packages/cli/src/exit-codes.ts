/**
 * The exit codes of `glacier`, so CI scripts can tell a broken pipeline definition from a failed run.
 *
 * @example
 * ```sh
 * glacier validate || echo "exit $?"   # exit 2: the graph has problems (or the entry is wrong)
 * glacier run                          # exit 1: a step failed; the summary names it
 * glacier run   # Ctrl-C               # exit 130 (SIGTERM: 143): cancelled, nothing left behind, `--resume` goes on
 * ```
 */
export const EXIT = {
  /** Everything worked (`validate` found no problem; a run succeeded). */
  ok: 0,
  /** A run ran and a step failed. */
  runFailed: 1,
  /** A user mistake: bad option, entry that cannot load, definition or graph error, missing interpreter. */
  usage: 2,
  /** A bug or an unexpected environment failure (sysexits' EX_SOFTWARE). */
  internal: 70,
  /**
   * A local run stopped by Ctrl-C (SIGINT): cancelled, cleaned up and recorded. The process ends by the signal
   * itself, so a shell reports 128 + 2.
   */
  interrupted: 130,
  /** The same, stopped by SIGTERM: 128 + 15. */
  terminated: 143,
} as const;

/** One of {@link EXIT}'s values. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
