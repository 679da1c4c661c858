import type { TaskLogger } from "@glacier/core";
import type * as Pino from "pino";
import type { Logger } from "pino";

/** A log line's level. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** A log line as the console shows it. */
export interface LogLine {
  readonly level: LogLevel;
  readonly step?: string;
  readonly message: string;
  readonly fields?: Readonly<Record<string, unknown>>;
}

let pinoModule: Promise<typeof Pino> | undefined;

/** Starts loading pino early: its ~50 ms of module evaluation then overlaps a run's first file I/O. */
export function preloadLog(): void {
  pinoModule ??= import("pino");
  pinoModule.catch(() => undefined);
}

/**
 * The run's structured log: pino writing JSON lines synchronously to `log.jsonl` (a killed run keeps every
 * line it logged), each with the run id and, for step events and task logs, the step name.
 */
export class RunLog {
  readonly path: string | undefined;
  readonly #logger: Logger | undefined;
  readonly #echo: ((line: LogLine) => void) | undefined;

  private constructor(path: string | undefined, logger: Logger | undefined, echo?: (line: LogLine) => void) {
    this.path = path;
    this.#logger = logger;
    this.#echo = echo;
  }

  /** A log writing `path` (JSON lines); `echo` also receives every line for the console. */
  static async open(path: string, runId: string, echo?: (line: LogLine) => void): Promise<RunLog> {
    preloadLog();
    const { default: pino } = await (pinoModule as Promise<typeof Pino>);
    const logger = pino(
      {
        base: { runId },
        level: "debug",
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
      },
      pino.destination({ dest: path, sync: true, mkdir: true }),
    );
    return new RunLog(path, logger, echo);
  }

  /** A log that writes nothing (plan mode). */
  static silent(echo?: (line: LogLine) => void): RunLog {
    return new RunLog(undefined, undefined, echo);
  }

  /** Writes a line; `echo` also shows it on the console (task logs do, run events have their own view). */
  write(line: LogLine, echo = false): void {
    const fields = { ...(line.fields ?? {}), ...(line.step === undefined ? {} : { step: line.step }) };
    this.#logger?.[line.level](fields, line.message);
    if (echo) this.#echo?.(line);
  }

  /** The logger a task gets as `ctx.log`: its lines carry the step name. */
  forStep(step: string): TaskLogger {
    const at =
      (level: LogLevel) =>
      (message: string, fields?: Readonly<Record<string, unknown>>): void =>
        this.write(
          { level, step, message: String(message), ...(fields === undefined ? {} : { fields }) },
          true,
        );
    return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
  }

  flush(): void {
    this.#logger?.flush();
  }
}
