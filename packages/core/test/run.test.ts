import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { LazyDataFrame } from "nodejs-polars";
import { afterEach, describe, expect, it } from "vitest";
import {
  INTERPRETER_PACKAGES,
  LineageGraph,
  Provider,
  RUN_MODES,
  runGraph,
  type RunOptions,
} from "@glacier/core";
import { importInterpreter } from "@glacier/core/internal";
import { rejection } from "./support.js";

const provider = new Provider({ cloud: "aws", region: "eu-west-1" });
const local = provider.local();
const at = (path: string) => provider.bucket({ bucket: "acme-data", path });
const clean = local.task((df: LazyDataFrame) => df, { name: "clean" });
const raw = at("raw/sales.parquet");
const sales = raw.transform(clean).to(at("clean/sales.parquet")).withName("sales");
const untyped = (options: unknown) => options as RunOptions;

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("run modes", () => {
  it("map each mode to its interpreter package", () => {
    expect(RUN_MODES).toEqual(["local", "cloud", "analyze", "generate"]);
    expect(INTERPRETER_PACKAGES).toEqual({
      local: "@glacier/local",
      cloud: "@glacier/aws",
      generate: "@glacier/terraform",
      analyze: "@glacier/analyze",
    });
    // Frozen: nothing at run time can point a mode at another package.
    expect(Object.isFrozen(INTERPRETER_PACKAGES)).toBe(true);
    expect(Object.isFrozen(RUN_MODES)).toBe(true);
  });

  it("reject an unknown or missing mode", async () => {
    expect(await rejection(sales.run(untyped({ mode: "remote" })))).toMatchInlineSnapshot(
      `"[UNKNOWN_MODE] option "mode": "remote" is not a run mode. Use one of: local, cloud, analyze, generate."`,
    );
    expect(await rejection(sales.run(untyped({})))).toMatchInlineSnapshot(
      `"[UNKNOWN_MODE] option "mode": undefined is not a run mode. Use one of: local, cloud, analyze, generate."`,
    );
    expect(await rejection(runGraph(sales.graph(), untyped(undefined)))).toMatch(/^\[UNKNOWN_MODE\]/);
  });
});

describe("run() definition errors", () => {
  it("reject a bucket that has no lineage", async () => {
    expect(await rejection(raw.run({ mode: "analyze" }))).toMatchInlineSnapshot(
      `"[NO_LINEAGE] bucket "acme-data/raw/sales.parquet": this bucket has no lineage, so there is nothing to run. Run a bucket produced by .transform(task).to(bucket)."`,
    );
    expect(await rejection(runGraph(LineageGraph.from({ raw }), { mode: "analyze" }))).toMatchInlineSnapshot(
      `"[NO_LINEAGE] there are no steps to run. Run a bucket produced by .transform(task).to(bucket)."`,
    );
  });

  it("reject an invalid graph before loading the interpreter", async () => {
    const other = at("other.parquet").transform(local.task((df: LazyDataFrame) => df, { name: "copy" }));
    const clash = other.to(sales);
    // DUPLICATE_WRITER, not INTERPRETER_MISSING: validation ran first.
    expect(await rejection(clash.run({ mode: "analyze" }))).toMatch(/^\[DUPLICATE_WRITER\]/);
  });

  it("write nothing when they reject", async () => {
    const projectDir = mkdtempSync(join(tmpdir(), "glacier-core-run-"));
    dirs.push(projectDir);
    const clash = at("other.parquet").transform(clean).to(sales);
    expect(await rejection(clash.run({ mode: "local", projectDir }))).toMatch(/^\[DUPLICATE_WRITER\]/);
    expect(readdirSync(projectDir)).toEqual([]);
  });

  it("reject an unknown pipeline before loading the interpreter", async () => {
    expect(await rejection(sales.run({ mode: "analyze", pipeline: "weekly" }))).toMatchInlineSnapshot(
      `"[UNKNOWN_PIPELINE] pipeline "weekly": no pipeline has this name. Pipelines: sales."`,
    );
  });
});

