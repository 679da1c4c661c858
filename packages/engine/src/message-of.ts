/**
 * A Rust panic as polars reports it (`JoinError::Panic(Id(7), "called `Result::unwrap()` on an `Err` value: …")`,
 * `thread '…' panicked at src/…rs:12:5:`) reduced to the error it carries: users see what went wrong, not
 * where in polars it was noticed.
 */
export function withoutPanic(message: string): string {
  const joined = /JoinError::Panic\(Id\(\d+\),\s*"((?:[^"\\]|\\.)*)"/.exec(message);
  const inner = joined ? (joined[1] as string).replace(/\\"/g, '"').replace(/\\n/g, "\n") : message;
  return inner
    .replace(/thread '[^']*' panicked at [^\n]*?:\d+:\d+:\s*/g, "")
    .replace(/panicked at [^\n]*?:\d+:\d+:\s*/g, "")
    .replace(/called `(Result|Option)::unwrap\(\)` on an `(Err|None)` value:?\s*/g, "")
    .replace(/^\w+Error\(ErrString\("([\s\S]*)"\)\)$/, "$1");
}

/**
 * The message of any thrown value; with `firstLine`, only its first non-empty line (polars' errors carry the
 * whole plan after it), panic framing dropped ({@link withoutPanic}).
 *
 * @example
 * ```ts
 * messageOf(new Error("column not found: x\n\nplan: …"), true); // "column not found: x"
 * ```
 */
export function messageOf(error: unknown, firstLine = false): string {
  const message =
    error instanceof Error ? error.message : typeof error === "string" ? error : JSON.stringify(error);
  if (!firstLine) return message;
  const cleaned = withoutPanic(message);
  return (cleaned.split("\n").find((line) => line.trim() !== "") ?? cleaned).trim();
}

/** `step "x": message` → `message`, where the step is already named by the caller. */
export function withoutSubject(message: string, step: string): string {
  const prefix = `step "${step}": `;
  return message.startsWith(prefix) ? message.slice(prefix.length) : message;
}
