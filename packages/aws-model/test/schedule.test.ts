import { GlacierError, LineageGraph, Provider } from "@glacier/core";
import { describe, expect, it } from "vitest";
import { planInfrastructure } from "../src/index.js";

const aws = new Provider({ cloud: "aws", region: "eu-west-1" });
const spark = aws.spark();
const sales = aws
  .bucket({ bucket: "acme-lake", path: "raw/sales.parquet" })
  .transform(spark.sql("total", "SELECT SUM(amount) AS total FROM input"))
  .to(aws.bucket({ bucket: "acme-lake", path: "total.parquet" }));

function scheduleError(expression: unknown): GlacierError {
  try {
    sales.withName("sales").withSchedule(expression as string);
  } catch (error) {
    if (GlacierError.is(error)) return error;
    throw error;
  }
  throw new Error(`${String(expression)} was accepted`);
}

describe("withSchedule (core DSL)", () => {
  it("records an EventBridge expression on the named pipeline", () => {
    const scheduled = sales.withName("sales", "Daily totals").withSchedule("cron(0 6 * * ? *)");
    expect(scheduled.pipeline).toEqual({
      name: "sales",
      description: "Daily totals",
      schedule: "cron(0 6 * * ? *)",
    });
    expect(sales.pipeline).toBeUndefined();
    const graph = LineageGraph.from({ scheduled });
    expect(graph.pipeline("sales").schedule).toBe("cron(0 6 * * ? *)");
    expect(graph.forPipeline("sales").pipeline("sales").schedule).toBe("cron(0 6 * * ? *)");
    expect(graph.toJSON().pipelines[0]?.schedule).toBe("cron(0 6 * * ? *)");
  });

  it("keeps the schedule when the pipeline is renamed", () => {
    expect(sales.withName("a").withSchedule("rate(1 hour)").withName("b").pipeline).toEqual({
      name: "b",
      schedule: "rate(1 hour)",
    });
  });

  it("accepts rate and cron expressions", () => {
    for (const expression of [
      "rate(1 day)",
      "rate(15 minutes)",
      "cron(0/15 * ? * MON-FRI *)",
      "cron(0 8 1 * ? 2025)",
    ]) {
      expect(sales.withName("s").withSchedule(expression).pipeline?.schedule).toBe(expression);
    }
  });

  it("refuses what EventBridge Scheduler would refuse", () => {
    const errors = [
      "daily",
      "rate(1 days)",
      "rate(0 hours)",
      "cron(0 6 * * *)",
      "cron(0 6 * * MON *)",
      42,
    ].map(scheduleError);
    expect(errors.map((e) => e.code)).toEqual(Array(6).fill("INVALID_OPTION"));
    expect(errors.map((e) => e.message)).toMatchInlineSnapshot(`
      [
        "pipeline "sales": schedule "daily" is not valid: it is neither cron(…) nor rate(…). Use an EventBridge expression such as "rate(1 day)" or "cron(0 6 * * ? *)" (06:00 UTC daily).",
        "pipeline "sales": schedule "rate(1 days)" is not valid: write rate(1 day). Use an EventBridge expression such as "rate(1 day)" or "cron(0 6 * * ? *)" (06:00 UTC daily).",
        "pipeline "sales": schedule "rate(0 hours)" is not valid: a rate must be at least 1. Use an EventBridge expression such as "rate(1 day)" or "cron(0 6 * * ? *)" (06:00 UTC daily).",
        "pipeline "sales": schedule "cron(0 6 * * *)" is not valid: a cron expression has 6 fields (minutes hours day-of-month month day-of-week year), this one has 5. Use an EventBridge expression such as "rate(1 day)" or "cron(0 6 * * ? *)" (06:00 UTC daily).",
        "pipeline "sales": schedule "cron(0 6 * * MON *)" is not valid: exactly one of day-of-month and day-of-week must be ?. Use an EventBridge expression such as "rate(1 day)" or "cron(0 6 * * ? *)" (06:00 UTC daily).",
        "pipeline "sales": schedule 42 is not valid: it is not a string. Use an EventBridge expression such as "rate(1 day)" or "cron(0 6 * * ? *)" (06:00 UTC daily).",
      ]
    `);
  });

  it("needs a named pipeline", () => {
    expect(() => sales.withSchedule("rate(1 day)")).toThrowErrorMatchingInlineSnapshot(
      `[GlacierError: bucket "acme-lake/total.parquet": withSchedule() needs a named pipeline. Name it first, so the schedule's name stays stable: .withName("sales").withSchedule("rate(1 day)").]`,
    );
  });
});

describe("a scheduled pipeline in the plan", () => {
  it("gets an EventBridge Scheduler schedule and a role to start its state machine", () => {
    const plan = planInfrastructure(
      LineageGraph.from({ s: sales.withName("sales").withSchedule("rate(1 day)") }),
    );
    expect(plan.schedules).toEqual([
      {
        pipeline: "sales",
        logicalId: "pipeline_sales_schedule",
        name: "glacier-sales",
        expression: "rate(1 day)",
        roleLogicalId: "pipeline_sales_scheduler",
        stateMachineLogicalId: "pipeline_sales",
      },
    ]);
    expect(plan.roles.find((r) => r.logicalId === "pipeline_sales_scheduler")?.statements).toEqual([
      {
        sid: "StartPipeline",
        actions: ["states:StartExecution"],
        resources: ["${aws_sfn_state_machine.pipeline_sales.arn}"],
      },
    ]);
  });
});
