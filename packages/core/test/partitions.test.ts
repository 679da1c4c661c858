import type { LazyDataFrame } from "nodejs-polars";
import { describe, expect, it } from "vitest";
import {
  daily,
  hourly,
  LineageGraph,
  monthly,
  partitionKeys,
  Pipeline,
  Provider,
  values,
  visualize,
  type PartitionScheme,
} from "@glacier/core";
import { failure } from "./support.js";

const provider = new Provider({ cloud: "aws", region: "eu-west-1" });
const local = provider.local();
const days = daily({ start: "2026-11-01", end: "2026-11-30" });
const events = provider.bucket({
  bucket: "acme",
  path: "events/day={day}/",
  format: "parquet",
  partitions: days,
});
const cleaned = provider.bucket({ bucket: "acme", path: "clean/{day}.parquet", partitions: days });
const enriched = provider.bucket({ bucket: "acme", path: "enriched/{day}.parquet", partitions: days });
const customers = provider.bucket({ bucket: "acme", path: "ref/customers.parquet" });
const total = provider.bucket({ bucket: "acme", path: "reports/total.parquet" });
const clean = local.task(function clean(df: LazyDataFrame) {
  return df;
});
const enrich = local.task(function enrich({
  events,
  customers,
}: {
  events: LazyDataFrame;
  customers: LazyDataFrame;
}) {
  return events.join(customers, { on: "customer" });
});
const sum = local.task(function sum(df: LazyDataFrame) {
  return df;
});
const subject = { kind: "bucket", name: "acme/events/day={day}/" } as const;
const now = new Date("2026-12-07T10:00:00Z");

describe("partition schemes", () => {
  it("record the scheme on the bucket node; a partition is one directory or file", () => {
    expect(events.node.partitions).toEqual({
      kind: "daily",
      key: "day",
      start: "2026-11-01",
      end: "2026-11-30",
    });
    expect(events.node.dataset).toBe(true);
    expect(cleaned.node.dataset).toBe(false);
    expect(cleaned.node.format).toBe("parquet");
    expect(values(["eu", "us"], { key: "region" })).toEqual({
      kind: "values",
      key: "region",
      values: ["eu", "us"],
    });
  });

  it("enumerate keys of a range, across month ends and leap days, up to the current period", () => {
    const leap = daily({ start: "2028-02-27", end: "2028-03-01" });
    expect(partitionKeys(leap, undefined, subject, now)).toEqual([
      "2028-02-27",
      "2028-02-28",
      "2028-02-29",
      "2028-03-01",
    ]);
    expect(partitionKeys(hourly({ start: "2026-12-06T22" }), undefined, subject, now)).toEqual([
      "2026-12-06T22",
      "2026-12-06T23",
      ...Array.from({ length: 11 }, (_, h) => `2026-12-07T${String(h).padStart(2, "0")}`),
    ]);
    expect(partitionKeys(monthly({ start: "2026-10" }), undefined, subject, now)).toEqual([
      "2026-10",
      "2026-11",
      "2026-12",
    ]);
    expect(partitionKeys(values(["a", "b", "c"]), "b..c", subject, now)).toEqual(["b", "c"]);
    expect(partitionKeys(days, "2026-11-29", subject, now)).toEqual(["2026-11-29"]);
  });

  it("reject bad keys, ranges and scheme options with INVALID_PARTITION naming the bucket", () => {
    expect(failure(() => partitionKeys(days, "2026-11-31", subject, now))).toMatchInlineSnapshot(
      `"[INVALID_PARTITION] bucket "acme/events/day={day}/": "2026-11-31" is not a daily partition key. Write it as 2026-12-01 (UTC)."`,
    );
    expect(failure(() => partitionKeys(days, "2026-10-31..2026-11-02", subject, now))).toMatchInlineSnapshot(
      `"[INVALID_PARTITION] bucket "acme/events/day={day}/": partition "2026-10-31" is outside its range 2026-11-01..2026-11-30. Pass a key from 2026-11-01 to 2026-11-30, or widen the scheme's start/end."`,
    );
    expect(
      failure(() => partitionKeys(daily({ start: "2026-11-01" }), "2026-12-08", subject, now)),
    ).toContain("outside its range 2026-11-01..2026-12-07");
    expect(failure(() => partitionKeys(days, "2026-11-05..2026-11-02", subject, now))).toContain(
      "ends before it starts",
    );
    expect(failure(() => partitionKeys(values(["eu"]), "us", subject, now))).toContain(
      `"us" is not one of its partitions (eu)`,
    );
    expect(failure(() => partitionKeys(days, "2026-11-01..2026-11-02..2026-11-03", subject, now))).toContain(
      "neither a key nor a range",
    );
    expect(failure(() => daily({ start: "01/11/2026" }))).toMatchInlineSnapshot(
      `"[INVALID_PARTITION] option "daily()": start "01/11/2026" is not a daily key. Write start: "2026-12-01" (UTC)."`,
    );
    expect(failure(() => daily({ start: "2026-11-02", end: "2026-11-01" }))).toContain("is before start");
    expect(failure(() => values([]))).toContain("non-empty list");
    expect(failure(() => values(["eu", "a/b"]))).toContain(`"a/b" cannot be a partition value`);
    expect(failure(() => values(["eu", "eu"]))).toContain("listed twice");
  });

  it("need the placeholder in the path, and no other", () => {
    expect(
      failure(() => provider.bucket({ bucket: "acme", path: "events/all.parquet", partitions: days })),
    ).toMatchInlineSnapshot(
      `"[INVALID_PARTITION] bucket "acme/events/all.parquet": path "events/all.parquet" has no {day} placeholder for its daily partitions. Put the key in the path, e.g. "events/day={day}/" or "events/{day}.parquet"."`,
    );
    expect(
      failure(() => provider.bucket({ bucket: "acme", path: "events/{date}.parquet", partitions: days })),
    ).toContain("has no {day} placeholder");
    expect(
      failure(() => provider.bucket({ bucket: "acme", path: "{region}/{day}.parquet", partitions: days })),
    ).toContain("has the placeholder {region}, but its partition key is {day}");
    expect(
      failure(() => provider.bucket({ bucket: "acme", path: "e/*/{day}.parquet", partitions: days })),
    ).toContain("both a glob and partitioned");
    expect(
      failure(() =>
        provider.bucket({ bucket: "acme", path: "e/{day}.parquet", partitions: { kind: "weekly" } as never }),
      ),
    ).toContain("partitions must be daily(…), hourly(…), monthly(…) or values([…])");
  });
});

