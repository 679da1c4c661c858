import { GlacierError } from "@glacier/core";
import { describe, expect, it } from "vitest";
import { parseChoice, parseParams, parsePositiveInteger } from "../src/options.js";
import { reportError } from "../src/report-error.js";
import { formatTable } from "../src/table.js";
import { memoryIo } from "./helpers/memory-io.js";

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return GlacierError.is(error) ? error.code : `not a GlacierError: ${String(error)}`;
  }
  return undefined;
}

describe("parseParams", () => {
  it("keeps everything after the first = as the raw value", () => {
    expect(parseParams(["day=2024-01-31", "filter=a=b", "empty="])).toEqual({
      day: "2024-01-31",
      filter: "a=b",
      empty: "",
    });
  });

  it.each([["noequals"], ["=value"], ["1st=x"], ["with space=x"]])("rejects %j as PARAM_INVALID", (pair) => {
    expect(codeOf(() => parseParams([pair]))).toBe("PARAM_INVALID");
  });

  it("rejects a key given twice", () => {
    expect(() => parseParams(["a=1", "a=2"])).toThrowErrorMatchingInlineSnapshot(
      `[GlacierError: param "a": is given twice. Pass each parameter once.]`,
    );
  });
});

describe("parseChoice and parsePositiveInteger", () => {
  it("uses the caller's code", () => {
    expect(codeOf(() => parseChoice("fast", ["local", "cloud"], "mode", "UNKNOWN_MODE"))).toBe(
      "UNKNOWN_MODE",
    );
    expect(parseChoice("cloud", ["local", "cloud"], "mode")).toBe("cloud");
  });

  it.each([["0"], ["-1"], ["1.5"], ["four"], [""], ["99999999999999999999"]])("rejects %j", (value) => {
    expect(codeOf(() => parsePositiveInteger(value, "concurrency"))).toBe("INVALID_OPTION");
  });

  it("accepts whole numbers from 1", () => {
    expect(parsePositiveInteger("1", "limit")).toBe(1);
    expect(parsePositiveInteger("16", "limit")).toBe(16);
  });
});

describe("formatTable", () => {
  it("pads columns, right-aligns where asked, and ignores colour codes in widths", () => {
    const red = (s: string) => `\u001b[31m${s}\u001b[39m`;
    expect(
      formatTable(
        [
          ["step", "rows", "status"],
          ["cleanSales", red("3,616"), "failed"],
          ["x", "12", "ok"],
        ],
        ["left", "right", "left"],
      )
        .replaceAll("\u001b[31m", "")
        .replaceAll("\u001b[39m", ""),
    ).toBe(["step         rows  status", "cleanSales  3,616  failed", "x              12  ok"].join("\n"));
  });
});

describe("reportError", () => {
  it("prints a GlacierError as one line and maps it to exit 2", () => {
    const io = memoryIo();
    const error = new GlacierError("UNKNOWN_PIPELINE", "no pipeline has this name.", {
      subject: { kind: "pipeline", name: "nope" },
    });
    expect(reportError(error, io, false)).toBe(2);
    expect(io.output().stderr).toBe('error [UNKNOWN_PIPELINE] pipeline "nope": no pipeline has this name.\n');
  });

  it("prints anything else as one line asking for --verbose, and maps it to exit 70", () => {
    const io = memoryIo();
    expect(
      reportError(new TypeError("cannot read properties of undefined\n  (reading 'x')"), io, false),
    ).toBe(70);
    expect(io.output().stderr).toBe(
      "error cannot read properties of undefined (reading 'x') (unexpected: re-run with --verbose for the stack)\n",
    );
  });

  it("with --verbose adds the stack and every cause", () => {
    const io = memoryIo();
    const root = new Error("disk full");
    reportError(new GlacierError("STORAGE_ERROR", "cannot write.", { cause: root }), io, true);
    const { stderr } = io.output();
    expect(stderr.split("\n")[0]).toBe("error [STORAGE_ERROR] cannot write.");
    expect(stderr).toMatch(/^GlacierError: cannot write\.\n\s+at /m);
    expect(stderr).toMatch(/^caused by: Error: disk full\n\s+at /m);
  });
});
