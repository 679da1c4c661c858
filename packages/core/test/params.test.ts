import { describe, expect, it } from "vitest";
import { param, type ParamSpecs } from "@glacier/core";
import { mergeParamSpecs, resolveParams } from "@glacier/core/internal";
import { failure } from "./support.js";

const specs = {
  day: param.string({ description: "Day to process" }),
  mode: param.string({ choices: ["daily", "weekly"], default: "daily" }),
  minAmount: param.number({ default: 0 }),
  topN: param.integer({ default: 10 }),
  dryRun: param.boolean({ default: false }),
} satisfies ParamSpecs;

describe("param.*()", () => {
  it("declare frozen specs", () => {
    expect(specs.mode).toEqual({ type: "string", choices: ["daily", "weekly"], default: "daily" });
    expect(param.integer()).toEqual({ type: "integer" });
    expect(Object.isFrozen(specs.day)).toBe(true);
  });
});

describe("resolveParams", () => {
  it("fills defaults and keeps given values", () => {
    expect(resolveParams(specs, { day: "2024-01-31" })).toEqual({
      day: "2024-01-31",
      mode: "daily",
      minAmount: 0,
      topN: 10,
      dryRun: false,
    });
    expect(Object.isFrozen(resolveParams(specs, { day: "x" }))).toBe(true);
    expect(resolveParams({})).toEqual({});
  });

  it("parses CLI strings into the declared types", () => {
    expect(
      resolveParams(specs, {
        day: "2024-01-31",
        mode: "weekly",
        minAmount: "12.5",
        topN: "3",
        dryRun: "true",
      }),
    ).toEqual({ day: "2024-01-31", mode: "weekly", minAmount: 12.5, topN: 3, dryRun: true });
    expect(resolveParams(specs, { day: "1", minAmount: "-1e3", dryRun: "0" })).toMatchObject({
      day: "1",
      minAmount: -1000,
      dryRun: false,
    });
    expect(resolveParams(specs, { day: "x", dryRun: "1" })).toMatchObject({ dryRun: true });
    expect(resolveParams(specs, { day: "x", dryRun: "false" })).toMatchObject({ dryRun: false });
  });

  it("keeps a string parameter's text exactly, even when it looks like a number", () => {
    expect(resolveParams(specs, { day: " 007 " })).toMatchObject({ day: " 007 " });
  });

  it("accepts typed values from run({ params })", () => {
    expect(resolveParams(specs, { day: "x", minAmount: 2.5, topN: 4, dryRun: true })).toMatchObject({
      minAmount: 2.5,
      topN: 4,
      dryRun: true,
    });
  });

  it("rejects a parameter no task declares, listing the declared ones", () => {
    expect(failure(() => resolveParams(specs, { day: "x", limit: "5" }))).toMatchInlineSnapshot(
      `"[PARAM_UNKNOWN] param "limit": no task declares this parameter. Declared parameters: day, mode, minAmount, topN, dryRun."`,
    );
    expect(failure(() => resolveParams({}, { limit: "5" }))).toMatchInlineSnapshot(
      `"[PARAM_UNKNOWN] param "limit": no task declares this parameter. This pipeline declares no parameters; add params: { … } to a task's options."`,
    );
  });

  it("does not mistake Object.prototype's names for declared parameters", () => {
    expect(failure(() => resolveParams({}, { constructor: "x" }))).toMatch(
      /^\[PARAM_UNKNOWN\] param "constructor"/,
    );
    expect(failure(() => resolveParams({}, { toString: "x" }))).toMatch(
      /^\[PARAM_UNKNOWN\] param "toString"/,
    );
  });

  it("rejects a missing required parameter", () => {
    expect(failure(() => resolveParams(specs, {}))).toMatchInlineSnapshot(
      `"[PARAM_MISSING] param "day": this parameter is required and has no default. Pass --param day=<string> (or params: { day: … } to run())."`,
    );
  });

  it("rejects values that do not parse or fit", () => {
    expect(failure(() => resolveParams(specs, { day: "x", minAmount: "lots" }))).toMatchInlineSnapshot(
      `"[PARAM_INVALID] param "minAmount": "lots" is not a number. Pass a number, e.g. --param minAmount=1.5."`,
    );
    expect(failure(() => resolveParams(specs, { day: "x", minAmount: "" }))).toMatch(
      /^\[PARAM_INVALID\] param "minAmount"/,
    );
    expect(failure(() => resolveParams(specs, { day: "x", minAmount: "Infinity" }))).toMatchInlineSnapshot(
      `"[PARAM_INVALID] param "minAmount": "Infinity" is not a number. Pass a number, e.g. --param minAmount=1.5."`,
    );
    expect(failure(() => resolveParams(specs, { day: "x", topN: "2.5" }))).toMatchInlineSnapshot(
      `"[PARAM_INVALID] param "topN": "2.5" is not an integer. Pass an integer, e.g. --param topN=10."`,
    );
    expect(failure(() => resolveParams(specs, { day: "x", dryRun: "yes" }))).toMatchInlineSnapshot(
      `"[PARAM_INVALID] param "dryRun": "yes" is not a boolean. Use true or false."`,
    );
    expect(failure(() => resolveParams(specs, { day: "x", mode: "hourly" }))).toMatchInlineSnapshot(
      `"[PARAM_INVALID] param "mode": "hourly" is not one of daily, weekly. Pass one of daily, weekly, e.g. --param mode=daily."`,
    );
    expect(failure(() => resolveParams(specs, { day: 5 }))).toMatchInlineSnapshot(
      `"[PARAM_INVALID] param "day": 5 is not a string. Pass a string, e.g. --param day=text."`,
    );
    expect(failure(() => resolveParams(specs, { day: "x", topN: 2.5 }))).toMatch(
      /^\[PARAM_INVALID\] param "topN"/,
    );
  });
});

