import type { TaskLogger } from "@glacier/core";
import type { LogLevel } from "@glacier/engine";

/** A TaskLogger printing JSON lines to stderr: the default of `executeStep` (CloudWatch in a Lambda). */
export function stderrLogger(step: string, runId: string): TaskLogger {
  const at =
    (level: LogLevel) =>
    (message: string, fields?: Readonly<Record<string, unknown>>): void => {
      process.stderr.write(
        `${JSON.stringify({ level, time: new Date().toISOString(), runId, step, msg: String(message), ...fields })}\n`,
      );
    };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}
