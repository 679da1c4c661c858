import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, example, glacier, normalise, tempProject } from "./helpers/cli.js";
import {
  NO_LINEAGE,
  ORDERS,
  SYNTAX_ERROR,
  THROWS_GLACIER_ERROR,
  THROWS_PLAIN_ERROR,
} from "./fixtures/modules.js";

/**
 * Every user mistake ends in one line on stderr, `error [CODE] message`, exit code 2, no stack, and nothing
 * written: the project directory holds exactly the files the test put there.
 */
const project = tempProject({
  "pipeline.ts": ORDERS,
  "syntax.ts": SYNTAX_ERROR,
  "throws.ts": THROWS_GLACIER_ERROR,
  "plain-throw.ts": THROWS_PLAIN_ERROR,
  "storage-only.ts": NO_LINEAGE,
});
const FILES = readdirSync(project.dir).sort();

beforeAll(ensureBuilt);
afterAll(project.remove);

async function mistake(...args: string[]): Promise<string> {
  const { code, stdout, stderr } = await glacier(args, { cwd: project.dir });
  expect(code).toBe(2);
  expect(stdout).toBe("");
  expect(stderr.trimEnd().split("\n")).toHaveLength(1);
  expect(stderr).not.toMatch(/^\s+at /m);
  expect(readdirSync(project.dir).sort()).toEqual(FILES);
  return normalise(stderr, { project: project.dir });
}

describe.concurrent("user mistakes: one line, exit 2, nothing written", () => {
  it("a missing entry", async ({ expect }) => {
    expect(await mistake("visualize", "nope.ts", "-o", "out.html")).toMatchInlineSnapshot(
      `
      "error [ENTRY_NOT_FOUND] file "nope.ts": no such file. Pass the path of a .ts or .js module that exports pipelines, or run without an entry to discover them.
      "
    `,
    );
  });

  it("an entry that is a directory", async ({ expect }) => {
    expect(await mistake("validate", "node_modules")).toMatchInlineSnapshot(`
      "error [ENTRY_NOT_FOUND] file "node_modules": is not a .ts or .js module. Pass a module file, or run glacier in that directory (--cwd DIR) to discover its pipelines.
      "
    `);
  });

  it("a syntax error in the entry", async ({ expect }) => {
    expect(await mistake("validate", "syntax.ts")).toMatchInlineSnapshot(`
      "error [ENTRY_LOAD_FAILED] file "syntax.ts": could not be loaded: syntax.ts:2:73: ERROR: Expected "}" but found ";". Fix the module (run it with --verbose for the stack).
      "
    `);
  });

  it("a GlacierError thrown while the module is defined keeps its code and names the file", async ({
    expect,
  }) => {
    expect(await mistake("list", "throws.ts")).toMatchInlineSnapshot(`
      "error [INVALID_OPTION] throws.ts: option "serverless.memory": 64 MB is outside 128–10240 MB. Set memory to a whole number between 128 and 10240.
      "
    `);
  });

  it("a plain error thrown while the module loads", async ({ expect }) => {
    expect(await mistake("validate", "plain-throw.ts")).toMatchInlineSnapshot(`
      "error [ENTRY_LOAD_FAILED] file "plain-throw.ts": could not be loaded: the warehouse password is not set. Fix the module (run it with --verbose for the stack).
      "
    `);
  });

  it("an entry without pipelines", async ({ expect }) => {
    expect(await mistake("visualize", "storage-only.ts")).toMatchInlineSnapshot(`
      "error [NO_PIPELINES] found no pipeline in storage-only.ts: no exported bucket has lineage. Export the bucket a chain produces: export const report = raw.transform(task).to(out).
      "
    `);
  });

  it("an unknown pipeline", async ({ expect }) => {
    expect(await mistake("visualize", "pipeline.ts", "--pipeline", "nope", "-o", "x.mmd"))
      .toMatchInlineSnapshot(`
      "error [UNKNOWN_PIPELINE] pipeline "nope": no pipeline has this name. Pipelines: orders.
      "
    `);
  });

  it("an unknown format", async ({ expect }) => {
    expect(await mistake("visualize", "pipeline.ts", "--format", "svg", "-o", "x.svg"))
      .toMatchInlineSnapshot(`
      "error [INVALID_OPTION] option "--format": "svg" is not one of mermaid, dot, json, text, html. Use --format mermaid|dot|json|text|html.
      "
    `);
  });

  it("an unknown mode", async ({ expect }) => {
    expect(await mistake("run", "pipeline.ts", "--mode", "fast")).toMatchInlineSnapshot(`
      "error [UNKNOWN_MODE] option "--mode": "fast" is not one of local, cloud. Use --mode local|cloud.
      "
    `);
  });

  it("a --param without =", async ({ expect }) => {
    expect(await mistake("run", "pipeline.ts", "--param", "minOrders")).toMatchInlineSnapshot(`
      "error [PARAM_INVALID] param "minOrders": expected key=value, with an identifier as the key. Write --param minOrders=5 (repeat --param for several).
      "
    `);
  });

  it("a --param given twice", async ({ expect }) => {
    expect(await mistake("run", "pipeline.ts", "--param", "a=1", "--param", "a=2")).toMatchInlineSnapshot(`
      "error [PARAM_INVALID] param "a": is given twice. Pass each parameter once.
      "
    `);
  });

  it("a --concurrency that is not a positive whole number", async ({ expect }) => {
    expect(await mistake("run", "pipeline.ts", "--concurrency", "0")).toMatchInlineSnapshot(`
      "error [INVALID_OPTION] option "--concurrency": "0" is not a whole number of at least 1. For example --concurrency 4.
      "
    `);
  });

  it("a cloud-only option in local mode", async ({ expect }) => {
    expect(await mistake("run", "pipeline.ts", "--via", "direct")).toMatchInlineSnapshot(`
      "error [INVALID_OPTION] option "--via": applies to --mode cloud only. Drop --via, or add --mode cloud.
      "
    `);
  });

  it("a local-only option in cloud mode", async ({ expect }) => {
    expect(await mistake("run", "pipeline.ts", "--mode", "cloud", "--low-memory")).toMatchInlineSnapshot(`
      "error [INVALID_OPTION] option "--low-memory": applies to --mode local only. Drop --low-memory, or add --mode local.
      "
    `);
  });

  it("a memory budget that is not a whole number of MiB", async ({ expect }) => {
    expect(await mistake("run", "pipeline.ts", "--memory-budget", "1.5")).toMatchInlineSnapshot(`
      "error [INVALID_OPTION] option "--memory-budget": "1.5" is not a whole number of at least 1. For example --memory-budget 4.
      "
    `);
  });

  it("an unknown option, with a suggestion", async ({ expect }) => {
    expect(await mistake("visualize", "pipeline.ts", "--frmat", "dot")).toMatchInlineSnapshot(`
      "error [INVALID_OPTION] unknown option '--frmat' (Did you mean --format?). See glacier --help.
      "
    `);
  });

  it("an unknown command", async ({ expect }) => {
    expect(await mistake("visualise")).toMatchInlineSnapshot(`
      "error [INVALID_OPTION] unknown command 'visualise' (Did you mean visualize?). See glacier --help.
      "
    `);
  });

  it("a --cwd that does not exist", async ({ expect }) => {
    expect(await mistake("validate", "--cwd", "no/such/dir")).toMatchInlineSnapshot(`
      "error [INVALID_OPTION] option "--cwd": <project>/no/such/dir is not a directory. Pass the project directory.
      "
    `);
  });
});

