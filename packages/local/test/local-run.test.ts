import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import pl from "nodejs-polars";
import { LineageGraph, Pipeline, param, runGraph } from "@glacier/core";
import { listRuns, readRun } from "@glacier/engine";
import { salesFrame, testProject, type TestProject } from "./fixtures/project.js";
import { stable, statuses } from "./fixtures/results.js";

let project: TestProject;
afterEach(() => project?.cleanup());

describe("local runs", () => {
  it("runs a two-step pipeline into Parquet and records it", async () => {
    project = testProject();
    const p = project.provider;
    const local = p.local();
    project.write("acme", "raw/sales.parquet", salesFrame(500));
    const raw = p.bucket({ bucket: "acme", path: "raw/sales.parquet" });
    const clean = p.bucket({ bucket: "acme", path: "clean/sales.parquet" });
    const daily = p.bucket({ bucket: "acme", path: "reports/daily.parquet" });
    const cleanSales = local.task(function cleanSales(df: pl.LazyDataFrame) {
      return df.filter(pl.col("amount").gt(0));
    });
    const perDay = local.task(
      function perDay(df: pl.LazyDataFrame, ctx) {
        ctx.log.info("aggregating", { min: ctx.params.min });
        return df
          .groupBy("day")
          .agg(pl.col("amount").sum().alias("total"))
          .filter(pl.col("total").gt(ctx.params.min))
          .sort("day");
      },
      { params: { min: param.number({ default: 0 }) } },
    );
    const report = raw.transform(cleanSales).to(clean).transform(perDay).to(daily);
    const result = await report.run({ mode: "local", projectDir: project.dir });
    expect(result.status).toBe("succeeded");
    expect(result.steps.map((s) => [s.name, s.status, s.reason])).toEqual([
      ["cleanSales", "succeeded", "never ran"],
      ["perDay", "succeeded", "never ran"],
    ]);
    const expected = salesFrame(500).filter(pl.col("amount").gt(0));
    expect(project.read("acme", "clean/sales.parquet").height).toBe(expected.height);
    expect(result.steps[0]?.rows).toBe(expected.height);
    expect(project.read("acme", "reports/daily.parquet").columns).toEqual(["day", "total"]);
  });
});

