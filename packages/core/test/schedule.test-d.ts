import type { LazyDataFrame } from "nodejs-polars";
import { describe, expectTypeOf, it } from "vitest";
import { daily, Provider, type SchedulePartition } from "@glacier/core";

const provider = new Provider({ cloud: "aws", region: "eu-west-1" });
const days = daily({ start: "2026-01-01" });
const check = provider.serverless().task((df: LazyDataFrame) => df, { name: "check" });
const pipeline = provider
  .bucket({ bucket: "acme-data", path: "events/{day}.csv", partitions: days })
  .transform(check)
  .to(provider.bucket({ bucket: "acme-data", path: "checked/{day}.parquet", partitions: days }))
  .withName("events");

describe("withSchedule's partition option", () => {
  it("takes latest, previous or { lag, count }", () => {
    expectTypeOf<"previous">().toMatchTypeOf<SchedulePartition>();
    expectTypeOf<{ lag: 1; count: 3 }>().toMatchTypeOf<SchedulePartition>();
    pipeline.withSchedule("cron(0 6 * * ? *)", { partition: "previous" });
    pipeline.withSchedule("cron(0 6 * * ? *)", { partition: { lag: 1, count: 3 } });
    // @ts-expect-error "yesterday" is not a choice: write "previous"
    pipeline.withSchedule("cron(0 6 * * ? *)", { partition: "yesterday" });
    // @ts-expect-error a lag is a number of periods
    pipeline.withSchedule("cron(0 6 * * ? *)", { partition: { lag: "1" } });
  });
});
