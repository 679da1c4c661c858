import type { LazyDataFrame } from "nodejs-polars";
import aslValidator from "asl-validator";
import { describe, expect, it } from "vitest";
import { daily, LineageGraph, Pipeline, Provider } from "@glacier/core";
import { planInfrastructure } from "@glacier/aws-model";

/** check and enrich per day on Lambda, the regions table read whole, total over every day on Lambda. */
function graph(): LineageGraph {
  const provider = new Provider({ cloud: "aws", region: "eu-west-1" });
  const lambda = provider.serverless();
  const days = daily({ start: "2026-11-01" });
  const events = provider.bucket({ bucket: "acme-events", path: "events/{day}.csv", partitions: days });
  const checked = provider.bucket({ bucket: "acme-events", path: "checked/{day}.parquet", partitions: days });
  const enriched = provider.bucket({
    bucket: "acme-events",
    path: "enriched/{day}.parquet",
    partitions: days,
  });
  const regions = provider.bucket({ bucket: "acme-events", path: "ref/regions.csv" });
  const total = provider.bucket({ bucket: "acme-events", path: "total.parquet" });
  const check = lambda.task(function check(df: LazyDataFrame) {
    return df;
  });
  const enrich = lambda.task(function enrich({
    orders,
    regions,
  }: {
    orders: LazyDataFrame;
    regions: LazyDataFrame;
  }) {
    return orders.join(regions, { on: "region" });
  });
  const sum = lambda.task(function sum(df: LazyDataFrame) {
    return df;
  });
  return LineageGraph.from({
    daily: Pipeline({ orders: events.transform(check).to(checked), regions })
      .transform(enrich)
      .to(enriched)
      .transform(sum)
      .to(total)
      .withName("daily"),
  });
}

describe("the state machine of a partitioned pipeline", () => {
  const plan = planInfrastructure(graph());
  const machine = plan.stateMachines[0]!;
  const states = machine.definition["States"] as Record<string, Record<string, unknown>>;

  it("fans the partitioned steps out in a Map (Distributed above 40), then runs the aggregate", () => {
    const inline = states["Each partition"]!;
    expect(inline["Type"]).toBe("Map");
    expect(inline["ItemsPath"]).toBe("$.partitions");
    expect((inline["ItemProcessor"] as { ProcessorConfig: unknown }).ProcessorConfig).toEqual({
      Mode: "INLINE",
    });
    expect(
      (states["Each partition (distributed)"]!["ItemProcessor"] as { ProcessorConfig: unknown })
        .ProcessorConfig,
    ).toEqual({
      Mode: "DISTRIBUTED",
      ExecutionType: "STANDARD",
    });
    const inner = (inline["ItemProcessor"] as { States: Record<string, Record<string, unknown>> }).States;
    const tasks = Object.values(inner).filter((s) => s["Type"] === "Task");
    expect(
      tasks.map((t) => (t["Parameters"] as { Payload: Record<string, string> }).Payload["partition.$"]),
    ).toEqual(["$.partition", "$.partition"]);
    // The shared retry policy: the same Retry blocks as an unpartitioned step's.
    expect(tasks.every((t) => JSON.stringify(t["Retry"]).includes("GlacierError.SOURCE_MISSING"))).toBe(true);
    const sum = Object.entries(states).find(([, s]) => String(s["Comment"]).startsWith("step sum->"));
    expect(sum?.[1]["Type"]).toBe("Task");
    expect(states["Any partition failed?"]!["Default"] as string).toBe(sum?.[0]);
    expect(states["Latest partition"]).toMatchObject({ Result: ["latest"], ResultPath: "$.partitions" });
  });

  it("is valid ASL (asl-validator), and the check can fail", () => {
    const text = JSON.stringify(machine.definition).replace(
      /\$\{[^}]+\}/g,
      "arn:aws:lambda:eu-west-1:123456789012:function:f",
    );
    const { isValid, errorsText } = aslValidator(JSON.parse(text));
    expect(isValid, errorsText("\n")).toBe(true);
    expect(aslValidator({ ...JSON.parse(text), StartAt: "nowhere" }).isValid).toBe(false);
  });
});
