import type { LazyDataFrame } from "nodejs-polars";
import { describe, expect, it } from "vitest";
import { daily, hourly, LineageGraph, monthly, Provider, resolveRelativeKey, values } from "@glacier/core";
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

describe("withSchedule's partition option", () => {
  const days = daily({ start: "2026-01-01" });
  const check = provider.serverless().task((df: LazyDataFrame) => df, { name: "check" });
  const events = provider
    .bucket({ bucket: "acme-data", path: "events/{day}.csv", partitions: days })
    .transform(check)
    .to(provider.bucket({ bucket: "acme-data", path: "checked/{day}.parquet", partitions: days }))
    .withName("events");
  const regions = values(["eu", "us"], { key: "region" });
  const byRegion = provider
    .bucket({ bucket: "acme-data", path: "orders/{region}.csv", partitions: regions })
    .transform(check)
    .to(provider.bucket({ bucket: "acme-data", path: "clean/{region}.parquet", partitions: regions }))
    .withName("regions");

  it("names the partitions a scheduled run processes, relative to the latest, through withName and the graph JSON", () => {
    const at = "cron(0 6 * * ? *)";
    expect(events.withSchedule(at).pipeline).toEqual({ name: "events", schedule: at });
    expect(events.withSchedule(at, { partition: "latest" }).pipeline?.scheduledPartitions).toEqual([
      "latest",
    ]);
    expect(events.withSchedule(at, { partition: "previous" }).pipeline?.scheduledPartitions).toEqual([
      "latest-1",
    ]);
    expect(events.withSchedule(at, { partition: { lag: 2 } }).pipeline?.scheduledPartitions).toEqual([
      "latest-2",
    ]);
    // Oldest first: the three days before today.
    const late = events.withSchedule(at, { partition: { lag: 1, count: 3 } });
    expect(late.pipeline?.scheduledPartitions).toEqual(["latest-3", "latest-2", "latest-1"]);
    expect(late.withName("renamed").pipeline?.scheduledPartitions).toEqual([
      "latest-3",
      "latest-2",
      "latest-1",
    ]);
    // A later withSchedule without the option goes back to the default.
    expect(late.withSchedule(at).pipeline).toEqual({ name: "events", schedule: at });
    const graph = LineageGraph.from({ late });
    expect(graph.pipeline("events").scheduledPartitions).toEqual(["latest-3", "latest-2", "latest-1"]);
    const json = graph.toJSON();
    expect(json.pipelines[0]?.scheduledPartitions).toEqual(["latest-3", "latest-2", "latest-1"]);
    expect(LineageGraph.fromJSON(json).pipeline("events").scheduledPartitions).toEqual([
      "latest-3",
      "latest-2",
      "latest-1",
    ]);
    expect(byRegion.withSchedule(at, { partition: "latest" }).pipeline?.scheduledPartitions).toEqual([
      "latest",
    ]);
  });

  it("resolves relative keys against the scheme when the function runs", () => {
    const now = new Date("2026-12-07T06:00:00Z");
    expect(resolveRelativeKey(days, "latest", now)).toBe("2026-12-07");
    expect(resolveRelativeKey(days, "latest-1", now)).toBe("2026-12-06");
    expect(resolveRelativeKey(days, "latest-7", now)).toBe("2026-11-30");
    expect(resolveRelativeKey(days, "2026-03-01", now)).toBe("2026-03-01");
    expect(resolveRelativeKey(daily({ start: "2026-12-07" }), "latest-1", now)).toBeUndefined();
    expect(resolveRelativeKey(monthly({ start: "2026-01" }), "latest-1", now)).toBe("2026-11");
    expect(resolveRelativeKey(hourly({ start: "2026-01-01T00" }), "latest-3", now)).toBe("2026-12-07T03");
    // A scheme with an end counts back from its end.
    expect(resolveRelativeKey(daily({ start: "2026-11-01", end: "2026-11-30" }), "latest-1", now)).toBe(
      "2026-11-29",
    );
  });

  it("rejects a choice it cannot run, naming the pipeline and the fix", () => {
    const at = "rate(1 day)";
    expect(failure(() => sales.withSchedule(at, { partition: "previous" }))).toMatchInlineSnapshot(
      `"[INVALID_OPTION] pipeline "sales": withSchedule's partition option: the pipeline has no partitioned step, so a run has no partition to choose. Leave the partition option out, or partition the pipeline's buckets (partitions: daily({ start }))."`,
    );
    expect(failure(() => events.withSchedule(at, { partition: "yesterday" as never }))).toMatchInlineSnapshot(
      `"[INVALID_OPTION] pipeline "events": withSchedule's partition "yesterday" is not a partition choice. Write { partition: "latest" }, { partition: "previous" } or { partition: { lag: 1, count: 3 } }."`,
    );
    expect(failure(() => events.withSchedule(at, { partition: { lag: -1 } }))).toMatchInlineSnapshot(
      `"[INVALID_OPTION] pipeline "events": withSchedule's partition lag -1 is not a whole number ≥ 0. Write { lag: 1 } for the partition before the latest."`,
    );
    expect(failure(() => events.withSchedule(at, { partition: { lag: 1.5 } }))).toMatchInlineSnapshot(
      `"[INVALID_OPTION] pipeline "events": withSchedule's partition lag 1.5 is not a whole number ≥ 0. Write { lag: 1 } for the partition before the latest."`,
    );
    expect(failure(() => events.withSchedule(at, { partition: { lag: 1, count: 0 } }))).toMatchInlineSnapshot(
      `"[INVALID_OPTION] pipeline "events": withSchedule's partition count 0 is not a whole number from 1 to 1000. Write { lag: 1, count: 3 } for the three partitions before the latest; backfill more with glacier backfill."`,
    );
    expect(
      failure(() => events.withSchedule(at, { partition: { lag: 1, count: 5000 } })),
    ).toMatchInlineSnapshot(
      `"[INVALID_OPTION] pipeline "events": withSchedule's partition count 5000 is not a whole number from 1 to 1000. Write { lag: 1, count: 3 } for the three partitions before the latest; backfill more with glacier backfill."`,
    );
    expect(
      failure(() => events.withSchedule(at, { partition: { lag: 1, days: 3 } as never })),
    ).toMatchInlineSnapshot(
      `"[INVALID_OPTION] pipeline "events": withSchedule's partition has no field "days". Write { partition: "latest" }, { partition: "previous" } or { partition: { lag: 1, count: 3 } }."`,
    );
    expect(failure(() => events.withSchedule(at, { partitions: "previous" } as never))).toMatchInlineSnapshot(
      `"[INVALID_OPTION] pipeline "events": withSchedule has no option "partitions". Write { partition: "latest" }, { partition: "previous" } or { partition: { lag: 1, count: 3 } }."`,
    );
    expect(failure(() => events.withSchedule(at, "previous" as never))).toMatchInlineSnapshot(
      `"[INVALID_OPTION] pipeline "events": withSchedule's options "previous" are not an object. Write { partition: "latest" }, { partition: "previous" } or { partition: { lag: 1, count: 3 } }."`,
    );
    expect(failure(() => byRegion.withSchedule(at, { partition: "previous" }))).toMatchInlineSnapshot(
      `"[INVALID_OPTION] pipeline "regions": withSchedule's partition: the pipeline is partitioned by values (eu, us), which have no order to count back in. Leave the partition option out, or write { partition: "latest" }."`,
    );
  });
});
