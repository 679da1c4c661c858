import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { LazyDataFrame } from "nodejs-polars";
import { Provider, type TaskNode } from "@glacier/core";
import { codeFingerprintNotes, taskCodeFingerprint, taskCodeFingerprints } from "../src/index.js";
import { loadModule } from "../src/code-module.js";

/**
 * The code fingerprint on real files: a task's recorded `definedAt` points into a module written to a temporary
 * directory (whose node_modules links to the repository's, so packages resolve), and the module is edited
 * between fingerprints. Nothing is imported: the fingerprint reads the files.
 */

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const POLARS = (
  JSON.parse(readFileSync(join(REPO, "node_modules/nodejs-polars/package.json"), "utf8")) as {
    version: string;
  }
).version;
const local = new Provider({ cloud: "local", basePath: tmpdir() }).local();

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "glacier-code-"));
  symlinkSync(join(REPO, "node_modules"), join(dir, "node_modules"), "dir");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, lines: readonly string[]): string {
  const file = join(dir, name);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, lines.join("\n"));
  return file;
}

/** A task node recorded at the `.task(` call on the line of `file` that holds `marker`. */
function taskAt(file: string, marker: string, options: { codeVersion?: string } = {}): TaskNode {
  const lines = readFileSync(file, "utf8").split("\n");
  const index = lines.findIndex((l) => l.includes(marker));
  if (index < 0) throw new Error(`no ${marker} in ${file}`);
  const task = local.task((df: LazyDataFrame) => df, { name: "t", ...options });
  return {
    ...task,
    definedAt: { file, line: index + 1, column: (lines[index] as string).indexOf("task(") + 1 },
  };
}

const code = (file: string, marker: string) => taskCodeFingerprint(taskAt(file, marker)).code;

/** Two tasks and two constants; `big` uses MIN_AMOUNT and a local helper. */
const pipeline = (values: { min?: number; other?: string; small?: string } = {}) => [
  `import pl from "nodejs-polars";`,
  `import { Provider } from "@glacier/core";`,
  `const local = new Provider({ cloud: "local", basePath: "./data" }).local();`,
  `const MIN_AMOUNT: number = ${values.min ?? 100};`,
  `const OTHER = ${values.other ?? '"a"'};`,
  `function atLeast(column: string, n: number) {`,
  `  return pl.col(column).gtEq(n);`,
  `}`,
  `export const big = local.task(function big(df: pl.LazyDataFrame) {`,
  `  return df.filter(atLeast("amount", MIN_AMOUNT));`,
  `});`,
  `export const small = local.task(function small(df: pl.LazyDataFrame) {`,
  `  return df.filter(pl.col("amount").lt(${values.small ?? "10"})).withColumns(pl.lit(OTHER));`,
  `});`,
  ``,
];

