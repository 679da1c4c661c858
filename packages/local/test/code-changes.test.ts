import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import pl from "nodejs-polars";
import type { RunResult } from "@glacier/core";
import type { StepState } from "@glacier/engine";
import { testProject, type TestProject } from "./fixtures/project.js";
import { statuses } from "./fixtures/results.js";

/**
 * Incremental runs after code edits, the way a user makes them: a pipeline module on disk, run by the real
 * local executor in a fresh process (so the edited file is what loads), real Parquet in and out. Each case is
 * a change the old fingerprint (the task function's text) could not see, or one it must not rerun for.
 */

const RUNNER = join(dirname(fileURLToPath(import.meta.url)), "fixtures/run-module.ts");
const REPO = join(dirname(fileURLToPath(import.meta.url)), "../../..");

let project: TestProject;
afterEach(() => project?.cleanup());

/** A project whose modules resolve the repository's packages, with raw orders of amounts 50–500. */
function orders(): TestProject {
  const p = testProject("glacier-code-changes-");
  writeFileSync(join(p.dir, "package.json"), '{ "type": "module" }\n');
  spawnSync("ln", ["-s", join(REPO, "node_modules"), join(p.dir, "node_modules")]);
  p.write("acme", "raw.parquet", pl.DataFrame({ id: [1, 2, 3, 4], amount: [50, 150, 300, 500] }));
  return p;
}

function write(p: TestProject, name: string, lines: readonly string[]): string {
  const file = join(p.dir, name);
  writeFileSync(file, lines.join("\n"));
  return file;
}

/** Runs the module's pipelines in a new process through tsx, with the packages' sources. */
function run(p: TestProject, module: string): RunResult {
  const child = spawnSync(
    process.execPath,
    ["--import", "tsx", "--conditions=source", RUNNER, module, p.dir],
    { cwd: p.dir, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } },
  );
  if (child.status !== 0) throw new Error(`the run failed:\n${child.stderr}`);
  return JSON.parse(child.stdout.trim().split("\n").at(-1) as string) as RunResult;
}

const ids = (p: TestProject, path: string): number[] =>
  p.read("acme", path).getColumn("id").toArray() as number[];

/** `big` keeps orders of at least MIN_AMOUNT; `small` those under 100. */
function pipeline(values: { min?: number; small?: string; version?: string } = {}): string[] {
  return [
    `import pl from "nodejs-polars";`,
    `import { Provider } from "@glacier/core";`,
    `const provider = new Provider({ cloud: "local", basePath: "./data" });`,
    `const local = provider.local();`,
    `const MIN_AMOUNT = ${values.min ?? 100};`,
    `const raw = provider.bucket({ bucket: "acme", path: "raw.parquet" });`,
    `const big = local.task(function big(df: pl.LazyDataFrame) {`,
    `  return df.filter(pl.col("amount").gtEq(MIN_AMOUNT));`,
    `}${values.version === undefined ? "" : `, { codeVersion: ${JSON.stringify(values.version)} }`});`,
    `const small = local.task(function small(df: pl.LazyDataFrame) {`,
    `  return df.filter(pl.col("amount").lt(${values.small ?? "100"}));`,
    `});`,
    `export const bigOrders = raw.transform(big).to(provider.bucket({ bucket: "acme", path: "big.parquet" }));`,
    `export const smallOrders = raw.transform(small).to(provider.bucket({ bucket: "acme", path: "small.parquet" }));`,
    ``,
  ];
}

