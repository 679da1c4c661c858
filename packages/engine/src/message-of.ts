/**
 * The message of any thrown value; with `firstLine`, only its first non-empty line (polars' errors carry the
 * whole plan after it).
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
  return (message.split("\n").find((line) => line.trim() !== "") ?? message).trim();
}

/** `step "x": message` → `message`, where the step is already named by the caller. */
export function withoutSubject(message: string, step: string): string {
  const prefix = `step "${step}": `;
  return message.startsWith(prefix) ? message.slice(prefix.length) : message;
}