describe("the code a task reaches", () => {
  it("is its function, the declarations it uses and the packages it imports", () => {
    const file = write("pipeline.ts", pipeline());
    const fingerprint = taskCodeFingerprint(taskAt(file, "function big"));
    expect(fingerprint.code).toMatch(/^polars:code:[0-9a-f]{16}$/);
    expect(fingerprint.reached).toEqual([
      `nodejs-polars@${POLARS}`,
      "pipeline.ts#MIN_AMOUNT",
      "pipeline.ts#atLeast",
      "pipeline.ts#t",
    ]);
    expect(fingerprint.fallback).toBeUndefined();
    expect(fingerprint.unseen).toEqual([]);
  });

  it("changes when a module-level constant the task uses changes", () => {
    const file = write("pipeline.ts", pipeline({ min: 100 }));
    const before = code(file, "function big");
    write("pipeline.ts", pipeline({ min: 400 }));
    expect(code(file, "function big")).not.toBe(before);
  });

  it("does not change when another task or a constant the task does not use changes", () => {
    const file = write("pipeline.ts", pipeline());
    const big = code(file, "function big");
    const small = code(file, "function small");
    write("pipeline.ts", pipeline({ other: '"b"', small: "20" }));
    expect(code(file, "function big")).toBe(big);
    expect(code(file, "function small")).not.toBe(small);
  });

  it("does not change with formatting, comments or TypeScript types", () => {
    const file = write("pipeline.ts", pipeline());
    const before = code(file, "function big");
    const edited = pipeline()
      .map((line) => line.replace("(column: string, n: number)", "(column: unknown,   n: 1 | 2)"))
      .map((line) => line.replace("MIN_AMOUNT: number =", "MIN_AMOUNT   =  "))
      .map((line) => (line.startsWith("export const big") ? `// the big orders\n${line}` : line));
    write("pipeline.ts", edited);
    expect(readFileSync(file, "utf8")).not.toBe(pipeline().join("\n"));
    expect(code(file, "function big")).toBe(before);
  });

  it("follows a relative import to the exported binding: the helper counts, the rest of its file does not", () => {
    const helpers = (threshold: number, other: number) => [
      `export const THRESHOLD = ${threshold};`,
      `export const UNRELATED = ${other};`,
      `export function above(df: any) { return df.filter(df.amount > THRESHOLD); }`,
    ];
    write("lib/helpers.ts", helpers(1, 1));
    const file = write("pipeline.ts", [
      `import { above as over } from "./lib/helpers.js";`,
      `export const t = local.task(function t(df: any) { return over(df); });`,
    ]);
    const before = taskCodeFingerprint(taskAt(file, "local.task"));
    expect(before.reached).toEqual(["lib/helpers.ts#THRESHOLD", "lib/helpers.ts#above", "pipeline.ts#t"]);
    write("lib/helpers.ts", helpers(1, 2));
    expect(code(file, "local.task")).toBe(before.code);
    write("lib/helpers.ts", helpers(2, 2));
    expect(code(file, "local.task")).not.toBe(before.code);
  });

  it("follows re-exports and `export *` to the declaration", () => {
    write("lib/rates.ts", [`export const RATE = 1.1;`, `export const OTHER = 1;`]);
    write("lib/index.ts", [`export * from "./rates.js";`, `export { RATE as rate } from "./rates.js";`]);
    const file = write("pipeline.ts", [
      `import { RATE, rate } from "./lib/index.js";`,
      `export const t = local.task(function t(df: any) { return df.mul(RATE).mul(rate); });`,
    ]);
    expect(taskCodeFingerprint(taskAt(file, "local.task")).reached).toEqual([
      "lib/rates.ts#RATE",
      "pipeline.ts#t",
    ]);
    const before = code(file, "local.task");
    write("lib/rates.ts", [`export const RATE = 1.2;`, `export const OTHER = 1;`]);
    expect(code(file, "local.task")).not.toBe(before);
  });

  it("counts the whole module behind a namespace import, and what that module imports", () => {
    write("lib/b.ts", [`export const B = 1;`]);
    write("lib/a.ts", [`import { B } from "./b.js";`, `export const A = B;`, `export const C = 2;`]);
    const file = write("pipeline.ts", [
      `import * as lib from "./lib/a.js";`,
      `export const t = local.task(function t(df: any) { return df.mul(lib.A); });`,
    ]);
    expect(taskCodeFingerprint(taskAt(file, "local.task")).reached).toEqual([
      "lib/a.ts (whole module)",
      "lib/b.ts (whole module)",
      "pipeline.ts#t",
    ]);
    const before = code(file, "local.task");
    write("lib/b.ts", [`export const B = 3;`]);
    expect(code(file, "local.task")).not.toBe(before);
  });

  it("counts a package by its name and the version installed where the module is", () => {
    const pkg = (version: string) =>
      write("node_modules_local/node_modules/tiny-lib/package.json", [
        `{ "name": "tiny-lib", "version": "${version}" }`,
      ]);
    pkg("1.0.0");
    const file = write("node_modules_local/pipeline.ts", [
      `import { pad } from "tiny-lib/pad";`,
      `import { join } from "node:path";`,
      `export const t = local.task(function t(df: any) { return df.with(pad(join("a", "b"))); });`,
    ]);
    const before = taskCodeFingerprint(taskAt(file, "local.task"));
    expect(before.reached).toEqual(["node:path", "pipeline.ts#t", "tiny-lib@1.0.0"]);
    pkg("1.0.1");
    expect(code(file, "local.task")).not.toBe(before.code);
  });

  it("follows a task given by name to its function declaration", () => {
    const source = (n: number) => [
      `function clean(df: any) { return df.head(${n}); }`,
      `export const t = local.task(clean, { name: "clean" });`,
    ];
    const file = write("pipeline.ts", source(1));
    const before = taskCodeFingerprint(taskAt(file, "local.task"));
    expect(before.reached).toEqual(["pipeline.ts#clean", "pipeline.ts#t"]);
    write("pipeline.ts", source(2));
    expect(code(file, "local.task")).not.toBe(before.code);
  });

  it("reads TypeScript that only transforms (an enum), through its source map", () => {
    const source = (member: string) => [
      `enum Kind { A = "${member}" }`,
      `const unrelated = 1;`,
      `export const t = local.task(function t(df: any) { return df.filter(Kind.A); });`,
    ];
    const file = write("pipeline.ts", source("a"));
    const before = taskCodeFingerprint(taskAt(file, "local.task"));
    expect(before.fallback).toBeUndefined();
    // The transform inlines the enum's member: the task's own code holds its value.
    expect(before.reached).toEqual(["pipeline.ts#t"]);
    write("pipeline.ts", source("b"));
    expect(code(file, "local.task")).not.toBe(before.code);
  });

  it("parses each file once while its size and mtime are unchanged", () => {
    const file = write("pipeline.ts", pipeline());
    const first = loadModule(file);
    expect(loadModule(file)).toBe(first);
    code(file, "function big");
    expect(loadModule(file)).toBe(first);
    write("pipeline.ts", pipeline({ min: 400 }));
    expect(loadModule(file)).not.toBe(first);
  });
});

