import { afterEach, describe, expect, it } from "vitest";
import pl from "nodejs-polars";
import { salesFrame, testProject, type TestProject } from "./fixtures/project.js";

let project: TestProject;
afterEach(() => project?.cleanup());

describe("a container task in local mode", () => {
  it("runs on Polars in this process, exactly as the same function bound to serverless()", async () => {
    project = testProject();
    const p = project.provider;
    project.write("acme", "raw/sales.parquet", salesFrame(300));
    const raw = p.bucket({ bucket: "acme", path: "raw/sales.parquet" });
    const total = (df: pl.LazyDataFrame) =>
      df.filter(pl.col("amount").gt(0)).groupBy("day").agg(pl.col("amount").sum().alias("total")).sort("day");
    const onFargate = p.container({ cpu: 4, memory: 16 }).task(total, { name: "onFargate" });
    const onLambda = p.serverless({ memory: 2048 }).task(total, { name: "onLambda" });
    const viaFargate = raw
      .transform(onFargate)
      .to(p.bucket({ bucket: "acme", path: "fargate/daily.parquet" }));
    const viaLambda = raw.transform(onLambda).to(p.bucket({ bucket: "acme", path: "lambda/daily.parquet" }));
    for (const target of [viaFargate, viaLambda]) {
      const result = await target.run({ mode: "local", projectDir: project.dir });
      expect(result.steps.map((s) => [s.status, s.reason])).toEqual([["succeeded", "never ran"]]);
    }
    const [fargate, lambda] = [
      project.read("acme", "fargate/daily.parquet"),
      project.read("acme", "lambda/daily.parquet"),
    ];
    expect(fargate.height).toBeGreaterThan(0);
    expect(fargate.frameEqual(lambda)).toBe(true);
    // Incremental like any step: nothing changed, nothing reruns.
    const again = await viaFargate.run({ mode: "local", projectDir: project.dir });
    expect(again.steps.map((s) => s.status)).toEqual(["skipped"]);
  });
});
