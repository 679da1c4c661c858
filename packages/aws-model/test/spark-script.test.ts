import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { daily, LineageGraph, Pipeline, Provider, param } from "@glacier/core";
import { describe, expect, it } from "vitest";
import { sparkSubmitParameters } from "../src/plan-steps.js";
import { sparkScript } from "../src/spark-script.js";
import { exampleGraph, tempDir } from "./support.js";

const root = tempDir("spark");

/** The STEP configuration embedded in a driver. */
function config(script: string): Record<string, unknown> {
  const raw = /STEP = json\.loads\(r'''([\s\S]*?)'''\)\n/.exec(script)?.[1];
  // Text that a raw triple-quoted string cannot hold is embedded as a JSON string literal instead.
  const escaped = /STEP = json\.loads\(("(?:[^"\\]|\\.)*")\)\n/.exec(script)?.[1];
  return JSON.parse(raw ?? (JSON.parse(escaped as string) as string)) as Record<string, unknown>;
}

describe("the Spark SQL driver", () => {
  it("registers a Pipeline's inputs as views named by its keys and writes through the staging prefix", async () => {
    const graph = await exampleGraph("complete");
    const script = sparkScript(graph.step("enrichOrders"));
    expect(config(script)).toMatchObject({
      step: "enrichOrders->glacier-example-lake/enriched/orders.parquet",
      params: {},
      inputs: [
        { table: "orders", uri: "s3://glacier-example-lake/cleaned/orders.parquet", format: "parquet" },
        { table: "customers", uri: "s3://glacier-example-lake/cleaned/customers.parquet", format: "parquet" },
      ],
      output: {
        uri: "s3://glacier-example-lake/enriched/orders.parquet",
        stagingUri:
          "s3://glacier-example-lake/.glacier-tmp/enrichOrders-1314c5ae9ad1/{run}/enriched/orders.parquet/",
        format: "parquet",
        dataset: false,
      },
    });
    expect((config(script)["inputs"] as { columns: string[] }[])[0]?.columns).toEqual([
      "order_id",
      "customer_id",
      "day",
      "amount",
    ]);
  });

  it("reads a single source as the view `input`, CSV with a header, NDJSON as JSON lines", () => {
    const aws = new Provider({ cloud: "aws", region: "eu-west-1" });
    const spark = aws.spark({ releaseLabel: "emr-7.5.0" });
    const events = aws.bucket({ bucket: "acme-lake", path: "events/*.jsonl" });
    const daily = aws.bucket({ bucket: "acme-lake", path: "daily/", format: "csv" });
    const task = spark.sql("byDay", "SELECT day, COUNT(*) AS n FROM input WHERE day >= :since GROUP BY day", {
      params: { since: param.string({ default: "2024-01-01" }), limit: param.integer() },
    });
    const script = sparkScript(LineageGraph.from({ d: events.transform(task).to(daily) }).step("byDay"));
    expect(config(script)).toMatchObject({
      params: { limit: { default: null }, since: { default: "2024-01-01" } },
      inputs: [{ table: "input", uri: "s3://acme-lake/events/*.jsonl", format: "json" }],
      output: { uri: "s3://acme-lake/daily/", format: "csv", extension: "csv", dataset: true },
    });
  });

  it("reads a partitioned input whole without a column from its key directories, as the local executor does", () => {
    const aws = new Provider({ cloud: "aws", region: "eu-west-1" });
    const days = daily({ start: "2026-11-01", end: "2026-11-30" });
    const total = aws.spark().sql("total", "SELECT SUM(amount) AS amount FROM input");
    const step = (path: string) =>
      LineageGraph.from({
        t: aws
          .bucket({ bucket: "acme-lake", path, format: "parquet", partitions: days })
          .transform(total)
          .to(aws.bucket({ bucket: "acme-lake", path: "reports/total.parquet" })),
      }).step("total");
    // A directory per day: the day directories, read recursively (Hadoop globs have no `**`).
    expect(config(sparkScript(step("events/day={day}/")))["inputs"]).toMatchObject([
      { table: "input", uri: "s3://acme-lake/events/day=*/", partitioned: true },
    ]);
    expect(config(sparkScript(step("events/{day}.parquet")))["inputs"]).toMatchObject([
      { table: "input", uri: "s3://acme-lake/events/*.parquet", partitioned: true },
    ]);
    // The driver turns Spark's partition discovery off for them.
    expect(sparkScript(step("events/day={day}/"))).toContain(
      'if source.get("partitioned"):\n        # Every partition',
    );
    expect(sparkScript(step("events/day={day}/"))).toContain('reader.option("recursiveFileLookup", "true")');
  });

  it("is valid Python", async () => {
    const graph = await exampleGraph("complete");
    const aws = new Provider({ cloud: "aws", region: "eu-west-1" });
    const tricky = aws
      .spark()
      .sql(
        "tricky",
        "SELECT 'it''s' AS q, '''' AS apostrophe, '\\\\' AS slash, \"\"\" AS t FROM a JOIN b ON a.id = b.id",
        {
          inputs: ["a", "b"],
        },
      );
    const x = aws.bucket({ bucket: "acme-lake", path: "x.parquet" });
    const trickyStep = LineageGraph.from({
      t: Pipeline({ a: x, b: x })
        .transform(tricky)
        .to(aws.bucket({ bucket: "acme-lake", path: "t.parquet" })),
    }).step("tricky");
    const scripts = [
      sparkScript(graph.step("enrichOrders")),
      sparkScript(graph.step("regionalSummary")),
      sparkScript(trickyStep),
    ];
    scripts.forEach((script, i) => writeFileSync(join(root, `driver${i}.py`), script));
    const compiled = spawnSync(
      "python3",
      ["-m", "py_compile", ...scripts.map((_, i) => join(root, `driver${i}.py`))],
      {
        encoding: "utf8",
      },
    );
    expect(compiled.stderr).toBe("");
    expect(compiled.status).toBe(0);
    expect(config(scripts[2] as string)["sql"]).toBe(tricky.sql);
    expect(scripts[2]).not.toContain("r'''");
  });

  it("reads and writes CSV as RFC 4180, and casts declared columns to their types (the portable subset)", () => {
    const aws = new Provider({ cloud: "aws", region: "eu-west-1" });
    const raw = aws.bucket({
      bucket: "acme-lake",
      path: "raw/orders.csv",
      schema: { order_id: "int64", qty: "int32", at: "time" },
    });
    const out = aws.bucket({
      bucket: "acme-lake",
      path: "out/by-region.csv",
      schema: { region: "string", n: "int64", total: "int64" },
    });
    const task = aws
      .spark()
      .sql("byRegion", "SELECT region, COUNT(*) AS n, SUM(qty) AS total FROM input GROUP BY region");
    const script = sparkScript(LineageGraph.from({ r: raw.transform(task).to(out) }).step("byRegion"));
    expect(config(script)).toMatchObject({
      inputs: [{ types: { order_id: "bigint", qty: "int" } }],
      output: { types: { region: "string", n: "bigint", total: "bigint" } },
    });
    // Reader and writer: Spark's defaults (a backslash escape, one record per line) are not RFC 4180.
    expect(script).toContain(
      `.option("quote", '"')\n            .option("escape", '"')\n            .option("multiLine", "true")`,
    );
    expect(script).toContain(`writer.option("header", "true").option("quote", '"').option("escape", '"')`);
    // cast_declared, run in Python over a stand-in frame: declared columns cast, others kept, order kept.
    const driver = join(root, "cast.py");
    writeFileSync(driver, script);
    const probe = spawnSync(
      "python3",
      [
        "-c",
        `import sys, types
stub = types.ModuleType("pyspark"); sql = types.ModuleType("pyspark.sql"); sql.SparkSession = object
sys.modules["pyspark"] = stub; sys.modules["pyspark.sql"] = sql
import importlib.util
spec = importlib.util.spec_from_file_location("driver", sys.argv[1]); d = importlib.util.module_from_spec(spec); spec.loader.exec_module(d)
class Col:
    def __init__(self, text): self.text = text
    def cast(self, t): return Col("CAST(%s AS %s)" % (self.text, t))
    def alias(self, a): return Col("%s AS %s" % (self.text, a))
class Frame:
    columns = ["region", "n", "total", "extra"]
    def __getitem__(self, c): return Col(c)
    def select(self, cols): return [c.text for c in cols]
print(d.cast_declared(Frame(), d.STEP["output"]["types"]))`,
        driver,
      ],
      { encoding: "utf8" },
    );
    expect(probe.stderr).toBe("");
    expect(probe.stdout.trim()).toBe(
      "['CAST(region AS string) AS region', 'CAST(n AS bigint) AS n', 'CAST(total AS bigint) AS total', 'extra']",
    );
  });

  it("sizes Spark's driver and executors to the application's workers", async () => {
    const graph = await exampleGraph("complete");
    const executor = graph.step("enrichOrders").task.executor;
    if (executor.kind !== "spark") throw new Error("enrichOrders runs on spark");
    expect(sparkSubmitParameters(executor)).toBe(
      "--conf spark.driver.cores=2 --conf spark.driver.memory=7447m --conf spark.executor.cores=4 " +
        "--conf spark.executor.memory=14894m --conf spark.executor.instances=4 " +
        "--conf spark.sql.catalogImplementation=in-memory",
    );
  });
});
