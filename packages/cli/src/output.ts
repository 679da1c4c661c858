import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { GlacierError } from "@glacier/core";
import type { Io } from "./io.js";

/**
 * Writes a command's result to `--output FILE` (creating its directory) or to stdout. A file that cannot be
 * written is INVALID_OPTION naming it, not a stack trace.
 *
 * @example
 * ```ts
 * writeResult(html, "site/lineage.html", io); // writes the file, says so on stderr
 * ```
 */
export function writeResult(text: string, file: string | undefined, io: Io): void {
  if (file === undefined) {
    io.stdout.write(text);
    return;
  }
  const path = resolve(file);
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  } catch (error) {
    throw new GlacierError("INVALID_OPTION", `cannot write ${path}: ${(error as Error).message}.`, {
      subject: { kind: "option", name: "--output" },
      hint: "Choose a writable path.",
      cause: error,
    });
  }
  io.err(`wrote ${file}`);
}
