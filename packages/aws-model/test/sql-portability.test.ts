import { LineageGraph, Pipeline, Provider } from "@glacier/core";
import { describe, expect, it } from "vitest";
import { graphSqlWarnings, sqlPortabilityWarnings } from "../src/index.js";

const aws = new Provider({ cloud: "aws", region: "eu-west-1" });
const spark = aws.spark();
const orders = aws.bucket({
  bucket: "acme-lake",
  path: "raw/orders.parquet",
  schema: { order_id: "int64", Region: "string", qty: "int32", amount: "float64" },
});
const untyped = aws.bucket({ bucket: "acme-lake", path: "raw/events.parquet" });

function warnings(
  sql: string,
  options: { output?: Record<string, "int64" | "uint32" | "string">; input?: typeof orders } = {},
): string[] {
  const out = aws.bucket({
    bucket: "acme-lake",
    path: "out/result.parquet",
    ...(options.output ? { schema: options.output } : {}),
  });
  const graph = LineageGraph.from({
    r: (options.input ?? orders).transform(spark.sql("report", sql)).to(out),
  });
  return sqlPortabilityWarnings(graph.step("report")).map((w) => `[${w.code}] ${w.message}`);
}

describe("the portable SQL subset of a spark.sql task", () => {
  it("accepts SQL inside it: casts, exact identifiers, backticks, single-quoted strings, integer /", () => {
    expect(
      warnings(
        "SELECT `Region`, CAST(COUNT(*) AS BIGINT) AS n, CAST(SUM(qty) AS BIGINT) AS total, SUM(qty) / COUNT(*) AS mean " +
          "FROM input WHERE `Region` <> 'north' AND qty > :minimum GROUP BY `Region`",
      ),
    ).toEqual([]);
  });

  it("accepts SUM over a column declared int64 or float (Int64 / BIGINT, Float64 / DOUBLE alike)", () => {
    expect(
      warnings("SELECT `Region`, SUM(amount) AS revenue, SUM(order_id) AS ids FROM input GROUP BY `Region`"),
    ).toEqual([]);
  });

  it("accepts COUNT and SUM whose output column has a declared type (both executors cast to it)", () => {
    expect(
      warnings("SELECT Region, COUNT(*) AS n, SUM(qty) AS total FROM input GROUP BY Region", {
        output: { Region: "string", n: "int64", total: "int64" },
      }),
    ).toEqual([]);
  });

  it("flags COUNT and SUM left to each engine's type", () => {
    expect(warnings("SELECT Region, COUNT(*) AS n, SUM(qty) AS total FROM input GROUP BY Region"))
      .toMatchInlineSnapshot(`
        [
          "[SQL_NOT_PORTABLE] step "report": COUNT(…) AS n is typed differently by Polars (UInt32) and Spark (BIGINT): a local run and an EMR run of it differ. Declare the column's type in the output bucket's schema (both executors cast to it), or write CAST(COUNT(…) AS BIGINT).",
          "[SQL_NOT_PORTABLE] step "report": SUM(…) AS total may be typed differently: Polars keeps an integer input's width (an int32 stays Int32), Spark makes it BIGINT, and the input's type is not declared as int64 or a float: a local run and an EMR run of it differ. Declare the column's type in the output bucket's schema (both executors cast to it), or write CAST(SUM(…) AS BIGINT).",
        ]
      `);
  });

  it("flags an identifier matching its column only when case is ignored, and double-quoted text", () => {
    expect(warnings(`SELECT region, "Region" AS r FROM input`)).toMatchInlineSnapshot(`
      [
        "[SQL_NOT_PORTABLE] step "report": the identifier region matches column Region only when case is ignored (Spark does, Polars does not): a local run and an EMR run of it differ. Write it as the column is named: Region.",
        "[SQL_NOT_PORTABLE] step "report": "Region" is a column in Polars but a string in Spark: a local run and an EMR run of it differ. Quote identifiers with backticks (\`Region\`) and strings with single quotes.",
      ]
    `);
  });

  it("flags capitalised identifiers when the input declares no schema, % and MOD, and types Spark lacks", () => {
    const found = warnings("SELECT UserId, amount % 7 AS bucket, MOD(amount, 3) AS m FROM input", {
      input: untyped,
      output: { UserId: "uint32" },
    });
    expect(found).toHaveLength(3);
    expect(found[0]).toContain("the identifier UserId has capital letters");
    expect(found[1]).toContain("% (MOD) differs for negative operands");
    expect(found[2]).toContain(
      "the output column UserId is declared uint32, which Spark SQL has no type for",
    );
  });

  it("does not mistake quoted text or comments for code", () => {
    expect(warnings("SELECT 'COUNT(*) % \"x\" Region' AS label -- SUM(qty)\nFROM input")).toEqual([]);
  });

  it("says when it cannot check the SQL, instead of passing it silently", () => {
    const [only] = warnings("SELECT a DIV 2 AS half FROM input");
    expect(only).toMatch(/^\[SQL_NOT_PORTABLE\] step "report": its SQL could not be checked for portability/);
  });

  it("checks Spark SQL tasks only, across every pipeline", () => {
    const lambda = aws.serverless();
    const out = (p: string) => aws.bucket({ bucket: "acme-lake", path: p });
    const graph = LineageGraph.from({
      a: orders.transform(spark.sql("onSpark", "SELECT COUNT(*) AS n FROM input")).to(out("a.parquet")),
      b: orders.transform(lambda.sql("onLambda", "SELECT COUNT(*) AS n FROM input")).to(out("b.parquet")),
      c: Pipeline({ x: orders, y: untyped })
        .transform(spark.sql("joined", "SELECT x.qty FROM x JOIN y ON x.order_id = y.order_id"))
        .to(out("c.parquet")),
    });
    expect(graphSqlWarnings(graph).map((w) => w.subject?.name)).toEqual(["onSpark"]);
  });
});
