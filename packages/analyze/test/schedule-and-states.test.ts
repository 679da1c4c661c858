import { describe, expect, it } from "vitest";
import { runsPerMonth, statesEntered } from "../src/index.js";

describe("runs per month of a schedule (730 h months)", () => {
  it.each([
    ["rate(1 day)", 730 / 24],
    ["rate(5 minutes)", (730 * 60) / 5],
    ["rate(2 hours)", 365],
    ["cron(0 6 * * ? *)", 730 / 24],
    // every 15 minutes on weekdays: 4 × 24 × 5 days × (730 / 24 / 7) weeks
    ["cron(0/15 * ? * MON-FRI *)", 4 * 24 * 5 * (730 / 24 / 7)],
    ["cron(0 8 1 * ? *)", 1],
    ["cron(30 9 1 JAN,JUL ? *)", 2 / 12],
  ])("%s", (expression, expected) => {
    expect(runsPerMonth(expression)).toBeCloseTo(expected, 9);
  });

  it("cannot read anything else", () => {
    expect(runsPerMonth("every day")).toBeNull();
  });
});

describe("states one successful execution enters", () => {
  it("follows a Choice's default and counts Parallel branches", () => {
    const definition = {
      StartAt: "Params given?",
      States: {
        "Params given?": { Type: "Choice", Choices: [{ Next: "Fan out" }], Default: "Default params" },
        "Default params": { Type: "Pass", Next: "Fan out" },
        "Fan out": {
          Type: "Parallel",
          Branches: [
            { StartAt: "b", States: { b: { Type: "Task", End: true } } },
            { StartAt: "c", States: { c: { Type: "Task", End: true } } },
          ],
          Next: "d",
        },
        d: { Type: "Task", End: true },
        "d failed": { Type: "Fail" },
      },
    };
    // Choice, Pass, Parallel (+ b, c), d = 6
    expect(statesEntered(definition)).toBe(6);
  });
});
