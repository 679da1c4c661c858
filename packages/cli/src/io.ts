import pc from "picocolors";

/** Where a command writes: results on stdout, diagnostics and progress on stderr, each with its own colours. */
export interface Io {
  /** One line (or block) of results on stdout. */
  out(text: string): void;
  /** One line (or block) of diagnostics on stderr. */
  err(text: string): void;
  /** Colours for stderr; plain when stderr is not a terminal or NO_COLOR is set. */
  readonly colors: ReturnType<typeof pc.createColors>;
  /** Colours for stdout. */
  readonly outColors: ReturnType<typeof pc.createColors>;
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
}

function wantsColor(stream: NodeJS.WriteStream): boolean {
  // picocolors decides from stdout alone; each stream decides for itself here (NO_COLOR / FORCE_COLOR win).
  if ("NO_COLOR" in process.env) return false;
  if ("FORCE_COLOR" in process.env) return process.env.FORCE_COLOR !== "0";
  return stream.isTTY === true && process.env.TERM !== "dumb";
}

/**
 * The process's streams as an {@link Io}.
 *
 * @example
 * ```ts
 * const io = processIo();
 * io.out("1 pipeline, 2 steps, 3 buckets"); // stdout, with a newline
 * ```
 */
export function processIo(): Io {
  const line = (stream: NodeJS.WriteStream) => (text: string) =>
    void stream.write(text.endsWith("\n") ? text : `${text}\n`);
  return {
    out: line(process.stdout),
    err: line(process.stderr),
    colors: pc.createColors(wantsColor(process.stderr)),
    outColors: pc.createColors(wantsColor(process.stdout)),
    stdout: process.stdout,
    stderr: process.stderr,
  };
}
