import type { LazyDataFrame } from "nodejs-polars";
import { describe, expect, it } from "vitest";
import { LineageGraph, Provider } from "@glacier/core";
import { failure } from "./support.js";

const provider = new Provider({ cloud: "aws", region: "eu-west-1" });
const clean = provider.local().task((df: LazyDataFrame) => df, { name: "clean" });
const produced = provider
  .bucket({ bucket: "acme-data", path: "raw/sales.csv" })
  .transform(clean)
  .to(provider.bucket({ bucket: "acme-data", path: "clean/sales.parquet" }));
const sales = produced.withName("sales");

describe("withSchedule", () => {
  it("records rate and cron expressions on the pipeline, through withName and the graph", () => {
    expect(sales.withSchedule("rate(1 day)").pipeline).toEqual({ name: "sales", schedule: "rate(1 day)" });
    expect(sales.withSchedule(" rate(15 minutes) ").pipeline?.schedule).toBe("rate(15 minutes)");
    const daily = sales.withSchedule("cron(0 6 * * ? *)");
    expect(daily.withName("renamed").pipeline).toEqual({ name: "renamed", schedule: "cron(0 6 * * ? *)" });
    expect(sales.pipeline).toEqual({ name: "sales" });
    const graph = LineageGraph.from({ daily });
    expect(graph.pipeline("sales").schedule).toBe("cron(0 6 * * ? *)");
    expect(graph.toJSON().pipelines[0]).toMatchObject({ name: "sales", schedule: "cron(0 6 * * ? *)" });
  });

  it("accepts EventBridge's cron forms", () => {
    for (const expression of [
      "cron(0/15 * * * ? *)",
      "cron(0 18 ? * MON-FRI *)",
      "cron(0 8 1 * ? *)",
      "cron(0 0 L * ? *)",
    ]) {
      expect(sales.withSchedule(expression).pipeline?.schedule).toBe(expression);
    }
  });

  it("needs a named pipeline", () => {
    expect(failure(() => produced.withSchedule("rate(1 day)"))).toMatchInlineSnapshot(
      `"[INVALID_OPTION] bucket "acme-data/clean/sales.parquet": withSchedule() needs a named pipeline. Name it first, so the schedule's name stays stable: .withName("sales").withSchedule("rate(1 day)")."`,
    );
  });

  it("rejects expressions EventBridge would refuse", () => {
    expect(failure(() => sales.withSchedule("every day"))).toMatchInlineSnapshot(
      `"[INVALID_OPTION] pipeline "sales": schedule "every day" is not valid: it is neither cron(…) nor rate(…). Use an EventBridge expression such as "rate(1 day)" or "cron(0 6 * * ? *)" (06:00 UTC daily)."`,
    );
    expect(failure(() => sales.withSchedule("rate(1 days)"))).toMatchInlineSnapshot(
      `"[INVALID_OPTION] pipeline "sales": schedule "rate(1 days)" is not valid: write rate(1 day). Use an EventBridge expression such as "rate(1 day)" or "cron(0 6 * * ? *)" (06:00 UTC daily)."`,
    );
    expect(failure(() => sales.withSchedule("rate(5 minute)"))).toMatchInlineSnapshot(
      `"[INVALID_OPTION] pipeline "sales": schedule "rate(5 minute)" is not valid: write rate(5 minutes). Use an EventBridge expression such as "rate(1 day)" or "cron(0 6 * * ? *)" (06:00 UTC daily)."`,
    );
    expect(failure(() => sales.withSchedule("rate(0 hours)"))).toMatch(
      /^\[INVALID_OPTION\] pipeline "sales"/,
    );
    expect(failure(() => sales.withSchedule("cron(0 6 * * *)"))).toMatchInlineSnapshot(
      `"[INVALID_OPTION] pipeline "sales": schedule "cron(0 6 * * *)" is not valid: a cron expression has 6 fields (minutes hours day-of-month month day-of-week year), this one has 5. Use an EventBridge expression such as "rate(1 day)" or "cron(0 6 * * ? *)" (06:00 UTC daily)."`,
    );
    expect(failure(() => sales.withSchedule("cron(0 6 * * * *)"))).toMatchInlineSnapshot(
      `"[INVALID_OPTION] pipeline "sales": schedule "cron(0 6 * * * *)" is not valid: exactly one of day-of-month and day-of-week must be ?. Use an EventBridge expression such as "rate(1 day)" or "cron(0 6 * * ? *)" (06:00 UTC daily)."`,
    );
    expect(failure(() => sales.withSchedule("cron(0 25h * * ? *)"))).toMatch(
      /its hours field "25h" is not valid/,
    );
    expect(failure(() => sales.withSchedule(undefined as never))).toMatch(/it is not a string/);
  });

  it("makes two pipelines with one name but different schedules a conflict", () => {
    const graph = LineageGraph.from({
      a: sales.withSchedule("rate(1 day)"),
      b: sales.withSchedule("rate(2 days)"),
    });
    expect(graph.problems().map((p) => p.code)).toEqual(["INVALID_NAME"]);
  });
});
