import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import pl from "nodejs-polars";
import { LineageGraph, type Bucket } from "@glacier/core";
import { executeStep } from "../src/index.js";
import { salesFrame, testProject, type TestProject } from "./fixtures/project.js";
import { rejection, stable, statuses } from "./fixtures/results.js";

let project: TestProject;
afterEach(() => project?.cleanup());

/** A task that keeps its input, under a given step name (a new name is a code change: the step reruns). */
function copy(p: TestProject, name = "copy") {
  return p.provider.local().task((df: pl.LazyDataFrame) => df, { name });
}

function manifest(p: TestProject, dir: string): { files: string[]; step: string; output: string } {
  return JSON.parse(readFileSync(p.path("acme", `${dir}/_glacier_manifest.json`), "utf8"));
}

describe("a directory dataset output replaces only the files its step wrote", () => {
  it("a dataset written over its own source is rejected before anything runs, and nothing is lost", async () => {
    project = testProject();
    project.write("acme", "raw/sales.parquet", salesFrame(10));
    writeFileSync(project.path("acme", "raw/notes.txt"), "keep me");
    project.write("acme", "raw/archive/2023.parquet", salesFrame(5, 2));
    const before = project.hashes();
    const raw = project.provider.bucket({ bucket: "acme", path: "raw/sales.parquet" });
    const out = project.provider.bucket({ bucket: "acme", path: "raw/", format: "parquet" });
    const error = await rejection(() =>
      raw.transform(copy(project)).to(out).run({ mode: "local", projectDir: project.dir }),
    );
    expect(error.code).toBe("LOCATION_OVERLAP");
    expect(stable(error.message, project.dir)).toMatchInlineSnapshot(
      `"bucket "acme/raw/": <project>/data/acme/raw/ (written by step "copy") contains <project>/data/acme/raw/sales.parquet (read by step "copy"). A step owns its whole output location: give "acme/raw/" a path no other bucket lives under, or move "acme/raw/sales.parquet" out of it."`,
    );
    expect(project.hashes()).toEqual(before);
    expect(existsSync(`${project.dir}/.glacier/runs`)).toBe(false);
  });

  it("without graph validation (one step, as a Lambda runs it) the commit refuses the directory and deletes nothing", async () => {
    project = testProject();
    project.write("acme", "raw/sales.parquet", salesFrame(10));
    writeFileSync(project.path("acme", "raw/notes.txt"), "keep me");
    project.write("acme", "raw/archive/2023.parquet", salesFrame(5, 2));
    const before = project.hashes();
    const raw = project.provider.bucket({ bucket: "acme", path: "raw/sales.parquet" });
    const out = project.provider.bucket({ bucket: "acme", path: "raw/", format: "parquet" });
    const step = LineageGraph.from(raw.transform(copy(project)).to(out)).step("copy");
    const error = await rejection(() =>
      executeStep({ step, runId: "20240131T120000Z-3f2a", params: {}, log: quiet }),
    );
    expect(error.code).toBe("OUTPUT_NOT_OWNED");
    expect(stable(error.message, project.dir)).toMatchInlineSnapshot(
      `"bucket "acme/raw/": step "copy" writes the directory dataset <project>/data/acme/raw/, which holds 3 files Glacier did not write there: archive/2023.parquet, notes.txt, sales.parquet. Nothing was written or deleted: a step replaces only files it wrote, and every reader of "acme/raw/" would read these as part of it. Move those files out of <project>/data/acme/raw/, or point the bucket at a directory of its own."`,
    );
    expect(project.hashes()).toEqual(before);
  });

  it("a first run into a directory holding a user's file refuses before any step runs, naming the file", async () => {
    project = testProject();
    project.write("acme", "raw/sales.parquet", salesFrame(10));
    mkdirSync(project.path("acme", "clean"), { recursive: true });
    writeFileSync(project.path("acme", "clean/README.md"), "# what clean/ holds\n");
    const before = project.hashes();
    const raw = project.provider.bucket({ bucket: "acme", path: "raw/sales.parquet" });
    const clean = project.provider.bucket({ bucket: "acme", path: "clean/", format: "parquet" });
    const error = await rejection(() =>
      raw.transform(copy(project)).to(clean).run({ mode: "local", projectDir: project.dir }),
    );
    expect(error.code).toBe("OUTPUT_NOT_OWNED");
    expect(error.message).toContain("README.md");
    expect(error.message).toContain("Move those files out of");
    expect(project.hashes()).toEqual(before);
  });

  it("a dataset over another step's output is rejected; written anyway, one step at a time, it is refused", async () => {
    project = testProject();
    project.write("acme", "in.parquet", salesFrame(10));
    const input = project.provider.bucket({ bucket: "acme", path: "in.parquet" });
    const report = input
      .transform(copy(project, "report"))
      .to(project.provider.bucket({ bucket: "acme", path: "out/sub/report.parquet" }));
    const all = input
      .transform(copy(project, "all"))
      .to(project.provider.bucket({ bucket: "acme", path: "out/", format: "parquet" }));
    const graph = LineageGraph.from({ report, all });
    expect(graph.problems().map((p) => p.code)).toEqual(["LOCATION_OVERLAP"]);
    await executeStep({ step: graph.step("report"), runId: "20240131T120000Z-3f2a", params: {}, log: quiet });
    const before = project.hashes();
    const error = await rejection(() =>
      executeStep({ step: graph.step("all"), runId: "20240131T120001Z-3f2b", params: {}, log: quiet }),
    );
    expect(error.code).toBe("OUTPUT_NOT_OWNED");
    expect(error.message).toContain("sub/report.parquet");
    expect(project.hashes()).toEqual(before);
  });

  it("reruns replace the step's own file, a new format's part retires the old one, hidden and marker files stay", async () => {
    project = testProject();
    project.write("acme", "raw/sales.parquet", salesFrame(10));
    mkdirSync(project.path("acme", "daily"), { recursive: true });
    writeFileSync(project.path("acme", "daily/_SUCCESS"), "");
    writeFileSync(project.path("acme", "daily/.keep"), "mine");
    const raw = project.provider.bucket({ bucket: "acme", path: "raw/sales.parquet" });
    const run = (name: string, format: "parquet" | "csv") =>
      raw
        .transform(copy(project, name))
        .to(project.provider.bucket({ bucket: "acme", path: "daily/", format }))
        .run({ mode: "local", projectDir: project.dir });
    expect(statuses(await run("first", "parquet"))).toEqual([["first", "succeeded", "never ran"]]);
    expect(manifest(project, "daily")).toMatchObject({
      files: ["part-0.parquet"],
      step: "first",
      output: "acme/daily/",
    });
    expect((await run("second", "parquet")).status).toBe("succeeded");
    expect((await run("third", "csv")).status).toBe("succeeded");
    expect(Object.keys(project.files()).filter((f) => f.startsWith("acme/daily/"))).toEqual([
      "acme/daily/.keep",
      "acme/daily/_SUCCESS",
      "acme/daily/_glacier_manifest.json",
      "acme/daily/part-0.csv",
    ]);
    expect(manifest(project, "daily").files).toEqual(["part-0.csv"]);
  });

  it("a file added to an output directory later is never deleted: the next run refuses", async () => {
    project = testProject();
    project.write("acme", "raw/sales.parquet", salesFrame(10));
    const raw = project.provider.bucket({ bucket: "acme", path: "raw/sales.parquet" });
    const daily: Bucket = project.provider.bucket({ bucket: "acme", path: "daily/", format: "parquet" });
    await raw.transform(copy(project, "first")).to(daily).run({ mode: "local", projectDir: project.dir });
    project.write("acme", "daily/extra.parquet", salesFrame(3, 3));
    const before = project.hashes();
    const error = await rejection(() =>
      raw.transform(copy(project, "second")).to(daily).run({ mode: "local", projectDir: project.dir }),
    );
    expect(error.code).toBe("OUTPUT_NOT_OWNED");
    expect(error.message).toContain("1 file Glacier did not write there: extra.parquet");
    expect(project.hashes()).toEqual(before);
  });

  it("a directory a step wrote before manifests existed is recognised by its recorded output and adopted", async () => {
    project = testProject();
    project.write("acme", "raw/sales.parquet", salesFrame(10));
    const raw = project.provider.bucket({ bucket: "acme", path: "raw/sales.parquet" });
    const daily = project.provider.bucket({ bucket: "acme", path: "daily/", format: "parquet" });
    const local = project.provider.local();
    const v1 = local.task((df: pl.LazyDataFrame) => df, { name: "daily" });
    const v2 = local.task((df: pl.LazyDataFrame) => df.filter(pl.col("amount").gt(0)), { name: "daily" });
    await raw.transform(v1).to(daily).run({ mode: "local", projectDir: project.dir });
    rmSync(project.path("acme", "daily/_glacier_manifest.json"));
    const again = await raw.transform(v2).to(daily).run({ mode: "local", projectDir: project.dir });
    expect(statuses(again)).toEqual([["daily", "succeeded", "code changed"]]);
    expect(manifest(project, "daily").files).toEqual(["part-0.parquet"]);
  });
});

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
