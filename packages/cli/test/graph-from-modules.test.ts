import { GlacierError, Provider } from "@glacier/core";
import type pl from "nodejs-polars";
import { describe, expect, it } from "vitest";
import { checkConfig } from "../src/load/config.js";
import { graphFromModules } from "../src/load/graph-from-modules.js";

const provider = new Provider({ cloud: "aws", region: "eu-west-1" });
const local = provider.local();
const bucket = (path: string) => provider.bucket({ bucket: "acme-data", path });
const copy = (name: string) => local.task((df: pl.LazyDataFrame) => df, { name });

const raw = bucket("raw/orders.csv");
const clean = raw.transform(copy("clean")).to(bucket("clean/orders.parquet"));
const report = clean.transform(copy("report")).to(bucket("reports/daily.parquet"));

describe("graphFromModules", () => {
  it("joins the pipelines of several modules into one graph by location", () => {
    const graph = graphFromModules([
      { file: "/p/a.ts", exports: { clean, raw } },
      { file: "/p/b.ts", exports: { report } },
    ]);
    expect(graph.pipelines.map((p) => p.name)).toEqual(["clean", "report"]);
    expect(graph.executionOrder().map((s) => s.name)).toEqual(["clean", "report"]);
  });

  it("counts a bucket re-exported by two modules once", () => {
    const graph = graphFromModules([
      { file: "/p/a.ts", exports: { clean } },
      { file: "/p/index.ts", exports: { clean } },
    ]);
    expect(graph.pipelines.map((p) => p.name)).toEqual(["clean"]);
    expect(graph.problems()).toEqual([]);
  });

  it("names a default export's pipeline after its file", () => {
    const graph = graphFromModules([{ file: "/p/pipelines/daily-report.ts", exports: { default: report } }]);
    expect(graph.pipelines.map((p) => p.name)).toEqual(["daily-report"]);
  });

  it("rejects two pipelines with one name in two modules, naming both", () => {
    const other = raw.transform(copy("other")).to(bucket("other/orders.parquet"));
    let error: unknown;
    try {
      graphFromModules([
        { file: "/p/a.ts", exports: { clean } },
        { file: "/p/b.ts", exports: { clean: other } },
      ]);
    } catch (e) {
      error = e;
    }
    expect(GlacierError.is(error) && error.code).toBe("INVALID_NAME");
    expect((error as Error).message).toContain("/p/a.ts (export clean) and /p/b.ts (export clean)");
  });

  it("leaves a name clash inside one module to the graph's problems", () => {
    const graph = graphFromModules([
      { file: "/p/a.ts", exports: { one: clean.withName("x"), two: report.withName("x") } },
    ]);
    expect(graph.problems().map((p) => p.code)).toEqual(["INVALID_NAME"]);
  });
});

describe("checkConfig", () => {
  it.each([
    [null, "the default export must be a config object."],
    [["a.ts"], "the default export must be a config object."],
    [{}, "pipelines must be a non-empty array of glob strings."],
    [{ pipelines: [] }, "pipelines must be a non-empty array of glob strings."],
    [{ pipelines: ["ok/*.ts", 3] }, "pipelines must be a non-empty array of glob strings."],
    [{ pipelines: ["*.ts"], watch: true }, 'unknown key "watch".'],
  ])("rejects %j as INVALID_CONFIG", (value, message) => {
    let error: unknown;
    try {
      checkConfig(value, "/p/glacier.config.ts");
    } catch (e) {
      error = e;
    }
    expect(GlacierError.is(error) && error.code).toBe("INVALID_CONFIG");
    expect((error as Error).message).toContain(message);
  });

  it("returns a frozen copy of a valid config", () => {
    const config = checkConfig({ pipelines: ["pipelines/**/*.ts"] }, "/p/glacier.config.ts");
    expect(config).toEqual({ pipelines: ["pipelines/**/*.ts"] });
    expect(Object.isFrozen(config.pipelines)).toBe(true);
  });
});
