import { describe, expect, expectTypeOf, it } from "vitest";
import { ERROR_CODES, GlacierError, type GlacierErrorCode, isBucket, Provider } from "@glacier/core";

describe("GlacierError", () => {
  it("has a closed set of codes: frozen, unique, and covering every failure the DSL and interpreters report", () => {
    expect(Object.isFrozen(ERROR_CODES)).toBe(true);
    expect(() => (ERROR_CODES as unknown as string[]).push("OTHER")).toThrow(TypeError);
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
    for (const code of ERROR_CODES) expect(code).toMatch(/^[A-Z]+(_[A-Z]+)*$/);
    // Additions are allowed (core grows additively); removals and renames break callers that branch on codes.
    expect(ERROR_CODES).toEqual(
      expect.arrayContaining([
        ...["INVALID_OPTION", "INVALID_PROVIDER", "INVALID_BUCKET", "INVALID_PATH", "UNKNOWN_FORMAT"],
        ...["INVALID_SCHEMA", "INVALID_TASK", "INPUT_MISMATCH", "EMPTY_PIPELINE", "INVALID_TARGET"],
        ...["INVALID_NAME", "INVALID_PARAM", "CYCLE", "DUPLICATE_WRITER", "UNKNOWN_STEP", "UNKNOWN_PIPELINE"],
        ...["NO_LINEAGE", "UNKNOWN_MODE", "INTERPRETER_MISSING", "PARAM_UNKNOWN", "PARAM_MISSING"],
        ...["PARAM_INVALID", "ENTRY_NOT_FOUND", "ENTRY_LOAD_FAILED", "NO_PIPELINES", "INVALID_CONFIG"],
        ...[
          "SOURCE_MISSING",
          "SOURCE_UNREADABLE",
          "SCHEMA_MISMATCH",
          "TASK_FAILED",
          "TASK_RESULT_INVALID",
          "CHECK_FAILED",
        ],
        ...["STORAGE_ERROR", "LOCKED", "RUN_NOT_FOUND", "GENERATE_FAILED", "CLOUD_ERROR"],
      ]),
    );
    expectTypeOf<GlacierErrorCode>().toEqualTypeOf<(typeof ERROR_CODES)[number]>();
    expectTypeOf<"NOT_A_CODE">().not.toExtend<GlacierErrorCode>();
  });

  it("names its subject, then says what is wrong, then how to fix it", () => {
    const error = new GlacierError("INVALID_OPTION", "64 MB is outside 128–10240 MB.", {
      subject: { kind: "option", name: "serverless.memory" },
      hint: "Set memory between 128 and 10240.",
    });
    expect(error.message).toBe(
      'option "serverless.memory": 64 MB is outside 128–10240 MB. Set memory between 128 and 10240.',
    );
    expect(error.code).toBe("INVALID_OPTION");
    expect(error.subject).toEqual({ kind: "option", name: "serverless.memory" });
    expect(error.hint).toBe("Set memory between 128 and 10240.");
    expect(error.name).toBe("GlacierError");
    expect(error).toBeInstanceOf(Error);
    expect(String(error)).toBe(`GlacierError: ${error.message}`);
  });

  it("ends the message with a full stop before the hint, even when the message came without one", () => {
    const error = new GlacierError("TASK_FAILED", "the task threw: bad data: 1 negative totals", {
      subject: { kind: "step", name: "checkTotals" },
      hint: "Fix the task; its stack trace is in the run log.",
    });
    expect(error.message).toBe(
      'step "checkTotals": the task threw: bad data: 1 negative totals. Fix the task; its stack trace is in the run log.',
    );
    // A message that ends its sentence already, or ends a quotation or list after one, gets none.
    expect(new GlacierError("CYCLE", 'it says "stop."', { hint: "Fix it." }).message).toBe(
      'it says "stop." Fix it.',
    );
    expect(new GlacierError("CYCLE", "valid: [a, b]", { hint: "Fix it." }).message).toBe(
      "valid: [a, b]. Fix it.",
    );
  });

  it("reads fine without a subject or hint", () => {
    const error = new GlacierError("NO_PIPELINES", "the module exports no pipelines.");
    expect(error.message).toBe("the module exports no pipelines.");
    expect(error.subject).toBeUndefined();
    expect(error.hint).toBeUndefined();
    expect("cause" in error).toBe(false);
  });

  it("keeps its cause", () => {
    const cause = new Error("ENOENT: no such file");
    const error = new GlacierError("SOURCE_MISSING", "raw/sales.csv does not exist.", { cause });
    expect(error.cause).toBe(cause);
    expect(new GlacierError("TASK_FAILED", "boom", { cause: "text" }).cause).toBe("text");
  });

  it("is recognised across package copies, by a registry symbol rather than the class", () => {
    const own = new GlacierError("CYCLE", "x");
    // What a second copy of @glacier/core (another bundle, another node_modules) constructs.
    class ForeignGlacierError extends Error {
      readonly code = "CYCLE";
      constructor() {
        super("x");
        Object.defineProperty(this, Symbol.for("glacier.error"), { value: true });
      }
    }
    const foreign = new ForeignGlacierError();
    expect(foreign).not.toBeInstanceOf(GlacierError);
    expect(GlacierError.is(foreign)).toBe(true);
    expect(GlacierError.is(own)).toBe(true);
    expect(GlacierError.is(Object.assign(new Error("x"), { code: "CYCLE", name: "GlacierError" }))).toBe(
      false,
    );
    expect(GlacierError.is({ [Symbol.for("glacier.error")]: "yes" })).toBe(false);
    for (const value of [null, undefined, "GlacierError", 42]) expect(GlacierError.is(value)).toBe(false);
  });

  it("is one code per failure users hit in core, each a GlacierError", () => {
    const thrown: unknown[] = [];
    const attempt = (fn: () => unknown): void => {
      try {
        fn();
      } catch (error) {
        thrown.push(error);
      }
    };
    const provider = new Provider({ cloud: "aws", region: "eu-west-1" });
    attempt(() => new Provider({ cloud: "aws", region: "nowhere" }));
    attempt(() => provider.serverless({ memory: 1 }));
    attempt(() => provider.bucket({ bucket: "acme-data", path: "../x.csv" }));
    attempt(() => provider.local().task((df) => df));
    expect(thrown.map((e) => (e as GlacierError).code)).toEqual([
      "INVALID_PROVIDER",
      "INVALID_OPTION",
      "INVALID_PATH",
      "INVALID_TASK",
    ]);
    for (const error of thrown) expect(GlacierError.is(error) && ERROR_CODES.includes(error.code)).toBe(true);
  });
});

describe("isBucket", () => {
  it("recognises a Bucket from another package copy by the registry symbol", () => {
    const foreign = Object.defineProperty({}, Symbol.for("glacier.bucket"), { value: true });
    expect(isBucket(foreign)).toBe(true);
    expect(isBucket({})).toBe(false);
  });
});
