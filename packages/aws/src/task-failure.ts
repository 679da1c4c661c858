import { GlacierError, type GlacierErrorCode, ERROR_CODES } from "@glacier/core";

/** A step's failure as reported by the service that ran it, with where its logs are. */
export class TaskFailure extends GlacierError {
  /** True when running the task again cannot succeed (missing data, a schema or parameter mistake). */
  readonly permanent: boolean;
  /** CloudWatch log group and stream, or the S3 prefix of a Spark job's logs. */
  readonly logs: string | undefined;

  constructor(
    code: GlacierErrorCode,
    step: string,
    message: string,
    options: { readonly permanent: boolean; readonly logs?: string; readonly cause?: unknown },
  ) {
    super(code, `${message}${options.logs ? ` (log: ${options.logs})` : ""}`, {
      subject: { kind: "step", name: step },
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
    this.permanent = options.permanent;
    this.logs = options.logs;
  }
}

/** `GlacierError.SOURCE_MISSING` → `SOURCE_MISSING`; anything else (a raw `Error`) → `TASK_FAILED`. */
export function codeOfErrorType(errorType: string | undefined): GlacierErrorCode {
  const code = errorType?.startsWith("GlacierError.") ? errorType.slice("GlacierError.".length) : undefined;
  return code !== undefined && (ERROR_CODES as readonly string[]).includes(code)
    ? (code as GlacierErrorCode)
    : "TASK_FAILED";
}

/** A step stopped because the run was cancelled (Ctrl-C) or another step failed with failFast. */
export class StepCancelled extends Error {
  constructor(readonly why: string) {
    super(why);
  }
}

/** A step ran past its timeout. */
export function timedOut(step: string, seconds: number, logs?: string): TaskFailure {
  return new TaskFailure(
    "TASK_FAILED",
    step,
    `the task timed out after ${seconds} s. Raise its timeout option.`,
    {
      permanent: false,
      ...(logs === undefined ? {} : { logs }),
    },
  );
}
