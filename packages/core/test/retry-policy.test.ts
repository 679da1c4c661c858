import { describe, expect, it } from "vitest";
import { GlacierError } from "@glacier/core";
import {
  isRetryable,
  NON_RETRYABLE_CODES,
  RETRY_POLICY,
  retryAttempts,
  retryCeilingMs,
  retryDelayMs,
} from "@glacier/core/internal";

describe("the retry policy", () => {
  it("attempts a task retries + 1 times", () => {
    expect([0, 1, 3].map(retryAttempts)).toEqual([1, 2, 4]);
  });

  it("backs off exponentially from 1 s, doubling, capped at 30 s", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map((n) => retryCeilingMs(n))).toEqual([
      1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000,
    ]);
    expect(RETRY_POLICY).toMatchObject({ baseSeconds: 1, factor: 2, maxDelaySeconds: 30, jitter: "full" });
    // Step Functions takes IntervalSeconds in whole seconds.
    expect(Number.isInteger(RETRY_POLICY.baseSeconds)).toBe(true);
  });

  it("waits a full-jitter delay: anywhere from 0 to just under the ceiling, never more", () => {
    expect(retryDelayMs(3, () => 0)).toBe(0);
    expect(retryDelayMs(3, () => 0.5)).toBe(2000);
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => retryDelayMs(n, () => 0.999999))).toEqual([
      999, 1999, 3999, 7999, 15999, 29999, 29999,
    ]);
    for (let n = 1; n <= 12; n++) {
      for (let i = 0; i < 50; i++) {
        const delay = retryDelayMs(n);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(retryCeilingMs(n));
      }
    }
  });

  it("never retries what a rerun cannot fix: a source that cannot be read, an output Glacier does not own, a wrong result", () => {
    expect([...NON_RETRYABLE_CODES].sort()).toEqual(
      [
        "CHECK_FAILED",
        "INVALID_TASK",
        "OUTPUT_NOT_OWNED",
        "PARAM_INVALID",
        "PARAM_MISSING",
        "PARAM_UNKNOWN",
        "SCHEMA_MISMATCH",
        "SOURCE_MISSING",
        "SOURCE_UNREADABLE",
        "TASK_RESULT_INVALID",
        "UNKNOWN_STEP",
      ].sort(),
    );
    for (const code of NON_RETRYABLE_CODES) expect(isRetryable(new GlacierError(code, "x"))).toBe(false);
    expect(isRetryable(new GlacierError("TASK_FAILED", "x"))).toBe(true);
    expect(isRetryable(new GlacierError("STORAGE_ERROR", "x"))).toBe(true);
    expect(isRetryable(new Error("ECONNRESET"))).toBe(true);
  });
});
