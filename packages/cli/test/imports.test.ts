import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, glacier, tempProject } from "./helpers/cli.js";
import { ORDERS } from "./fixtures/modules.js";

/**
 * `glacier visualize` must start fast in CI: it may not load polars, cdktf, the AWS SDK or an interpreter
 * package, and loads ts-morph and elkjs only when discovery or an HTML page needs them. A preloaded tracer
 * records every module the real process loads.
 */
const project = tempProject({ "pipeline.ts": ORDERS });
const TRACER = join(import.meta.dirname, "fixtures/trace-imports.mjs");

beforeAll(ensureBuilt);
afterAll(project.remove);

async function loaded(args: string[]): Promise<string> {
  const trace = join(project.dir, `trace-${args.join("-").replace(/\W+/g, "_")}.txt`);
  const { code, stderr } = await glacier(args, {
    cwd: project.dir,
    env: { NODE_OPTIONS: `--import ${TRACER}`, GLACIER_TRACE_FILE: trace },
  });
  expect(stderr).toBe("");
  expect(code).toBe(0);
  return readFileSync(trace, "utf8");
}

const HEAVY =
  /nodejs-polars|cdktn|@cdktn|@aws-sdk|@glacier\/(local|aws|terraform|analyze)|packages\/(local|aws)\//;

describe.concurrent("what glacier visualize loads", () => {
  // dot, json and text take the same path as mermaid: core's visualize().
  it("--format mermaid: no polars, cdktf, AWS SDK, interpreter, ts-morph or elkjs", async ({ expect }) => {
    const modules = await loaded(["visualize", "pipeline.ts", "--format", "mermaid"]);
    expect(modules).toMatch(/packages\/core\/dist\/index\.js/);
    expect(modules).not.toMatch(HEAVY);
    expect(modules).not.toMatch(/ts-morph|elkjs/);
  });

  it("--format html adds elkjs, nothing heavy", async ({ expect }) => {
    const modules = await loaded(["visualize", "pipeline.ts", "--format", "html"]);
    expect(modules).toMatch(/elkjs/);
    expect(modules).not.toMatch(HEAVY);
    expect(modules).not.toMatch(/ts-morph/);
  });

  it("--infra adds the AWS model's planner, not the Terraform generator", async ({ expect }) => {
    const modules = await loaded(["visualize", "pipeline.ts", "--infra"]);
    expect(modules).toMatch(/packages\/aws-model\/dist\/index\.js/);
    expect(modules).not.toMatch(HEAVY);
    expect(modules).not.toMatch(/generators\/terraform|esbuild|ts-morph|elkjs/);
  });

  it("discovery adds ts-morph, nothing heavy", async ({ expect }) => {
    const modules = await loaded(["validate"]);
    expect(modules).toMatch(/ts-morph/);
    expect(modules).not.toMatch(HEAVY);
  });
});
