import type { LazyDataFrame } from "nodejs-polars";
import { describe, expect, it } from "vitest";
import { Bucket, EXECUTOR_RULES, LineageGraph, Provider, type StepNode } from "@glacier/core";
import { executorRuns } from "@glacier/core/internal";
import { failure } from "./support.js";

const provider = new Provider({ cloud: "aws", region: "eu-west-1" });
const spark = provider.spark();
const lambda = provider.serverless();
const raw = provider.bucket({ bucket: "acme-data", path: "raw/sales.parquet" });
const out = provider.bucket({ bucket: "acme-data", path: "clean/sales.parquet" });

describe("executor rules", () => {
  it("are one table: every executor kind, the task languages it runs", () => {
    expect(EXECUTOR_RULES).toEqual({
      local: { languages: ["polars", "sql"] },
      serverless: { languages: ["polars", "sql"] },
      container: { languages: ["polars", "sql"] },
      spark: { languages: ["sql"], noPolars: expect.any(String) },
    });
    expect(Object.isFrozen(EXECUTOR_RULES)).toBe(true);
    expect(executorRuns("spark", "polars")).toBe(false);
    expect(executorRuns("spark", "sql")).toBe(true);
    expect(executorRuns("serverless", "polars")).toBe(true);
    expect(executorRuns("local", "sql")).toBe(true);
  });

  it("refuse spark.task(fn) when it is defined, naming the task and what to write instead", () => {
    expect(
      failure(() =>
        // @ts-expect-error spark.task(fn) does not compile either; this is a JavaScript caller's
        spark.task(function enrich(df: LazyDataFrame) {
          return df;
        }),
      ),
    ).toMatchInlineSnapshot(
      `"[INVALID_TASK] task "enrich": a spark executor runs Spark SQL on EMR Serverless, not a nodejs-polars function. Write it as spark.sql("enrich", "SELECT … FROM input"), or bind the function to provider.local(), provider.serverless() or provider.container()."`,
    );
  });

  it("accept what each executor runs", () => {
    expect(spark.sql("total", "SELECT SUM(amount) AS total FROM input").language).toBe("sql");
    expect(lambda.task((df: LazyDataFrame) => df, { name: "clean" }).language).toBe("polars");
    expect(provider.local().sql("daily", "SELECT * FROM input").executor.kind).toBe("local");
  });

  it("are a graph problem too, for a graph built from nodes (JSON, another copy of core)", () => {
    const onLambda = lambda.task((df: LazyDataFrame) => df, { name: "enrich" });
    const step = raw.transform(onLambda).to(out).lineage[0] as StepNode;
    const moved: StepNode = { ...step, task: { ...step.task, executor: spark.node } };
    const graph = LineageGraph.from(Bucket.fromNode(out.node, [moved]));
    expect(graph.problems().map((p) => `[${p.code}] ${p.message}`)).toMatchInlineSnapshot(`
      [
        "[INVALID_TASK] step "enrich->acme-data/clean/sales.parquet": a spark executor runs Spark SQL on EMR Serverless, not a nodejs-polars function. Write it as spark.sql("enrich", "SELECT … FROM input"), or bind the function to provider.local(), provider.serverless() or provider.container().",
      ]
    `);
    expect(() => graph.validate()).toThrow(/spark\.sql\("enrich"/);
  });
});
