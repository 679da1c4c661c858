import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import pl from "nodejs-polars";
import { param } from "@glacier/core";
import { salesFrame, testProject, type TestProject } from "./fixtures/project.js";
import { rejection, stable, statuses, stepOf } from "./fixtures/results.js";

let project: TestProject;
afterEach(() => project?.cleanup());

type Middle = (df: pl.LazyDataFrame) => unknown;

/**
 * raw → clean → report, with the middle task's function given by the test (its name becomes the step name;
 * its source is its code hash, so each variant is a code change).
 */
function pipeline(p: TestProject, middle: Middle, options: { schema?: Record<string, string> } = {}) {
  const local = p.provider.local();
  const raw = p.provider.bucket({ bucket: "acme", path: "raw/sales.parquet" });
  const clean = p.provider.bucket({
    bucket: "acme",
    path: "clean/sales.parquet",
    ...(options.schema ? { schema: options.schema as never } : {}),
  });
  const report = p.provider.bucket({ bucket: "acme", path: "reports/total.parquet" });
  const cleanSales = local.task(middle as (df: pl.LazyDataFrame) => pl.LazyDataFrame, { name: "cleanSales" });
  const total = local.task(function total(df: pl.LazyDataFrame) {
    return df.select(pl.col("amount").sum().alias("total"));
  });
  return raw.transform(cleanSales).to(clean).transform(total).to(report);
}

