import type { CheckResult } from "@glacier/core";
import { describe, expect, it } from "vitest";
import { splitCheckResults, withCheckResults } from "../src/check-results-wire.js";

const result = (name: string, sample: Record<string, unknown>[]): CheckResult => ({
  name,
  type: "notNull",
  severity: "blocking",
  status: "failed",
  failing: sample.length,
  message: `${sample.length} rows have a null in "id"`,
  sample,
});

describe("check results in a failed step's message", () => {
  it("round-trip: the message comes back without them, the results whole", () => {
    const results = [result("not_null(id)", [{ id: null, amount: 3 }])];
    const sent = withCheckResults("check not_null(id): … (log: /aws/lambda/f s)", results);
    expect(splitCheckResults(sent)).toEqual({
      message: "check not_null(id): … (log: /aws/lambda/f s)",
      checks: results,
    });
  });

  it("drop sample rows that would take the message past what Step Functions keeps of a cause", () => {
    const wide = { id: null, text: "x".repeat(4_000) };
    const results = ["a", "b", "c", "d", "e"].map((n) => result(n, [wide, wide]));
    const sent = withCheckResults("failed", results);
    expect(sent.length).toBeLessThan(32_768);
    const back = splitCheckResults(sent).checks;
    expect(back?.map((r) => [r.name, r.failing, r.sample])).toEqual([
      ["a", 2, undefined],
      ["b", 2, undefined],
      ["c", 2, undefined],
      ["d", 2, undefined],
      ["e", 2, undefined],
    ]);
  });

  it("leave a message without results, or with unreadable ones, as a message", () => {
    expect(splitCheckResults("plain failure")).toEqual({ message: "plain failure" });
    expect(splitCheckResults('oops\nGlacier check results: [{"name":1}]')).toEqual({ message: "oops" });
    expect(splitCheckResults("oops\nGlacier check results: [{")).toEqual({ message: "oops" });
  });
});
