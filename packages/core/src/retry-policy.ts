import { GlacierError, type GlacierErrorCode } from "./errors.js";

/**
 * Failures a rerun of the same step cannot fix: a source is missing, the data's or the result's shape is
 * wrong, a blocking data check failed, the task cannot be called, a parameter is wrong, or the deployed code does not hold the step. They
 * are never retried, whatever the task's `retries` — by the local and cloud executors (through
 * `@glacier/engine`) and by the generated Step Functions state machines (as `GlacierError.<CODE>`).
 */
export const NON_RETRYABLE_CODES = Object.freeze([
  "SOURCE_MISSING",
  "SCHEMA_MISMATCH",
  "TASK_RESULT_INVALID",
  "INVALID_TASK",
  "PARAM_UNKNOWN",
  "PARAM_MISSING",
  "PARAM_INVALID",
  "UNKNOWN_STEP",
  "SOURCE_UNREADABLE",
  "OUTPUT_NOT_OWNED",
  "CHECK_FAILED",
] as const satisfies readonly GlacierErrorCode[]);

/** How a failed attempt's wait is randomised. Only full jitter: `random(0, ceiling)`. */
export type RetryJitter = "full";

/** When and how often a failing step is tried again. */
export interface RetryPolicy {
  /** Ceiling of the wait before the first retry, in whole seconds (Step Functions' `IntervalSeconds`). */
  readonly baseSeconds: number;
  /** Each retry's ceiling is the previous one's times this (`BackoffRate`). */
  readonly factor: number;
  /** No wait is longer than this (`MaxDelaySeconds`). */
  readonly maxDelaySeconds: number;
  readonly jitter: RetryJitter;
  /** Error codes never retried. */
  readonly nonRetryable: readonly GlacierErrorCode[];
}

/**
 * The one retry policy of Glacier: a step is attempted `retries + 1` times; retry `n` (1-based) waits a random
 * time between 0 and `min(30 s, 1 s × 2^(n-1))` (exponential backoff with full jitter, so steps failing
 * together do not retry together); failures with a {@link NON_RETRYABLE_CODES} code are not retried.
 *
 * @example
 * ```ts
 * lambda.task(clean, { retries: 3 });
 * // local and direct cloud runs: attempts 1…4, waits ≤ 1 s, ≤ 2 s, ≤ 4 s
 * // Step Functions: { ErrorEquals: ["States.ALL"], MaxAttempts: 3, IntervalSeconds: 1, BackoffRate: 2,
 * //                   MaxDelaySeconds: 30, JitterStrategy: "FULL" }
 * ```
 */
export const RETRY_POLICY: RetryPolicy = Object.freeze({
  baseSeconds: 1,
  factor: 2,
  maxDelaySeconds: 30,
  jitter: "full",
  nonRetryable: NON_RETRYABLE_CODES,
});

/** Attempts of a task with `retries` retries: the first one included. */
export function retryAttempts(retries: number): number {
  return retries + 1;
}

/** The longest wait before retry `n` (1-based), in milliseconds: `min(max, base × factor^(n-1))`. */
export function retryCeilingMs(n: number, policy: RetryPolicy = RETRY_POLICY): number {
  return Math.min(policy.maxDelaySeconds, policy.baseSeconds * policy.factor ** (n - 1)) * 1000;
}

/**
 * The wait before retry `n` (1-based), in milliseconds: full jitter below {@link retryCeilingMs}.
 *
 * @example
 * ```ts
 * retryDelayMs(3, () => 0.5); // 2000 (half of the 4 s ceiling)
 * ```
 */
export function retryDelayMs(
  n: number,
  random: () => number = Math.random,
  policy: RetryPolicy = RETRY_POLICY,
): number {
  return Math.floor(random() * retryCeilingMs(n, policy));
}

/** False for a GlacierError whose code is one a retry cannot fix; true for anything else. */
export function isRetryable(error: unknown, policy: RetryPolicy = RETRY_POLICY): boolean {
  return !(GlacierError.is(error) && policy.nonRetryable.includes(error.code));
}