describe("mergeParamSpecs", () => {
  it("unites the declarations of many tasks", () => {
    expect(
      mergeParamSpecs([
        ["clean", { day: param.string() }],
        ["report", { day: param.string(), topN: param.integer({ default: 10 }) }],
      ]),
    ).toEqual({ day: { type: "string" }, topN: { type: "integer", default: 10 } });
    expect(mergeParamSpecs([])).toEqual({});
  });

  it("accepts one name declared identically, descriptions aside", () => {
    expect(
      mergeParamSpecs([
        ["a", { mode: param.string({ choices: ["x", "y"], description: "one" }) }],
        ["b", { mode: param.string({ choices: ["x", "y"], description: "two" }) }],
      ]),
    ).toMatchObject({ mode: { type: "string", choices: ["x", "y"] } });
  });

  it("rejects one name declared with different types, defaults or choices", () => {
    expect(
      failure(() =>
        mergeParamSpecs([
          ["clean", { day: param.string() }],
          ["report", { day: param.integer() }],
        ]),
      ),
    ).toMatchInlineSnapshot(
      `"[INVALID_PARAM] param "day": tasks "clean" and "report" declare it differently (string vs integer). Declare a shared parameter identically in every task."`,
    );
    expect(
      failure(() =>
        mergeParamSpecs([
          ["clean", { topN: param.integer({ default: 5 }) }],
          ["report", { topN: param.integer({ default: 10 }) }],
        ]),
      ),
    ).toMatchInlineSnapshot(
      `"[INVALID_PARAM] param "topN": tasks "clean" and "report" declare it differently (integer = 5 vs integer = 10). Declare a shared parameter identically in every task."`,
    );
    expect(
      failure(() =>
        mergeParamSpecs([
          ["clean", { mode: param.string({ choices: ["daily", "weekly"] }) }],
          ["report", { mode: param.string({ choices: ["daily", "hourly"] }) }],
        ]),
      ),
    ).toMatchInlineSnapshot(
      `"[INVALID_PARAM] param "mode": tasks "clean" and "report" declare it differently (string in [daily, weekly] vs string in [daily, hourly]). Declare a shared parameter identically in every task."`,
    );
    expect(
      failure(() =>
        mergeParamSpecs([
          ["clean", { mode: param.string({ choices: ["daily"] }) }],
          ["report", { mode: param.string() }],
        ]),
      ),
    ).toMatch(/^\[INVALID_PARAM\] param "mode"/);
  });
});
