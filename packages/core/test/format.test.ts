import { describe, expect, it } from "vitest";
import { formatBytes, formatCount } from "@glacier/core/internal";

describe("formatCount", () => {
  it("says one thing in the singular and every other count in the plural", () => {
    expect(formatCount(1, "step")).toBe("1 step");
    expect(formatCount(1, "row")).toBe("1 row");
    expect(formatCount(0, "row")).toBe("0 rows");
    expect(formatCount(12_345, "row")).toBe("12,345 rows");
    expect(formatCount(2, "entry", "entries")).toBe("2 entries");
  });
});

describe("formatBytes", () => {
  it("uses decimal units", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(61_234)).toBe("61.2 kB");
  });
});