describe("--verbose", () => {
  it("adds the stack and the cause chain", async () => {
    const { code, stderr } = await glacier(["validate", "plain-throw.ts", "--verbose"], { cwd: project.dir });
    expect(code).toBe(2);
    const lines = stderr.split("\n");
    expect(lines[0]).toMatch(/^error \[ENTRY_LOAD_FAILED\] file "plain-throw.ts"/);
    expect(stderr).toMatch(/^\s+at /m);
    expect(stderr).toMatch(/^caused by: Error: the warehouse password is not set\n\s+at .*plain-throw\.ts/m);
  });
});

describe.concurrent("exit codes and help", () => {
  it("--help exits 0 and lists every command", async () => {
    const { code, stdout } = await glacier(["--help"]);
    expect(code).toBe(0);
    for (const command of ["visualize", "validate", "list", "run", "runs", "generate", "analyze"]) {
      expect(stdout).toMatch(new RegExp(`^  ${command} `, "m"));
    }
    expect(stdout).toContain("Exit codes: 0 ok · 1 a run failed · 2 a user mistake");
  });

  it("--version prints the package version", async () => {
    const { code, stdout } = await glacier(["--version"]);
    expect(code).toBe(0);
    expect(stdout).toBe("0.1.0\n");
  });

  it("no command prints the help on stderr and exits 2", async () => {
    const { code, stdout, stderr } = await glacier([]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain("Usage: glacier [options] [command]");
  });

  it("global options work after the command too", async () => {
    const { code, stdout } = await glacier(["validate", "pipeline.ts", "--cwd", project.dir]);
    expect(code).toBe(0);
    expect(stdout).toBe("ok: 1 pipeline, 2 steps, 3 buckets, no type errors (pipeline.ts)\n");
    // validate writes nothing but its type-check cache, and that in the --cwd directory.
    expect(readdirSync(join(project.dir, ".glacier"))).toEqual(["cache"]);
    expect(readdirSync(join(project.dir, ".glacier", "cache"))).toEqual(["typecheck"]);
  });

  it("the examples validate", async () => {
    for (const name of ["simple", "complete", "multi-source"]) {
      const { code, stdout } = await glacier(["validate", example(name)]);
      expect(code).toBe(0);
      expect(stdout).toMatch(
        /^ok: \d+ pipelines?, \d+ steps?, \d+ buckets?, no type errors \(examples\/[a-z-]+\/pipeline\.ts\)\n$/,
      );
    }
  });
});
