import { describe, expect, it } from "vitest";
import type { ExecutorKind } from "@glacier/core";
import { absurd } from "@glacier/core/internal";

/** An exhaustive switch over executor kinds, as interpreters write them. */
function runsOn(kind: ExecutorKind): string {
  switch (kind) {
    case "local":
      return "in-process";
    case "serverless":
      return "lambda";
    case "spark":
      return "emr-serverless";
    case "container":
      return "ecs-fargate";
    default:
      return absurd(kind, "executor kind");
  }
}

describe("absurd", () => {
  it("is the default branch of an exhaustive switch: unreachable for typed values", () => {
    expect(["local", "serverless", "spark"].map((k) => runsOn(k as ExecutorKind))).toEqual([
      "in-process",
      "lambda",
      "emr-serverless",
    ]);
  });

  it("throws, naming what it was given, for a value the types did not foresee (a JavaScript caller)", () => {
    expect(() => runsOn("kubernetes" as ExecutorKind)).toThrowErrorMatchingInlineSnapshot(
      `[Error: unexpected executor kind "kubernetes": this version of Glacier does not handle it.]`,
    );
    // @ts-expect-error a value that is not `never` does not compile: the switch above would miss a case
    expect(() => absurd({ kind: "spark" })).toThrow(/unexpected value \{"kind":"spark"\}/);
  });
});
