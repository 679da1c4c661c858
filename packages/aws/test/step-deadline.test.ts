import { describe, expect, it } from "vitest";
import { attemptDeadline, invocationStart } from "../src/step-deadline.js";

describe("a Lambda attempt's deadline", () => {
  const start = 1_700_000_000_000;

  it("is the state machine's timeout counted from the invocation's start", () => {
    expect(attemptDeadline({ timeoutSeconds: 30 }, start)).toBe(start + 30_000);
  });

  it("is the earlier of the direct executor's instant and the timeout", () => {
    expect(attemptDeadline({ deadline: start + 10_000, timeoutSeconds: 30 }, start)).toBe(start + 10_000);
    expect(attemptDeadline({ deadline: start + 90_000, timeoutSeconds: 30 }, start)).toBe(start + 30_000);
  });

  it("is none when the event names none, and ignores values that are not numbers", () => {
    expect(attemptDeadline({}, start)).toBeUndefined();
    expect(attemptDeadline({ deadline: "soon", timeoutSeconds: "30" }, start)).toBeUndefined();
    expect(attemptDeadline({ timeoutSeconds: 0 }, start)).toBeUndefined();
  });

  it("counts an on-demand cold start from the process's start, and a warm or provisioned one from now", () => {
    const before = Date.now();
    const cold = invocationStart(true, {});
    expect(cold).toBeLessThanOrEqual(before - process.uptime() * 1000 + 50);
    expect(invocationStart(false, {})).toBeGreaterThanOrEqual(before);
    expect(
      invocationStart(true, { AWS_LAMBDA_INITIALIZATION_TYPE: "provisioned-concurrency" }),
    ).toBeGreaterThanOrEqual(before);
  });
});
