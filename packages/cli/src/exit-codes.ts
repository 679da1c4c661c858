/**
 * The exit codes of `glacier`, so CI scripts can tell a broken pipeline definition from a failed run.
 *
 * @example
 * ```sh
 * glacier validate || echo "exit $?"   # exit 2: the graph has problems (or the entry is wrong)
 * glacier run                          # exit 1: a step failed; the summary names it
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
} as const;

/** One of {@link EXIT}'s values. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