describe("interpreter packages", () => {
  // Every interpreter package exists in this repository, so the missing-package path is exercised the way a
  // user meets it: a project with only @glacier/core installed (a copy of the built package, not a symlink
  // that would resolve back into this repository's node_modules).
  const coreDir = fileURLToPath(new URL("..", import.meta.url));
  const script = `
    import { Provider } from "@glacier/core";
    const provider = new Provider({ cloud: "aws", region: "eu-west-1" });
    const clean = provider.local().task((df) => df, { name: "clean" });
    const at = (path) => provider.bucket({ bucket: "acme-data", path });
    const sales = at("raw/sales.parquet").transform(clean).to(at("clean/sales.parquet")).withName("sales");
    const mode = process.argv[2];
    const pipeline = process.argv[3];
    await sales.run(pipeline ? { mode, pipeline } : { mode }).then(
      () => console.log(JSON.stringify({ resolved: true })),
      (e) => console.log(JSON.stringify({ code: e.code, message: e.message, cause: e.cause?.code })),
    );
  `;
  function coreOnlyProject(): string {
    const dir = mkdtempSync(join(tmpdir(), "glacier-core-only-"));
    dirs.push(dir);
    const installed = join(dir, "node_modules", "@glacier", "core");
    mkdirSync(installed, { recursive: true });
    cpSync(join(coreDir, "package.json"), join(installed, "package.json"));
    cpSync(join(coreDir, "dist"), join(installed, "dist"), { recursive: true });
    writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
    writeFileSync(join(dir, "run.mjs"), script);
    return dir;
  }
  function runIn(dir: string, ...args: string[]): { code?: string; message?: string; cause?: string } {
    const out = execFileSync(process.execPath, ["run.mjs", ...args], { cwd: dir, encoding: "utf8" });
    return JSON.parse(out) as { code?: string; message?: string; cause?: string };
  }

  it("a mode whose package is not installed is a clear error naming it, with the cause", () => {
    const dir = coreOnlyProject();
    for (const mode of RUN_MODES) {
      const error = runIn(dir, mode);
      expect(error.code).toBe("INTERPRETER_MISSING");
      expect(error.message).toBe(
        `mode "${mode}": this mode needs the package ${INTERPRETER_PACKAGES[mode]}, which is not installed. Install it: npm install ${INTERPRETER_PACKAGES[mode]}.`,
      );
      expect(error.cause).toBe("ERR_MODULE_NOT_FOUND");
    }
  });

  it("narrows to the pipeline before loading (an unknown pipeline is reported, not the missing package)", () => {
    const dir = coreOnlyProject();
    expect(runIn(dir, "cloud", "sales").code).toBe("INTERPRETER_MISSING");
    expect(runIn(dir, "cloud", "weekly")).toMatchObject({ code: "UNKNOWN_PIPELINE" });
  });

  it("finds the package in the user's project when core cannot reach it (pnpm's strict layout)", () => {
    // Core installed apart from the project (as pnpm's store keeps it), the project with @glacier/local next
    // to it: core's own import cannot see @glacier/local, the project can.
    const root = mkdtempSync(join(tmpdir(), "glacier-core-apart-"));
    dirs.push(root);
    const store = join(root, "store");
    const project = join(root, "project");
    const core = join(store, "node_modules", "@glacier", "core");
    mkdirSync(core, { recursive: true });
    cpSync(join(coreDir, "package.json"), join(core, "package.json"));
    cpSync(join(coreDir, "dist"), join(core, "dist"), { recursive: true });
    mkdirSync(join(project, "node_modules", "@glacier"), { recursive: true });
    symlinkSync(core, join(project, "node_modules", "@glacier", "core"), "dir");
    const localDir = fileURLToPath(new URL("../../local", import.meta.url));
    symlinkSync(localDir, join(project, "node_modules", "@glacier", "local"), "dir");
    // Local storage in an empty directory: @glacier/local, once found, says the source is missing.
    const offline = script.replace("{ mode }", '{ mode, localStorage: "lake" }');
    writeFileSync(join(project, "package.json"), JSON.stringify({ type: "module" }));
    writeFileSync(join(project, "run.mjs"), offline);
    // The same script beside the store, outside the project, finds no @glacier/local.
    writeFileSync(join(store, "package.json"), JSON.stringify({ type: "module" }));
    writeFileSync(join(store, "run.mjs"), offline);
    expect(runIn(store, "local")).toMatchObject({ code: "INTERPRETER_MISSING" });
    expect(runIn(project, "local")).toMatchObject({ code: "SOURCE_MISSING" });
  });

  it("an interpreter passed in is used as it is, and its result comes back", async () => {
    const seen: string[] = [];
    const interpreter = {
      interpret: (graph: LineageGraph, options: RunOptions) => {
        seen.push(`${options.mode}:${graph.steps.map((s) => s.name).join(",")}`);
        return Promise.resolve({ outputDir: "infra", files: ["main.tf.json"] });
      },
    };
    expect(await sales.run({ mode: "generate", outputDir: "infra" }, interpreter)).toEqual({
      outputDir: "infra",
      files: ["main.tf.json"],
    });
    expect(seen).toEqual(["generate:clean"]);
  });

  it("importInterpreter names the package of a module that is not an interpreter (a JavaScript caller's)", async () => {
    const notAnInterpreter: () => Promise<never> = () => import("node:path") as Promise<never>;
    expect(await rejection(importInterpreter("analyze", notAnInterpreter))).toMatchInlineSnapshot(
      `"[INTERPRETER_MISSING] mode "analyze": @glacier/analyze does not export interpret(). Install a version of @glacier/analyze that matches @glacier/core."`,
    );
  });
});