describe("incremental runs see the code a task uses", () => {
  it("rerun a task whose module-level constant changed, and write the new answer", () => {
    project = orders();
    const module = write(project, "pipeline.ts", pipeline({ min: 100 }));
    expect(statuses(run(project, module))).toEqual([
      ["big", "succeeded", "never ran"],
      ["small", "succeeded", "never ran"],
    ]);
    expect(ids(project, "big.parquet")).toEqual([2, 3, 4]);
    write(project, "pipeline.ts", pipeline({ min: 400 }));
    expect(statuses(run(project, module))).toEqual([
      ["big", "succeeded", "code changed"],
      ["small", "skipped", "up to date"],
    ]);
    expect(ids(project, "big.parquet")).toEqual([4]);
    expect(statuses(run(project, module))).toEqual([
      ["big", "skipped", "up to date"],
      ["small", "skipped", "up to date"],
    ]);
  });

  it("rerun a task whose imported helper changed; an edit elsewhere in the helper's file changes nothing", () => {
    project = orders();
    const helpers = (threshold: number, unrelated: string) =>
      write(project, "helpers.ts", [
        `import pl from "nodejs-polars";`,
        `export const label = ${JSON.stringify(unrelated)};`,
        `export function atLeast(n: number) { return pl.col("amount").gtEq(n + ${threshold}); }`,
        ``,
      ]);
    helpers(0, "a");
    const module = write(project, "pipeline.ts", [
      `import { Provider } from "@glacier/core";`,
      `import { atLeast } from "./helpers.js";`,
      `const provider = new Provider({ cloud: "local", basePath: "./data" });`,
      `const big = provider.local().task(function big(df: any) { return df.filter(atLeast(100)); });`,
      `export const bigOrders = provider`,
      `  .bucket({ bucket: "acme", path: "raw.parquet" })`,
      `  .transform(big)`,
      `  .to(provider.bucket({ bucket: "acme", path: "big.parquet" }));`,
      ``,
    ]);
    run(project, module);
    expect(ids(project, "big.parquet")).toEqual([2, 3, 4]);
    helpers(0, "b");
    expect(statuses(run(project, module))).toEqual([["big", "skipped", "up to date"]]);
    helpers(250, "b");
    expect(statuses(run(project, module))).toEqual([["big", "succeeded", "code changed"]]);
    expect(ids(project, "big.parquet")).toEqual([4]);
  });

  it("do not rerun a step when another task of the same file changed", () => {
    project = orders();
    const module = write(project, "pipeline.ts", pipeline());
    run(project, module);
    write(project, "pipeline.ts", pipeline({ small: "200" }));
    expect(statuses(run(project, module))).toEqual([
      ["big", "skipped", "up to date"],
      ["small", "succeeded", "code changed"],
    ]);
    expect(ids(project, "small.parquet")).toEqual([1, 2]);
  });

  it("rerun a task whose codeVersion changed, and record the version in its state", () => {
    project = orders();
    const module = write(project, "pipeline.ts", pipeline({ version: "1" }));
    run(project, module);
    write(project, "pipeline.ts", pipeline({ version: "2" }));
    const result = run(project, module);
    expect(statuses(result)).toEqual([
      ["big", "succeeded", "code changed"],
      ["small", "skipped", "up to date"],
    ]);
    const big = result.steps.find((s) => s.name === "big") as { components?: StepState["components"] };
    expect(big.components).toMatchObject({ code: expect.stringMatching(/^polars:code:/), codeVersion: "2" });
  });

  it("keep a run's record of what a task's fingerprint could not see in the run log", () => {
    project = orders();
    const module = write(project, "pipeline.ts", [
      `import { Provider } from "@glacier/core";`,
      `const provider = new Provider({ cloud: "local", basePath: "./data" });`,
      `const define = (fn: any) => provider.local().task(fn, { name: "copy" });`,
      `export const copied = provider`,
      `  .bucket({ bucket: "acme", path: "raw.parquet" })`,
      `  .transform(define((df: any) => df))`,
      `  .to(provider.bucket({ bucket: "acme", path: "copy.parquet" }));`,
      ``,
    ]);
    const result = run(project, module);
    const log = readFileSync(join(result.recordPath as string, "log.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { level: string; step?: string; msg: string });
    expect(log.filter((l) => l.msg.startsWith("code fingerprint"))).toEqual([
      expect.objectContaining({
        level: "info",
        step: "copy",
        msg: "code fingerprint: cannot see pipeline.ts#fn (a parameter); set codeVersion when they change",
      }),
    ]);
  });
});