describe("partitioned steps", () => {
  it("chain per partition, read an unpartitioned input whole, and aggregate every partition", () => {
    const pipeline = Pipeline({ events: events.transform(clean).to(cleaned), customers })
      .transform(enrich)
      .to(enriched)
      .transform(sum)
      .to(total)
      .withName("daily");
    const graph = LineageGraph.from(pipeline).validate();
    expect(graph.partitioned).toBe(true);
    const units = graph.forPartitions((scheme: PartitionScheme) =>
      partitionKeys(scheme, "2026-11-01..2026-11-02", subject, now),
    );
    expect(units.executionOrder().map((s) => [s.name, s.partition?.key ?? null])).toEqual([
      ["clean[2026-11-01]", "2026-11-01"],
      ["clean[2026-11-02]", "2026-11-02"],
      ["enrich[2026-11-01]", "2026-11-01"],
      ["enrich[2026-11-02]", "2026-11-02"],
      ["sum", null],
    ]);
    const enrichOne = units.step("enrich[2026-11-02]");
    expect(enrichOne.input.kind === "multi" && enrichOne.input.buckets["events"]?.location).toBe(
      "s3://acme/clean/2026-11-02.parquet",
    );
    expect(enrichOne.input.kind === "multi" && enrichOne.input.buckets["customers"]?.location).toBe(
      "s3://acme/ref/customers.parquet",
    );
    expect(units.dependenciesOf(enrichOne).map((s) => s.name)).toEqual(["clean[2026-11-02]"]);
    const sumUnit = units.step("sum");
    expect(sumUnit.input.kind === "single" && sumUnit.input.bucket.location).toBe(
      "s3://acme/enriched/*.parquet",
    );
    expect(units.dependenciesOf(sumUnit).map((s) => s.name)).toEqual([
      "enrich[2026-11-01]",
      "enrich[2026-11-02]",
    ]);
    // The glob the aggregate reads is written during the run: it is not a source to find beforehand.
    expect(
      units
        .sources()
        .map((b) => b.location)
        .sort(),
    ).toEqual([
      "s3://acme/events/day=2026-11-01/",
      "s3://acme/events/day=2026-11-02/",
      "s3://acme/ref/customers.parquet",
    ]);
    expect(units.pipelines.map((p) => [p.name, p.steps.length])).toEqual([["daily", 5]]);
  });

  it("reject mismatched schemes at .to() with PARTITION_MISMATCH naming the step and both schemes", () => {
    const hourlyOut = provider.bucket({
      bucket: "acme",
      path: "hourly/{hour}.parquet",
      partitions: hourly({ start: "2026-11-01T00" }),
    });
    // @ts-expect-error daily input, hourly output: the type checker catches the kinds.
    expect(failure(() => events.transform(clean).to(hourlyOut))).toMatchInlineSnapshot(
      `"[PARTITION_MISMATCH] step "clean->acme/hourly/{hour}.parquet": step "clean" reads acme/events/day={day}/, partitioned daily from 2026-11-01 to 2026-11-30 ({day}), into acme/hourly/{hour}.parquet, partitioned hourly from 2026-11-01T00 ({hour}). Give both buckets the same scheme (same kind, start, end and key), or write to an unpartitioned bucket to read every partition."`,
    );
    const otherDays = provider.bucket({
      bucket: "acme",
      path: "other/{day}.parquet",
      partitions: daily({ start: "2026-01-01" }),
    });
    expect(failure(() => events.transform(clean).to(otherDays))).toContain("PARTITION_MISMATCH");
    expect(
      failure(() => Pipeline({ events, customers: otherDays }).transform(enrich).to(enriched)),
    ).toContain(`(input "customers")`);
  });
});

describe("visualize", () => {
  it("marks a partitioned bucket with its scheme", () => {
    const graph = LineageGraph.from(events.transform(clean).to(cleaned));
    expect(graph.toJSON().buckets.map((b) => b.id)).toEqual([
      "acme/clean/{day}.parquet",
      "acme/events/day={day}/",
    ]);
    const mermaid = visualize(graph, "mermaid");
    expect(mermaid).toContain(
      "acme/clean/{day}.parquet<br/><small>partitioned daily from 2026-11-01 to 2026-11-30 ({day})</small>",
    );
  });
});