describe("bad input is reported before anything is written", () => {
  it("a missing source fails before any step runs, naming bucket and location", async () => {
    project = testProject();
    const report = pipeline(project, (df) => df);
    const error = await rejection(() => report.run({ mode: "local", projectDir: project.dir }));
    expect(error.code).toBe("SOURCE_MISSING");
    expect(stable(error.message, project.dir)).toMatchInlineSnapshot(
      `"bucket "acme/raw/sales.parquet": there is no data at <project>/data/acme/raw/sales.parquet. Create the file first, or fix the bucket's path (and --local-storage, if you use it)."`,
    );
    expect(project.files()).toEqual({});
    expect(existsSync(join(project.dir, ".glacier", "runs"))).toBe(false);
  });

  it("a corrupt source fails before any step runs", async () => {
    project = testProject();
    project.write("acme", "raw/sales.parquet", salesFrame(10));
    writeFileSync(project.path("acme", "raw/sales.parquet"), "PAR1 this is not parquet");
    const before = project.files();
    const error = await rejection(() =>
      pipeline(project, (df) => df).run({ mode: "local", projectDir: project.dir }),
    );
    expect(error.code).toBe("SOURCE_UNREADABLE");
    expect(stable(error.message, project.dir)).toMatchInlineSnapshot(
      `"bucket "acme/raw/sales.parquet": <project>/data/acme/raw/sales.parquet cannot be read as parquet: parquet: File out of specification: The file must end with PAR1. Check that the data is parquet (or set the bucket's format) and not truncated."`,
    );
    expect(project.files()).toEqual(before);
  });

  it("a source in another format than its bucket declares fails before any step runs", async () => {
    project = testProject();
    project.write("acme", "raw/sales.csv", salesFrame(10));
    const local = project.provider.local();
    const raw = project.provider.bucket({ bucket: "acme", path: "raw/sales.csv", format: "parquet" });
    const out = project.provider.bucket({ bucket: "acme", path: "out.parquet" });
    const copy = local.task(function copy(df: pl.LazyDataFrame) {
      return df;
    });
    const error = await rejection(() =>
      raw.transform(copy).to(out).run({ mode: "local", projectDir: project.dir }),
    );
    expect(error.code).toBe("SOURCE_UNREADABLE");
    expect(project.files()).toEqual({ "acme/raw/sales.csv": expect.any(Number) });
  });

  it("a source that does not match its declared schema fails before any step runs, naming columns and types", async () => {
    project = testProject();
    project.write("acme", "raw/sales.parquet", salesFrame(10));
    const local = project.provider.local();
    const raw = project.provider.bucket({
      bucket: "acme",
      path: "raw/sales.parquet",
      schema: { order_id: "int32", region: "string", amount: "float64", customer: "string" },
    });
    const out = project.provider.bucket({ bucket: "acme", path: "out.parquet" });
    const copy = local.task(function copy(df: pl.LazyDataFrame) {
      return df;
    });
    const error = await rejection(() =>
      raw.transform(copy).to(out).run({ mode: "local", projectDir: project.dir }),
    );
    expect(error.code).toBe("SCHEMA_MISMATCH");
    expect(stable(error.message, project.dir)).toMatchInlineSnapshot(
      `"bucket "acme/raw/sales.parquet": the data at <project>/data/acme/raw/sales.parquet does not match the declared schema: column "order_id" is Int64, declared int32; missing column "customer" (string); unexpected column "day" (String). Fix the data or the task, or update the bucket's schema to what the data holds."`,
    );
    expect(Object.keys(project.files())).toEqual(["acme/raw/sales.parquet"]);
  });

  it("an unknown parameter is rejected before any step runs", async () => {
    project = testProject();
    project.write("acme", "raw/sales.parquet", salesFrame(10));
    const error = await rejection(() =>
      pipeline(project, (df) => df).run({ mode: "local", projectDir: project.dir, params: { minimum: 3 } }),
    );
    expect(error.code).toBe("PARAM_UNKNOWN");
    expect(error.message).toMatchInlineSnapshot(
      `"param "minimum": no task declares this parameter. This pipeline declares no parameters; add params: { … } to a task's options."`,
    );
    expect(Object.keys(project.files())).toEqual(["acme/raw/sales.parquet"]);
  });

  it("a missing required parameter is rejected before any step runs", async () => {
    project = testProject();
    project.write("acme", "raw/sales.parquet", salesFrame(10));
    const local = project.provider.local();
    const raw = project.provider.bucket({ bucket: "acme", path: "raw/sales.parquet" });
    const out = project.provider.bucket({ bucket: "acme", path: "out.parquet" });
    const onDay = local.task(
      function onDay(df: pl.LazyDataFrame, ctx) {
        return df.filter(pl.col("day").eq(pl.lit(ctx.params.day)));
      },
      { params: { day: param.string() } },
    );
    const error = await rejection(() =>
      raw.transform(onDay).to(out).run({ mode: "local", projectDir: project.dir }),
    );
    expect(error.code).toBe("PARAM_MISSING");
    expect(Object.keys(project.files())).toEqual(["acme/raw/sales.parquet"]);
  });
});

