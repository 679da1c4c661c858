import { LineageGraph, Provider, type Bucket } from "@glacier/core";
import { planInfrastructure, stepResourceNames, type InfrastructurePlan } from "@glacier/aws-model";
import { describe, expect, it } from "vitest";
import { synthesizeStack } from "../src/synth/synth-stack.js";
import { placeholderAssets } from "./support.js";

/** Every Terraform address of a synthesised plan. */
function addresses(plan: InfrastructurePlan): Set<string> {
  const json = synthesizeStack(plan, placeholderAssets(plan)) as {
    resource: Record<string, Record<string, unknown>>;
  };
  return new Set(
    Object.entries(json.resource).flatMap(([type, byName]) => Object.keys(byName).map((n) => `${type}.${n}`)),
  );
}

/** Three serverless steps in a chain, with the middle task's name a parameter. */
function chain(middle: string): Bucket {
  const aws = new Provider({ cloud: "aws", region: "eu-west-1" });
  const lambda = aws.serverless();
  const b = (path: string) => aws.bucket({ bucket: "acme-lake", path });
  const task = (name: string) =>
    lambda.task(
      function t(df) {
        return df;
      },
      { name },
    );
  return b("raw.parquet")
    .transform(task("extract"))
    .to(b("a.parquet"))
    .transform(task(middle))
    .to(b("b.parquet"))
    .transform(task("load"))
    .to(b("c.parquet"))
    .withName("etl");
}

describe("stable Terraform addresses", () => {
  it("renaming one step changes only that step's resources", () => {
    const before = planInfrastructure(LineageGraph.from({ etl: chain("transform") }));
    const after = planInfrastructure(LineageGraph.from({ etl: chain("reshape") }));
    const [a, b] = [addresses(before), addresses(after)];
    const removed = [...a].filter((x) => !b.has(x));
    const added = [...b].filter((x) => !a.has(x));
    const renamed = stepResourceNames({ id: "transform->acme-lake/b.parquet", name: "transform" }).logicalId;
    expect(removed.length).toBeGreaterThan(0);
    expect(
      removed.every((x) => x.includes(`.${renamed}`)),
      removed.join(", "),
    ).toBe(true);
    expect(
      added.every((x) => x.includes(".reshape_")),
      added.join(", "),
    ).toBe(true);
    const names = (plan: InfrastructurePlan) => plan.functions.map((f) => f.functionName);
    expect(names(after).filter((n) => !names(before).includes(n))).toEqual([
      expect.stringMatching(/^glacier-reshape-/),
    ]);
  });
});
