import { retryDelayMs } from "@glacier/core/internal";
import { describe, expect, it } from "vitest";
import { pollDelayMs } from "../src/dispatch-emr.js";

describe("task retries (core's retry policy, which the cloud executor runs through the engine)", () => {
  it("wait a full-jitter backoff: anywhere from 0 up to 1 s, 2 s, 4 s … capped at 30 s", () => {
    const highest = (n: number) => retryDelayMs(n, () => 0.999999);
    expect([1, 2, 3, 4, 5, 6, 7].map(highest)).toEqual([999, 1999, 3999, 7999, 15999, 29999, 29999]);
    expect(retryDelayMs(3, () => 0)).toBe(0);
    expect(retryDelayMs(3, () => 0.5)).toBe(2000);
  });
});

describe("EMR Serverless polling", () => {
  it("starts at 250 ms and slows to every 10 s", () => {
    expect([0, 1, 2, 3, 10, 20].map((n) => Math.round(pollDelayMs(n)))).toEqual([
      250, 375, 563, 844, 10000, 10000,
    ]);
  });
});
