import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { LineageGraph } from "@glacier/core";
import { beforeAll, describe, expect, it } from "vitest";
import { bundleFunction, entrySource } from "../src/package/bundle-function.js";
import { locateSteps, type StepLocation } from "../src/package/locate-steps.js";
import { REPO, tempDir } from "./support.js";

const fixture = fileURLToPath(new URL("./fixtures/multi-module/", import.meta.url));
const entry = join(fixture, "index.ts");
const root = tempDir("locate");

/** The 1-based line of the fixture module holding `text`. */
function lineOf(file: string, text: string): number {
  return (
    readFileSync(join(fixture, file), "utf8")
      .split("\n")
      .findIndex((line) => line.includes(text)) + 1
  );
}

let graph: LineageGraph;
let located: Map<string, StepLocation>;
beforeAll(async () => {
  graph = LineageGraph.from((await import(entry)) as Record<string, never>);
  located = locateSteps(entry, graph.steps);
});

describe("locating a step's module and exports from its recorded definition", () => {
  it("finds the module that wires the task into a pipeline, not the index re-exporting it", () => {
    expect(graph.step("clean").definedAt).toEqual({
      file: join(fixture, "pipelines.ts"),
      line: lineOf("pipelines.ts", '.to(lake("clean'),
      column: 4,
    });
    expect(located.get(graph.step("clean").id)).toEqual({
      module: join(fixture, "pipelines.ts"),
      exports: ["cleaned", "default"],
      definedAt: `${join(fixture, "tasks.ts")}:${lineOf("tasks.ts", "export const clean")}`,
      located: true,
    });
  });

  it("follows a step recorded in a default export, with a task named by its options", () => {
    expect(located.get(graph.step("summarise").id)).toEqual({
      module: join(fixture, "pipelines.ts"),
      exports: ["default"],
      definedAt: `${join(fixture, "pipelines.ts")}:${lineOf("pipelines.ts", "const summarise")}`,
      located: true,
    });
  });

  it("falls back to every export of the entry when a step has no recorded definition", () => {
    const { definedAt: _step, ...clean } = graph.step("clean");
    const { definedAt: _task, ...task } = clean.task;
    const stranger = { ...clean, task, id: "elsewhere->x/y.parquet", name: "elsewhere" };
    expect(locateSteps(entry, [stranger]).get(stranger.id)).toEqual({
      module: entry,
      exports: ["cleaned", "summary"],
      located: false,
    });
  });

  it("falls back when the record does not point at a .to( call (a loader whose positions are not the file's)", () => {
    const step = graph.step("clean");
    const moved = { ...step, definedAt: { ...step.definedAt!, column: step.definedAt!.column + 1 } };
    expect(locateSteps(entry, [moved]).get(step.id)).toMatchObject({
      module: entry,
      exports: ["cleaned", "summary"],
      located: false,
    });
  });

  it("falls back when the step is built by a function no export of its module calls", () => {
    const module = join(root, "helper.ts");
    writeFileSync(
      module,
      ["export function wire(raw, task, out) {", "  return raw.transform(task).to(out);", "}", ""].join("\n"),
    );
    const step = { ...graph.step("clean"), definedAt: { file: module, line: 2, column: 31 } };
    expect(locateSteps(entry, [step]).get(step.id)).toMatchObject({ module: entry, located: false });
  });

  it("imports the whole entry module when the parser cannot read it", () => {
    const jsx = join(root, "entry.jsx");
    writeFileSync(jsx, "export const view = <div />;\n");
    const { definedAt: _step, ...stranger } = graph.step("clean");
    expect(locateSteps(jsx, [stranger]).get(stranger.id)).toMatchObject({ module: jsx, exports: ["*"] });
    expect(entrySource({ projectDir: root, module: jsx, exports: ["*"] })).toMatchInlineSnapshot(`
      "import { createLambdaHandler } from "glacier:lambda-handler";
      import * as module from "./entry.jsx";
      export const handler = createLambdaHandler(module);
      "
    `);
  });
});

