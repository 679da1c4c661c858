import { GlacierError } from "@glacier/core";
import { EXIT, type ExitCode } from "./exit-codes.js";
import type { Io } from "./io.js";

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}

function causeChain(error: unknown): string[] {
  const lines: string[] = [];
  let current = (error as { cause?: unknown } | null)?.cause;
  for (let depth = 0; current !== undefined && depth < 8; depth++) {
    const detail = current instanceof Error ? (current.stack ?? current.message) : String(current);
    lines.push(`caused by: ${detail}`);
    current = (current as { cause?: unknown } | null)?.cause;
  }
  return lines;
}

/**
 * Prints an error the way the CLI promises: one line on stderr (`error [CODE] message` for a GlacierError),
 * stack and causes only with `--verbose`; returns the exit code it maps to.
 *
 * @example
 * ```ts
 * reportError(new GlacierError("UNKNOWN_PIPELINE", "no pipeline has this name.", …), io, false);
 * // stderr: error [UNKNOWN_PIPELINE] pipeline "nope": no pipeline has this name. Pipelines: sales.
 * // → 2
 * ```
 */
export function reportError(error: unknown, io: Io, verbose: boolean): ExitCode {
  const known = GlacierError.is(error);
  const message = error instanceof Error || known ? (error as Error).message : String(error);
  if (known) io.err(`${io.colors.red("error")} [${error.code}] ${oneLine(message)}`);
  else {
    const more = verbose ? "" : " (unexpected: re-run with --verbose for the stack)";
    io.err(`${io.colors.red("error")} ${oneLine(message)}${more}`);
  }
  if (verbose) {
    const stack = (error as Error | null)?.stack;
    if (stack) io.err(io.colors.dim(stack));
    for (const line of causeChain(error)) io.err(io.colors.dim(line));
  }
  return known ? EXIT.usage : EXIT.internal;
}
