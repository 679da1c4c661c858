import { CommanderError } from "commander";
import { GlacierError } from "@glacier/core";
import { EXIT, type ExitCode } from "./exit-codes.js";
import { type Io, processIo } from "./io.js";
import { buildProgram } from "./program.js";
import { reportError } from "./report-error.js";

export { dieBy, signalOf } from "./signals.js";

/** Commander's own errors (unknown option, missing argument …) in the CLI's one-line format; exit 2. */
function commanderExit(error: CommanderError, io: Io, verbose: boolean): ExitCode {
  // --help and --version end parsing with exit code 0.
  if (error.exitCode === 0) return EXIT.ok;
  // `glacier` with no command printed the help already.
  if (error.code === "commander.help" || error.code === "commander.helpDisplayed") return EXIT.usage;
  const message = error.message.replace(/^error:\s*/, "").replace(/\.$/, "");
  return reportError(
    new GlacierError("INVALID_OPTION", `${message}.`, { hint: "See glacier --help.", cause: error }),
    io,
    verbose,
  );
}

/**
 * Runs the CLI on `argv` (without `node` and the script) and returns the exit code: 0 ok, 1 a run failed,
 * 2 a user mistake (one line `error [CODE] message` on stderr), 70 an unexpected error. Never throws.
 *
 * @example
 * ```ts
 * process.exitCode = await main(["validate", "examples/simple/pipeline.ts"]);
 * // stdout: ok: 1 pipeline, 2 steps, 3 buckets (examples/simple/pipeline.ts)
 * ```
 */
export async function main(argv: readonly string[], io: Io = processIo()): Promise<ExitCode> {
  const verbose = argv.includes("--verbose");
  let code: ExitCode = EXIT.ok;
  try {
    await buildProgram(io, (c) => (code = c)).parseAsync([...argv], { from: "user" });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) return commanderExit(error, io, verbose);
    return reportError(error, io, verbose);
  }
}