describe("bundling what was located", () => {
  it("generates an entry importing exactly the located exports", () => {
    expect(
      entrySource({
        projectDir: REPO,
        module: join(fixture, "pipelines.ts"),
        exports: ["cleaned", "default"],
      }),
    ).toMatchInlineSnapshot(`
        "import { createLambdaHandler } from "glacier:lambda-handler";
        import { cleaned as e0, default as e1 } from "./generators/terraform/test/fixtures/multi-module/pipelines.ts";
        export const handler = createLambdaHandler({ "cleaned": e0, "default": e1 });
        "
      `);
  });

  it("bundles a handler whose graph holds the step", async () => {
    const location = located.get(graph.step("summarise").id)!;
    const bundle = await bundleFunction({
      projectDir: REPO,
      module: location.module,
      exports: location.exports,
    });
    expect(bundle.inputs).toContain("generators/terraform/test/fixtures/multi-module/pipelines.ts");
    expect(bundle.inputs).toContain("generators/terraform/test/fixtures/multi-module/tasks.ts");
    expect(bundle.inputs).not.toContain("generators/terraform/test/fixtures/multi-module/index.ts");
    const task = join(root, "task");
    mkdirSync(task);
    writeFileSync(join(task, "index.mjs"), bundle.code);
    writeFileSync(join(task, "index.mjs.map"), bundle.map);
    const invoked = spawnSync(
      process.execPath,
      [
        fileURLToPath(new URL("./fixtures/invoke-handler.mjs", import.meta.url)),
        task,
        JSON.stringify({ stepId: "nope", runId: "r1" }),
      ],
      { encoding: "utf8", cwd: task, env: { PATH: process.env["PATH"] ?? "" } },
    );
    const { error } = JSON.parse(invoked.stdout.trim().split("\n").at(-1)!) as {
      error: { name: string; message: string };
    };
    expect(error.name).toBe("GlacierError.UNKNOWN_STEP");
    expect(error.message).toContain(graph.step("summarise").id);
    expect(error.message).toContain(graph.step("clean").id);
  });

  it("leaves out the code fingerprint's parser: it runs where runs are planned, never in a Lambda", async () => {
    const bundle = await bundleFunction({
      projectDir: REPO,
      module: join(fixture, "pipelines.ts"),
      exports: ["cleaned"],
    });
    const code = Buffer.from(bundle.code).toString("utf8");
    expect(code).toContain("createLambdaHandler");
    // eslint-scope's and acorn's own names: @glacier/local is side-effect free, so esbuild drops what
    // createLambdaHandler does not use.
    expect(code).not.toContain("PatternVisitor");
    expect(code).not.toContain("allowHashBang");
  });

  it("loads from outside itself only the layer's polars and the runtime's SDK, and only with require", async () => {
    const bundle = await bundleFunction({
      projectDir: REPO,
      module: join(fixture, "pipelines.ts"),
      exports: ["cleaned"],
    });
    const code = Buffer.from(bundle.code).toString("utf8");
    const builtin = (name: string) => name.startsWith("node:") || isBuiltin(name);
    const required = [...code.matchAll(/\b\w*require\w*\("([^"]+)"\)/g)].map((m) => m[1]!);
    const imported = [
      ...code.matchAll(/^\s*import\s[^;]*?from\s*"([^"]+)"/gm),
      ...code.matchAll(/\bimport\("([^"]+)"\)/g),
    ].map((m) => m[1]!);
    // Lambda's layer and runtime SDK sit on NODE_PATH, which only require follows.
    expect(imported.filter((name) => !builtin(name))).toEqual([]);
    const outside = [...new Set(required.filter((name) => !builtin(name)))].sort();
    expect(outside).toContain("nodejs-polars");
    expect(outside).toContain("@aws-sdk/client-s3");
    // fdir (under tinyglobby, local files only) looks for picomatch with a require of its own, in a try.
    const optional = new Set(["picomatch"]);
    expect(
      outside.filter((name) => !optional.has(name) && !/^(nodejs-polars(\/|$)|@aws-sdk\/)/.test(name)),
    ).toEqual([]);
    // The source map is linked, for NODE_OPTIONS=--enable-source-maps.
    expect(code.trimEnd().endsWith("//# sourceMappingURL=index.mjs.map")).toBe(true);
  });

  it("bundles the same bytes every time", async () => {
    const request = { projectDir: REPO, module: join(fixture, "pipelines.ts"), exports: ["cleaned"] };
    const [a, b] = await Promise.all([bundleFunction(request), bundleFunction(request)]);
    expect(Buffer.from(a.code).equals(Buffer.from(b.code))).toBe(true);
    expect(Buffer.from(a.map).equals(Buffer.from(b.map))).toBe(true);
  });

  it("reports a module that does not build as GENERATE_FAILED", async () => {
    const broken = join(root, "broken.ts");
    writeFileSync(broken, "export const oops = (;\n");
    const error = await bundleFunction({ projectDir: root, module: broken, exports: ["oops"] }).then(
      () => null,
      (e: unknown) => e as Error & { code: string },
    );
    expect(error?.code).toBe("GENERATE_FAILED");
    expect(error?.message).toMatchInlineSnapshot(
      `"file "broken.ts": esbuild cannot bundle the Lambda code: Unexpected ";" (broken.ts:1). Check that the module and its imports build (npx tsc --noEmit), and that its packages are installed."`,
    );
  });
});
