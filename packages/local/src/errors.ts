import { type ErrorSubject, GlacierError, type GlacierErrorCode } from "@glacier/core";
import { absurd } from "@glacier/core/internal";
import { messageOf } from "@glacier/engine/message-of";

// One definition of each, in the engine; re-exported for this package's modules. From the engine's
// `message-of` subpath, not its index: the worker threads import this file, and the index is ~24 modules more
// on a worker's start.
export { messageOf, withoutPanic, withoutSubject } from "@glacier/engine/message-of";

/** Why an S3 or polars storage call failed, from the SDK error or polars' object-store message. */
export type StorageProblem = "missing" | "denied" | "unreachable" | "other";

/** Classifies an AWS SDK error or a polars object-store error. */
export function storageProblem(error: unknown): StorageProblem {
  const e = error as {
    name?: string;
    code?: string;
    $metadata?: { httpStatusCode?: number };
    message?: string;
    cause?: unknown;
  };
  const status = e?.$metadata?.httpStatusCode;
  const name = e?.name ?? "";
  const message = e?.message ?? "";
  if (status === 404 || /^(NotFound|NoSuchKey|NoSuchBucket)$/.test(name)) return "missing";
  if (
    status === 403 ||
    /AccessDenied|InvalidAccessKeyId|SignatureDoesNotMatch|Forbidden/.test(name) ||
    /lacked the necessary privileges|403 Forbidden|AccessDenied|InvalidAccessKeyId|SignatureDoesNotMatch/.test(
      message,
    )
  ) {
    return "denied";
  }
  if (
    /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EHOSTUNREACH|ECONNRESET|EAI_AGAIN/.test(
      `${e?.code ?? ""} ${message}`,
    ) ||
    name === "TimeoutError" ||
    /error sending request|connection refused|dns error|timed out/i.test(message)
  ) {
    return "unreachable";
  }
  if (/not found|No such file|NoSuchKey|404 Not Found/i.test(message)) return "missing";
  if (e?.cause !== undefined && e.cause !== error) return storageProblem(e.cause);
  return "other";
}

/** The hint that goes with a storage problem. */
export function storageHint(problem: StorageProblem, endpoint?: string): string {
  switch (problem) {
    case "denied":
      return "Check the AWS credentials (AWS_ACCESS_KEY_ID / AWS_PROFILE) and that they may read and write this bucket.";
    case "unreachable":
      return `Check the network and the S3 endpoint${endpoint ? ` (${endpoint})` : ""}; AWS_ENDPOINT_URL sets it for S3-compatible servers.`;
    case "missing":
      return "Check the bucket name and path, or create the data first.";
    case "other":
      return "See the cause for details.";
    default:
      return absurd(problem);
  }
}

/** A STORAGE_ERROR for a failed storage call on `location`. */
export function storageError(
  action: string,
  location: string,
  error: unknown,
  subject?: ErrorSubject,
  endpoint?: string,
): GlacierError {
  const problem = storageProblem(error);
  const what =
    problem === "denied"
      ? "access denied"
      : problem === "unreachable"
        ? "storage unreachable"
        : problem === "missing"
          ? "not found"
          : "failed";
  return new GlacierError("STORAGE_ERROR", `${action} ${location}: ${what} (${messageOf(error, true)}).`, {
    subject: subject ?? { kind: "file", name: location },
    hint: storageHint(problem, endpoint),
    cause: error,
  });
}

/** A GlacierError as plain data, to cross a worker boundary or land in a run record. */
export interface SerializedError {
  readonly code?: GlacierErrorCode;
  readonly message: string;
  readonly hint?: string;
  readonly subject?: ErrorSubject;
  readonly stack?: string;
}

/** Any thrown value as plain data; a GlacierError keeps its code, subject and hint. */
export function serializeError(error: unknown): SerializedError {
  if (GlacierError.is(error)) {
    return {
      code: error.code,
      message: error.message,
      ...(error.hint === undefined ? {} : { hint: error.hint }),
      ...(error.subject === undefined ? {} : { subject: error.subject }),
      ...(error.stack === undefined ? {} : { stack: error.stack }),
    };
  }
  const stack = error instanceof Error ? error.stack : undefined;
  return { message: messageOf(error), ...(stack === undefined ? {} : { stack }) };
}

/** Rebuilds an error sent by {@link serializeError}: GlacierErrors keep their code and message. */
export function deserializeError(data: SerializedError): Error {
  if (data.code !== undefined) {
    const error = new GlacierError(data.code, "", {});
    // The serialized message is already complete (subject prefix and hint included).
    Object.defineProperty(error, "message", { value: data.message });
    Object.defineProperty(error, "subject", { value: data.subject });
    Object.defineProperty(error, "hint", { value: data.hint });
    if (data.stack !== undefined) error.stack = data.stack;
    return error;
  }
  const error = new Error(data.message);
  if (data.stack !== undefined) error.stack = data.stack;
  return error;
}
