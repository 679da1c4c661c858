/**
 * Every failure Glacier reports is a {@link GlacierError} with one code from this closed set, so callers
 * (and the CLI's exit codes) can branch on `error.code` instead of parsing messages.
 */
export const ERROR_CODES = Object.freeze([
  // Definition errors: the pipeline code is wrong.
  "INVALID_OPTION",
  "INVALID_PROVIDER",
  "INVALID_BUCKET",
  "INVALID_PATH",
  "UNKNOWN_FORMAT",
  "INVALID_SCHEMA",
  "INVALID_TASK",
  "INPUT_MISMATCH",
  "EMPTY_PIPELINE",
  "INVALID_TARGET",
  "INVALID_NAME",
  "INVALID_PARAM",
  "INVALID_PARTITION",
  "PARTITION_MISMATCH",
  // A warning: SQL whose result differs between Polars SQL (local) and Spark SQL (EMR).
  "SQL_NOT_PORTABLE",
  // Graph errors: pipelines that cannot be ordered or would overwrite each other.
  "CYCLE",
  "DUPLICATE_WRITER",
  "LOCATION_OVERLAP",
  "UNKNOWN_STEP",
  "UNKNOWN_PIPELINE",
  "NO_LINEAGE",
  // Running: modes, interpreters and run-time parameters.
  "UNKNOWN_MODE",
  "INTERPRETER_MISSING",
  "PARAM_UNKNOWN",
  "PARAM_MISSING",
  "PARAM_INVALID",
  // Loading user code (CLI).
  "ENTRY_NOT_FOUND",
  "ENTRY_LOAD_FAILED",
  "NO_PIPELINES",
  "INVALID_CONFIG",
  "TYPE_ERROR",
  "FILE_EXISTS",
  // Data and execution (interpreters).
  "SOURCE_MISSING",
  "SOURCE_UNREADABLE",
  "SCHEMA_MISMATCH",
  "TASK_FAILED",
  "TASK_TIMEOUT",
  "TASK_RESULT_INVALID",
  "CHECK_FAILED",
  "STORAGE_ERROR",
  "OUTPUT_NOT_OWNED",
  "LOCKED",
  "RUN_NOT_FOUND",
  "RUN_RECORD_INVALID",
  "GENERATE_FAILED",
  "CLOUD_ERROR",
] as const);

/** One of Glacier's error codes. */
export type GlacierErrorCode = (typeof ERROR_CODES)[number];

/** What an error is about: the bucket, step, option, pipeline or file a user should look at. */
export interface ErrorSubject {
  readonly kind:
    "bucket" | "step" | "task" | "option" | "pipeline" | "provider" | "param" | "file" | "run" | "mode";
  /** The name or id a user wrote, e.g. `"acme-data/raw/sales.parquet"` or `"serverless.memory"`. */
  readonly name: string;
}

/** Construction details of a {@link GlacierError}. */
export interface GlacierErrorOptions {
  readonly subject?: ErrorSubject;
  /** How to fix it, in one sentence. Appended to the message. */
  readonly hint?: string;
  readonly cause?: unknown;
}

const BRAND = Symbol.for("glacier.error");

/**
 * The one error class of Glacier. The message names the offending node and ends with how to fix it.
 *
 * @example
 * ```ts
 * provider.serverless({ memory: 64 });
 * // GlacierError [INVALID_OPTION] serverless.memory: 64 MB is outside Lambda's 128–10240 MB. Set memory between 128 and 10240.
 * ```
 */
export class GlacierError extends Error {
  override readonly name = "GlacierError";
  readonly code: GlacierErrorCode;
  readonly subject: ErrorSubject | undefined;
  readonly hint: string | undefined;

  constructor(code: GlacierErrorCode, message: string, options: GlacierErrorOptions = {}) {
    const where = options.subject ? `${options.subject.kind} "${options.subject.name}": ` : "";
    // A message that does not end a sentence (a user's own error text, say) gets a full stop before the hint.
    const stop = /[.!?…]["')\]]*$/.test(message.trimEnd()) ? "" : ".";
    const fix = options.hint ? `${stop} ${options.hint}` : "";
    super(`${where}${message}${fix}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.subject = options.subject;
    this.hint = options.hint;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** True for a GlacierError from any copy of this package (bundles may hold two). */
  static is(value: unknown): value is GlacierError {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}

/**
 * @internal A user's value as an error message shows it: JSON for text and objects, but `NaN` and `Infinity`
 * as themselves (JSON would print both as `null`) and `undefined` as `undefined`.
 */
export function shown(value: unknown): string {
  return typeof value === "number" ? String(value) : (JSON.stringify(value) ?? String(value));
}