describe("formats, datasets and SQL", () => {
  it("reads CSV with its declared types and writes CSV, NDJSON and IPC", async () => {
    project = testProject();
    const p = project.provider;
    const local = p.local();
    project.write("acme", "raw/sales.csv", salesFrame(40));
    const raw = p.bucket({
      bucket: "acme",
      path: "raw/sales.csv",
      schema: { order_id: "int32", region: "string", day: "string", amount: "float64" },
    });
    const keep = local.task(function keep(df: pl.LazyDataFrame) {
      return df.filter(pl.col("amount").gt(0));
    });
    const graph = LineageGraph.from(
      (["out/a.csv", "out/b.ndjson", "out/c.arrow"] as const).map((path) =>
        raw.transform(keep).to(p.bucket({ bucket: "acme", path })),
      ),
    );
    const result = await runGraph(graph, { mode: "local", projectDir: project.dir });
    expect(result.status).toBe("succeeded");
    const expected = salesFrame(40).filter(pl.col("amount").gt(0)).height;
    expect(project.read("acme", "out/a.csv").height).toBe(expected);
    expect(project.read("acme", "out/b.ndjson").height).toBe(expected);
    const ipc = project.read("acme", "out/c.arrow");
    expect(ipc.height).toBe(expected);
    expect(ipc.getColumn("order_id").dtype.variant).toBe("Int32");
    expect(result.steps.map((s) => s.rows)).toEqual([expected, expected, expected]);
  });

  it("runs SQL on a single input (table `input`) and on Pipeline inputs (tables by key), with parameters", async () => {
    project = testProject();
    const p = project.provider;
    const local = p.local();
    project.write("acme", "raw/sales.parquet", salesFrame(200));
    project.write(
      "acme",
      "raw/managers.csv",
      pl.DataFrame({ region: ["north", "south", "east", "west"], manager: ["ann", "bo", "cy", "di"] }),
    );
    const sales = p.bucket({ bucket: "acme", path: "raw/sales.parquet" });
    const managers = p.bucket({ bucket: "acme", path: "raw/managers.csv" });
    const big = local.sql("big", "SELECT order_id, region, amount FROM input WHERE amount > :min", {
      params: { min: param.number({ default: 50 }) },
    });
    const perManager = local.sql(
      "perManager",
      "SELECT m.manager, COUNT(*) AS orders FROM sales s JOIN managers m ON s.region = m.region GROUP BY m.manager ORDER BY m.manager",
    );
    const bigSales = sales.transform(big).to(p.bucket({ bucket: "acme", path: "big.parquet" }));
    const report = Pipeline({ sales: bigSales, managers })
      .transform(perManager)
      .to(p.bucket({ bucket: "acme", path: "managers.parquet" }));
    const result = await report.run({ mode: "local", projectDir: project.dir, params: { min: "100" } });
    expect(result.status).toBe("succeeded");
    const expected = salesFrame(200).filter(pl.col("amount").gt(100)).height;
    expect(project.read("acme", "big.parquet").height).toBe(expected);
    const managersOut = project.read("acme", "managers.parquet");
    expect(managersOut.columns).toEqual(["manager", "orders"]);
    expect(Number(managersOut.getColumn("orders").sum())).toBe(expected);
  });

  it("reads directory datasets with hive partitions and globs, and writes a directory dataset", async () => {
    project = testProject();
    const p = project.provider;
    const local = p.local();
    project.write(
      "acme",
      "events/day=2024-01-01/part-0.parquet",
      salesFrame(10, 1).select("order_id", "amount"),
    );
    project.write(
      "acme",
      "events/day=2024-01-02/part-0.parquet",
      salesFrame(20, 2).select("order_id", "amount"),
    );
    writeFileSync(project.path("acme", "events/_SUCCESS"), "");
    writeFileSync(project.path("acme", "events/.part-1.parquet.crc"), "junk");
    project.write("acme", "logs/a.ndjson", pl.DataFrame({ n: [1, 2] }));
    project.write("acme", "logs/b.ndjson", pl.DataFrame({ n: [3] }));
    const events = p.bucket({ bucket: "acme", path: "events/", format: "parquet" });
    const logs = p.bucket({ bucket: "acme", path: "logs/*.ndjson" });
    const perDay = local.task(function perDay(df: pl.LazyDataFrame) {
      return df.groupBy("day").agg(pl.len().alias("orders")).sort("day");
    });
    const total = local.task(function total(df: pl.LazyDataFrame) {
      return df.select(pl.col("n").sum());
    });
    const daily = p.bucket({ bucket: "acme", path: "daily/", format: "parquet" });
    const graph = LineageGraph.from([
      events.transform(perDay).to(daily),
      logs.transform(total).to(p.bucket({ bucket: "acme", path: "total.parquet" })),
    ]);
    const result = await runGraph(graph, { mode: "local", projectDir: project.dir });
    expect(result.status).toBe("succeeded");
    // The data, and the manifest of the files the step owns there (see ownership.test.ts).
    expect(readdirSync(project.path("acme", "daily")).sort()).toEqual([
      "_glacier_manifest.json",
      "part-0.parquet",
    ]);
    expect(project.read("acme", "daily/part-0.parquet").getColumn("orders").toArray()).toEqual([10, 20]);
    expect(project.read("acme", "total.parquet").getColumn("n").toArray()).toEqual([6]);
    // A file added to a dataset is an input change.
    project.write(
      "acme",
      "events/day=2024-01-03/part-0.parquet",
      salesFrame(5, 3).select("order_id", "amount"),
    );
    const again = await runGraph(graph, { mode: "local", projectDir: project.dir });
    expect(statuses(again)).toEqual([
      ["perDay", "succeeded", "input changed"],
      ["total", "skipped", "up to date"],
    ]);
  });

  it("gives tasks ctx.files, ctx.log (in the run's JSON-lines log) and only their declared parameters", async () => {
    project = testProject();
    const p = project.provider;
    const local = p.local();
    project.write("acme", "raw/sales.parquet", salesFrame(20));
    const seen: unknown[] = [];
    const noted = local.task(
      async function noted(df: pl.LazyDataFrame, ctx) {
        seen.push(ctx.params);
        await ctx.files.write(join(project.data, "acme", "notes", `${ctx.step}.txt`), `run ${ctx.runId}`);
        ctx.log.warn("wrote a note", { rows: 20 });
        return df;
      },
      { params: { label: param.string({ default: "x" }) } },
    );
    const other = local.task(
      function other(df: pl.LazyDataFrame, ctx) {
        seen.push(ctx.params);
        return df.head(ctx.params.n);
      },
      { params: { n: param.integer({ default: 3 }) } },
    );
    const raw = p.bucket({ bucket: "acme", path: "raw/sales.parquet" });
    const out = raw
      .transform(noted)
      .to(p.bucket({ bucket: "acme", path: "a.parquet" }))
      .transform(other)
      .to(p.bucket({ bucket: "acme", path: "b.parquet" }));
    const result = await out.run({ mode: "local", projectDir: project.dir, params: { n: 5 } });
    expect(seen).toEqual([{ label: "x" }, { n: 5 }]);
    expect(readFileSync(project.path("acme", "notes/noted.txt"), "utf8")).toBe(`run ${result.runId}`);
    const record = await readRun(result.runId, { projectDir: project.dir });
    expect(record.params).toEqual({ label: "x", n: 5 });
    const lines = readFileSync(record.logPath, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.find((l) => l["msg"] === "wrote a note")).toMatchObject({
      level: "warn",
      step: "noted",
      rows: 20,
      runId: result.runId,
    });
    expect(lines.filter((l) => l["msg"] === "step succeeded (never ran)").map((l) => l["step"])).toEqual([
      "noted",
      "other",
    ]);
  });

  it("records runs: listRuns newest first, readRun with per-step fingerprints, rows, bytes and durations", async () => {
    project = testProject();
    const p = project.provider;
    const local = p.local();
    project.write("acme", "raw/sales.parquet", salesFrame(20));
    const copy = local.task(function copy(df: pl.LazyDataFrame) {
      return df;
    });
    const out = p
      .bucket({ bucket: "acme", path: "raw/sales.parquet" })
      .transform(copy)
      .to(p.bucket({ bucket: "acme", path: "copy.parquet" }));
    const first = await out.run({ mode: "local", projectDir: project.dir });
    const second = await out.run({ mode: "local", projectDir: project.dir });
    const runs = await listRuns({ projectDir: project.dir });
    expect(runs.map((r) => r.runId)).toEqual([second.runId, first.runId]);
    expect(runs[0]).toMatchObject({
      status: "succeeded",
      steps: { total: 1, succeeded: 0, skipped: 1, failed: 0, notRun: 0 },
    });
    expect(await listRuns({ projectDir: project.dir, limit: 1 })).toHaveLength(1);
    const record = await readRun(first.runId, { projectDir: project.dir });
    expect(record.steps[0]).toMatchObject({
      name: "copy",
      status: "succeeded",
      rows: 20,
      bytes: statSync(project.path("acme", "copy.parquet")).size,
      attempts: 1,
      fingerprint: expect.stringMatching(/^[0-9a-f]{24}$/),
      outputFingerprint: expect.stringMatching(/^xxh128:[0-9a-f]{32}$/),
      durationMs: expect.any(Number),
    });
    expect(record.status).toBe("succeeded");
  });

  it("prints plain progress lines when the stream is not a terminal", async () => {
    project = testProject();
    const p = project.provider;
    const local = p.local();
    project.write("acme", "raw/sales.parquet", salesFrame(20));
    const copy = local.task(function copy(df: pl.LazyDataFrame, ctx) {
      ctx.log.info("copying");
      return df;
    });
    const out = p
      .bucket({ bucket: "acme", path: "raw/sales.parquet" })
      .transform(copy)
      .to(p.bucket({ bucket: "acme", path: "copy.parquet" }));
    let text = "";
    const progress = new Writable({
      write(chunk: Buffer, _encoding, done) {
        text += chunk.toString();
        done();
      },
    });
    const result = await out.run({ mode: "local", projectDir: project.dir, progress });
    expect(
      stable(text, project.dir)
        .replace(/\d+(\.\d+)? (ms|s)\b/g, "<time>")
        .replace(/\d+(\.\d+)? (B|kB)\b/g, "<size>"),
    ).toBe(
      [
        "run <run>: 1 step",
        "▶ copy started",
        "  copy │ copying",
        "✔ copy succeeded  20 rows  <size>  <time>",
        "",
      ].join("\n"),
    );
    expect(result.status).toBe("succeeded");
  });

  it("draws a live per-step view on a terminal", async () => {
    project = testProject();
    const p = project.provider;
    const local = p.local();
    project.write("acme", "raw/sales.parquet", salesFrame(20));
    const copy = local.task(function copy(df: pl.LazyDataFrame) {
      return df;
    });
    const out = p
      .bucket({ bucket: "acme", path: "raw/sales.parquet" })
      .transform(copy)
      .to(p.bucket({ bucket: "acme", path: "copy.parquet" }));
    let text = "";
    const terminal = Object.assign(
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          text += chunk.toString();
          done();
        },
      }),
      { isTTY: true, columns: 100, rows: 30 },
    );
    const result = await out.run({ mode: "local", projectDir: project.dir, progress: terminal });
    // eslint-disable-next-line no-control-regex
    const plain = text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "");
    expect(text).toContain("\u001b[");
    expect(plain).toMatch(/✔ copy {2}20 rows {2}\d/);
    // The outcome is the caller's summary to say (the CLI prints it once), not the live view's.
    expect(plain).not.toContain("succeeded");
    expect(result.status).toBe("succeeded");
  });

  it("stops a task that runs past its timeout", async () => {
    project = testProject();
    const p = project.provider;
    const local = p.local();
    project.write("acme", "raw/sales.parquet", salesFrame(1000));
    const heavy = local.task(
      function heavy(df: pl.LazyDataFrame) {
        const copies = pl.DataFrame({ copy: Array.from({ length: 20_000 }, (_, i) => i) }).lazy();
        return df.join(copies, { how: "cross" }).sort(["amount", "copy"]);
      },
      // Long enough that building the plan fits on a loaded machine; the query (20M rows sorted) takes longer.
      { timeout: 1 },
    );
    const result = await p
      .bucket({ bucket: "acme", path: "raw/sales.parquet" })
      .transform(heavy)
      .to(p.bucket({ bucket: "acme", path: "heavy.parquet" }))
      .run({ mode: "local", projectDir: project.dir });
    expect(result.status).toBe("failed");
    expect(stable(result.steps[0]?.error, project.dir)).toBe(
      'step "heavy" failed: the task timed out after 1 s (running its query). Raise the task\'s timeout option, or make the query cheaper. (log: <project>/.glacier/runs/<run>/log.jsonl)',
    );
    expect(existsSync(project.path("acme", "heavy.parquet"))).toBe(false);
  });
});
