import { mkdirSync, statSync, writeFileSync } from "node:fs";
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
    const file = fileInTheWay(dirname(path));
    const why = file === undefined ? (error as Error).message : `${file} is a file, not a directory`;
    throw new GlacierError("INVALID_OPTION", `cannot write ${path}: ${why}.`, {
      subject: { kind: "option", name: "--output" },
      hint: "Choose a writable path.",
      cause: error,
    });
  }
  io.err(`wrote ${file}`);
}

/** The file standing where `dir` or one of its parents must be a directory, if any. */
function fileInTheWay(dir: string): string | undefined {
  for (let current = dir; ; current = dirname(current)) {
    const found = statSync(current, { throwIfNoEntry: false });
    if (found) return found.isDirectory() ? undefined : current;
    if (dirname(current) === current) return undefined;
  }
}

/**
 * Checks that a command's output directory (`glacier generate <outdir>`) can be a directory: INVALID_OPTION
 * naming the file in the way, before anything is generated.
 */
export function checkOutputDir(dir: string, option: string): void {
  const file = fileInTheWay(resolve(dir));
  if (file === undefined) return;
  throw new GlacierError(
    "INVALID_OPTION",
    `cannot write into ${resolve(dir)}: ${file} is a file, not a directory.`,
    {
      subject: { kind: "option", name: option },
      hint: `Choose another directory, or move ${file} out of the way.`,
    },
  );
}