describe("many tasks written at one place, fingerprinted for one run", () => {
  it("share one walk of their code: each as it would be alone, under its own name; a new run reads edits", () => {
    const file = write("pipeline.ts", pipeline({ min: 100 }));
    // One `.task(` call made several tasks (a loop, a helper): same place, same text, different names.
    const named = (name: string): TaskNode => ({ ...taskAt(file, "function big"), name });
    const codeOf = taskCodeFingerprints();
    const a = codeOf(named("a"));
    const b = codeOf(named("b"));
    expect(a).toEqual(taskCodeFingerprint(named("a")));
    expect(b).toEqual(taskCodeFingerprint(named("b")));
    expect(b.code).toBe(a.code);
    expect(b.reached).toContain("pipeline.ts#b");
    expect(b.reached).not.toContain("pipeline.ts#a");
    write("pipeline.ts", pipeline({ min: 400 }));
    // Within a run the code is the code that was loaded; the next run's fingerprints see the edit.
    expect(codeOf(named("c")).code).toBe(a.code);
    expect(taskCodeFingerprints()(named("c")).code).not.toBe(a.code);
  });
});

describe("what the fingerprint cannot see", () => {
  it("a function passed through a parameter: the function's text counts too, and the run log says so", () => {
    const file = write("pipeline.ts", [
      `export function define(fn: any) {`,
      `  return local.task(fn, { name: "t" });`,
      `}`,
    ]);
    const task = taskAt(file, "local.task");
    const fingerprint = taskCodeFingerprint(task);
    expect(fingerprint.unseen).toEqual(["pipeline.ts#fn (a parameter)"]);
    const other = taskCodeFingerprint({ ...task, codeHash: "0123456789abcdef" });
    expect(other.code).not.toBe(fingerprint.code);
    expect(codeFingerprintNotes(fingerprint)).toEqual([
      {
        level: "info",
        message:
          "code fingerprint: cannot see pipeline.ts#fn (a parameter); set codeVersion when they change",
      },
    ]);
  });

  it("falls back to the function's text, saying why, when the location is unknown or unreadable", () => {
    const task = local.task(function t(df: LazyDataFrame) {
      return df;
    });
    const { definedAt: _, ...unplaced } = task;
    const cases = {
      "no location": unplaced,
      "no .task( there": { ...task, definedAt: { ...task.definedAt!, column: task.definedAt!.column + 3 } },
      "missing file": { ...task, definedAt: { file: join(dir, "gone.ts"), line: 1, column: 1 } },
      JSX: {
        ...task,
        definedAt: { file: write("view.jsx", ["local.task(() => <div />);"]), line: 1, column: 7 },
      },
    };
    const results = Object.fromEntries(
      Object.entries(cases).map(([name, t]) => [name, taskCodeFingerprint(t as TaskNode)] as const),
    );
    for (const result of Object.values(results)) expect(result.code).toBe(`polars:${task.codeHash}`);
    expect(results["no location"]?.fallback).toBe("the task was defined where no source file is known");
    expect(results["no .task( there"]?.fallback).toMatch(
      /^no \.task\( call at .*:\d+:\d+ \(the loader's positions/,
    );
    expect(results["missing file"]?.fallback).toMatch(/gone\.ts cannot be analysed: it cannot be read/);
    expect(results["JSX"]?.fallback).toMatch(
      /view\.jsx cannot be analysed: \.jsx is not a module the fingerprint reads/,
    );
    expect(codeFingerprintNotes(results["no location"]!)).toEqual([
      {
        level: "warn",
        message:
          "code fingerprint: only the task function's text is compared, not what it uses (the task was defined where no source file is known); set codeVersion to rerun on other changes",
      },
    ]);
  });
});

describe("SQL tasks and codeVersion", () => {
  it("a SQL task is its query's hash, as before", () => {
    const daily = local.sql("daily", "SELECT 1");
    expect(taskCodeFingerprint(daily)).toEqual({ code: `sql:${daily.codeHash}`, unseen: [], reached: [] });
  });

  it("codeVersion is passed through to be compared with the code", () => {
    const file = write("pipeline.ts", pipeline());
    expect(taskCodeFingerprint(taskAt(file, "function big", { codeVersion: "7" })).codeVersion).toBe("7");
    expect(taskCodeFingerprint(local.sql("q", "SELECT 1", { codeVersion: "3" })).codeVersion).toBe("3");
  });
});
