import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, example, glacier, installWithoutInterpreters, tempProject } from "./helpers/cli.js";
import { ORDERS_SQL } from "./fixtures/modules.js";

/**
 * `generate`, `analyze` and `run` hand the graph to interpreter packages through core's `runGraph`. With the
 * packages installed they answer; in an installation without them (only the CLI and core), each mode fails
 * with one clear INTERPRETER_MISSING line, exit 2, and writes nothing.
 */
beforeAll(ensureBuilt);

describe.concurrent("with the interpreters installed", () => {
  it("generate writes the Terraform module of one pipeline, with --name-prefix", async ({ expect }) => {
    const out = tempProject({});
    try {
      const { code, stdout, stderr } = await glacier([
        "generate",
        join(out.dir, "tf"),
        example("complete"),
        "--pipeline",
        "cleanedCustomers",
        "--name-prefix",
        "acme",
      ]);
      expect(stderr).toBe("");
      expect(code).toBe(0);
      expect(stdout.replaceAll(out.dir, "<out>")).toMatchInlineSnapshot(`
        "wrote <out>/tf/README.md
        wrote <out>/tf/glacier-manifest.json
        wrote <out>/tf/main.tf.json
        "
      `);
      const main = JSON.parse(readFileSync(join(out.dir, "tf/main.tf.json"), "utf8")) as {
        variable: { name_prefix: { default: string } };
      };
      expect(main.variable.name_prefix.default).toBe("acme");
      // Generated again from the same graph: every file is already as generated, and says so.
      const again = await glacier([
        "generate",
        join(out.dir, "tf"),
        example("complete"),
        "--pipeline",
        "cleanedCustomers",
        "--name-prefix",
        "acme",
      ]);
      expect(again.code).toBe(0);
      expect(again.stdout.replaceAll(out.dir, "<out>")).toBe(
        ["README.md", "glacier-manifest.json", "main.tf.json"]
          .map((file) => `unchanged <out>/tf/${file}\n`)
          .join(""),
      );
    } finally {
      out.remove();
    }
  });

  it("analyze prints the analyzer's report, as JSON too", async ({ expect }) => {
    const text = await glacier(["analyze", example("simple"), "--offline"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^Analysis of 2 steps in eu-west-1, offline/);
    const json = await glacier(["analyze", example("simple"), "--offline", "--format", "json"]);
    expect(json.code).toBe(0);
    expect(Object.keys(JSON.parse(json.stdout) as object)).toContain("steps");
  });
});

describe("in an installation without interpreter packages", () => {
  const install = installWithoutInterpreters({ "pipeline.ts": ORDERS_SQL });
  afterAll(install.remove);
  const files = readdirSync(install.dir).sort();

  it.each([
    ["run", ["run", "pipeline.ts"]],
    ["generate", ["generate", "out", "pipeline.ts"]],
    ["analyze", ["analyze", "pipeline.ts"]],
  ])("%s: one INTERPRETER_MISSING line, exit 2, nothing written", async (_, args) => {
    const { code, stdout, stderr } = await glacier(args, { cwd: install.dir, bin: install.bin });
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toMatch(
      /^error \[INTERPRETER_MISSING\] mode "\w+": this mode needs the package @glacier\/\w+, which is not installed\. Install it: npm install @glacier\/\w+\.\n$/,
    );
    expect(readdirSync(install.dir).sort()).toEqual(files);
  });

  it("runs needs no interpreter: the run records are the engine's", async () => {
    const { code, stdout, stderr } = await glacier(["runs"], { cwd: install.dir, bin: install.bin });
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toBe("no runs recorded yet (glacier run records them under .glacier/runs/)\n");
  });

  it("visualize and validate need no interpreter", async () => {
    const { code, stdout } = await glacier(["validate", "pipeline.ts"], {
      cwd: install.dir,
      bin: install.bin,
    });
    expect(code).toBe(0);
    expect(stdout).toBe("ok: 1 pipeline, 2 steps, 3 buckets, no type errors (pipeline.ts)\n");
  });
});
