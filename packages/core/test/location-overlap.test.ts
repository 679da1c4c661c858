import type { LazyDataFrame } from "nodejs-polars";
import { describe, expect, it } from "vitest";
import { type Bucket, LineageGraph, Provider } from "@glacier/core";
import { failure } from "./support.js";

const provider = new Provider({ cloud: "aws", region: "eu-west-1" });
const local = provider.local();
const at = (path: string, format?: "parquet" | "csv"): Bucket =>
  provider.bucket({ bucket: "acme", path, ...(format ? { format } : {}) });
const task = (name: string) => local.task((df: LazyDataFrame) => df, { name });
const codes = (graph: LineageGraph): string[] => graph.problems().map((p) => p.code);

describe("a location inside another, where one of them is written (LOCATION_OVERLAP)", () => {
  it("rejects a directory dataset written over its own source, naming both buckets and the step", () => {
    const graph = at("raw/sales.parquet").transform(task("copy")).to(at("raw/", "parquet")).graph();
    expect(failure(() => graph.validate())).toMatchInlineSnapshot(
      `"[LOCATION_OVERLAP] bucket "acme/raw/": s3://acme/raw/ (written by step "copy") contains s3://acme/raw/sales.parquet (read by step "copy"). A step owns its whole output location: give "acme/raw/" a path no other bucket lives under, or move "acme/raw/sales.parquet" out of it."`,
    );
  });

  it("rejects a directory dataset over another step's output", () => {
    const report = at("in.parquet").transform(task("report")).to(at("out/sub/report.parquet"));
    const all = at("in.parquet").transform(task("all")).to(at("out/", "parquet"));
    const graph = LineageGraph.from({ report, all });
    expect(graph.problems().map((p) => p.message)).toEqual([
      `bucket "acme/out/": s3://acme/out/ (written by step "all") contains s3://acme/out/sub/report.parquet (written by step "report"). A step owns its whole output location: give "acme/out/" a path no other bucket lives under, or move "acme/out/sub/report.parquet" out of it.`,
    ]);
  });

  it("rejects a dataset input that another step writes into, without depending on it", () => {
    const writer = at("a.parquet").transform(task("drop")).to(at("raw/new.parquet"));
    const reader = at("raw/", "parquet").transform(task("readAll")).to(at("all.parquet"));
    const graph = LineageGraph.from({ writer, reader });
    expect(failure(() => graph.validate())).toMatchInlineSnapshot(
      `"[LOCATION_OVERLAP] bucket "acme/raw/": s3://acme/raw/ (read by step "readAll") contains s3://acme/raw/new.parquet (written by step "drop"). "acme/raw/" would read what "acme/raw/new.parquet"'s writer writes without depending on it: move one of them."`,
    );
  });

  it("matches globs: a glob over another step's output overlaps, one that cannot match it does not", () => {
    const writer = at("a.parquet").transform(task("drop")).to(at("raw/new.parquet"));
    const parquet = at("raw/*.parquet").transform(task("readParquet")).to(at("p.parquet"));
    const csv = at("raw/*.csv").transform(task("readCsv")).to(at("c.parquet"));
    expect(codes(LineageGraph.from({ writer, parquet }))).toEqual(["LOCATION_OVERLAP"]);
    expect(codes(LineageGraph.from({ writer, csv }))).toEqual([]);
    const dir = at("a.parquet").transform(task("daily")).to(at("raw/daily/", "parquet"));
    const deep = at("raw/**/*.parquet").transform(task("readDeep")).to(at("d.parquet"));
    expect(codes(LineageGraph.from({ dir, deep }))).toEqual(["LOCATION_OVERLAP"]);
  });

  it("rejects a file path another bucket uses as a directory", () => {
    const file = at("a.parquet").transform(task("one")).to(at("out/x.parquet"));
    const under = at("a.parquet").transform(task("two")).to(at("out/x.parquet/y.parquet"));
    expect(codes(LineageGraph.from({ file, under }))).toEqual(["LOCATION_OVERLAP"]);
  });

  it("accepts overlapping sources, sibling prefixes and unrelated outputs", () => {
    const both = at("raw/", "parquet").transform(task("readDir")).to(at("dir.parquet"));
    const one = at("raw/sales.parquet").transform(task("readOne")).to(at("one.parquet"));
    const sibling = at("a.parquet").transform(task("sib")).to(at("raw2/x.parquet"));
    const prefixed = at("a.parquet").transform(task("pre")).to(at("rawer/", "parquet"));
    expect(codes(LineageGraph.from({ both, one, sibling, prefixed }))).toEqual([]);
  });

  it("stays fast on large graphs (sorted prefixes, not pairs)", () => {
    const source = at("raw/events.parquet");
    const graph = LineageGraph.from(
      Array.from({ length: 2000 }, (_, i) => source.transform(task(`s${i}`)).to(at(`out/p${i}/`, "parquet"))),
    );
    expect(codes(graph)).toEqual([]);
  });
});