describe("a failing step fails the run, keeps previous outputs and skips its downstream", () => {
  /** Runs the pipeline once successfully, then with a bad middle task; returns the failed run. */
  async function failAfterSuccess(middle: Middle, schema?: Record<string, string>) {
    project = testProject();
    project.write("acme", "raw/sales.parquet", salesFrame(100));
    const good = await pipeline(
      project,
      (df) => df.filter(pl.col("amount").gt(0)),
      schema ? { schema } : {},
    ).run({
      mode: "local",
      projectDir: project.dir,
    });
    expect(good.status).toBe("succeeded");
    const before = project.files();
    const cleanBefore = readFileSync(project.path("acme", "clean/sales.parquet"));
    const result = await pipeline(project, middle, schema ? { schema } : {}).run({
      mode: "local",
      projectDir: project.dir,
    });
    expect(result.status).toBe("failed");
    expect(statuses(result)).toEqual([
      ["cleanSales", "failed", "code changed"],
      ["total", "not-run", "upstream failed"],
    ]);
    expect(project.files()).toEqual(before);
    expect(readFileSync(project.path("acme", "clean/sales.parquet")).equals(cleanBefore)).toBe(true);
    return stepOf(result, "cleanSales");
  }

  it("a task that throws", async () => {
    const step = await failAfterSuccess(() => {
      throw new Error("the upstream API is down");
    });
    expect(step.code).toBe("TASK_FAILED");
    expect(stable(step.error, project.dir)).toMatchInlineSnapshot(
      `"step "cleanSales" failed: the task threw: the upstream API is down. Fix the task; its stack trace is in the run log. (log: <project>/.glacier/runs/<run>/log.jsonl)"`,
    );
  });

  it("a task that returns something other than a LazyDataFrame", async () => {
    const step = await failAfterSuccess((df) => df.collectSync());
    expect(step.code).toBe("TASK_RESULT_INVALID");
    expect(stable(step.error, project.dir)).toMatchInlineSnapshot(
      `"step "cleanSales" failed: the task returned a DataFrame, not a LazyDataFrame. Return df.lazy() — or better, keep the frame lazy so the streaming engine can run it. (log: <project>/.glacier/runs/<run>/log.jsonl)"`,
    );
  });

  it("a task that references a missing column", async () => {
    const step = await failAfterSuccess((df) => df.filter(pl.col("price").gt(0)));
    expect(step.code).toBe("TASK_FAILED");
    expect(stable(step.error, project.dir)).toMatchInlineSnapshot(
      `"step "cleanSales" failed: the task's query is invalid: not found: unable to find column "price"; valid columns: ["order_id", "region", "day", "amount"]. Fix the task: its result cannot be planned (the full polars message is in the run log). (log: <project>/.glacier/runs/<run>/log.jsonl)"`,
    );
  });

  it("a result whose columns differ from the output's declared schema", async () => {
    const schema = { order_id: "int64", region: "string", day: "string", amount: "float64" };
    const step = await failAfterSuccess((df) => df.drop("day"), schema);
    expect(step.code).toBe("SCHEMA_MISMATCH");
    expect(stable(step.error, project.dir)).toMatchInlineSnapshot(
      `"step "cleanSales" failed: bucket "acme/clean/sales.parquet": the result of step "cleanSales" does not match the declared schema: missing column "day" (string). Fix the data or the task, or update the bucket's schema to what the data holds. (log: <project>/.glacier/runs/<run>/log.jsonl)"`,
    );
  });

  it("a result whose types differ from the output's declared schema is checked before the commit", async () => {
    const schema = { order_id: "int64", region: "string", day: "string", amount: "float64" };
    const step = await failAfterSuccess((df) => df.withColumns(pl.col("amount").cast(pl.Float32)), schema);
    expect(step.code).toBe("SCHEMA_MISMATCH");
    expect(stable(step.error, project.dir)).toMatchInlineSnapshot(
      `"step "cleanSales" failed: bucket "acme/clean/sales.parquet": the output of step "cleanSales" does not match the declared schema: column "amount" is Float32, declared float64. Fix the data or the task, or update the bucket's schema to what the data holds. (log: <project>/.glacier/runs/<run>/log.jsonl)"`,
    );
  });

  it("a SQL task whose query does not fit its inputs", async () => {
    project = testProject();
    project.write("acme", "raw/sales.parquet", salesFrame(20));
    const local = project.provider.local();
    const raw = project.provider.bucket({ bucket: "acme", path: "raw/sales.parquet" });
    const bad = local.sql("bad", "SELECT price FROM input");
    const result = await raw
      .transform(bad)
      .to(project.provider.bucket({ bucket: "acme", path: "out.parquet" }))
      .run({ mode: "local", projectDir: project.dir });
    const step = stepOf(result, "bad");
    expect(step.code).toBe("TASK_FAILED");
    expect(stable(step.error, project.dir)).toMatch(
      /^step "bad" failed: the SQL query failed: .*price.* \(log: <project>\/\.glacier\/runs\/<run>\/log\.jsonl\)$/,
    );
    expect(Object.keys(project.files())).toEqual(["acme/raw/sales.parquet"]);
  });
});
