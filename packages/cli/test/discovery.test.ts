import { readdirSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, it } from "vitest";
import { ensureBuilt, glacier, normalise, tempProject } from "./helpers/cli.js";
import { NO_LINEAGE, ORDERS, ORDERS_AGAIN, REPORTS } from "./fixtures/modules.js";

beforeAll(ensureBuilt);

async function inProject(files: Record<string, string>, args: string[], options: { module?: boolean } = {}) {
  const project = tempProject(files, options);
  try {
    const result = await glacier(args, { cwd: project.dir });
    return {
      ...result,
      stderr: normalise(result.stderr, { project: project.dir }),
      files: readdirSync(project.dir).sort(),
    };
  } finally {
    project.remove();
  }
}

describe.concurrent("without an entry: glacier.config.ts", () => {
  it("loads the modules its globs match, all into one graph", async ({ expect }) => {
    const { code, stdout } = await inProject(
      {
        "glacier.config.ts": 'export default { pipelines: ["pipelines/**/*.ts"] };\n',
        "pipelines/orders.ts": ORDERS,
        "pipelines/reports/monthly.ts": REPORTS,
        // Not matched by the glob: ignored even though it imports @glacier/core.
        "scratch/other.ts": ORDERS_AGAIN,
      },
      ["visualize", "--format", "text"],
    );
    expect(code).toBe(0);
    expect(stdout).toMatchInlineSnapshot(`
      "2 pipelines, 3 steps, 4 buckets

      pipeline orders (2 steps) → acme-data/reports/daily.parquet
        1. tidy [local]  acme-data/raw/orders.csv → acme-data/clean/orders.parquet
        2. total [local]  acme-data/clean/orders.parquet → acme-data/reports/daily.parquet

      pipeline reports (3 steps) → acme-data/reports/monthly.parquet
        1. tidy [local]  acme-data/raw/orders.csv → acme-data/clean/orders.parquet
        2. total [local]  acme-data/clean/orders.parquet → acme-data/reports/daily.parquet
        3. roll [local]  acme-data/reports/daily.parquet → acme-data/reports/monthly.parquet
      "
    `);
  });

  it("accepts a .mjs config in a CommonJS package", async ({ expect }) => {
    const { code, stdout } = await inProject(
      { "glacier.config.mjs": 'export default { pipelines: ["src/*.ts"] };\n', "src/orders.ts": ORDERS },
      ["validate"],
      { module: false },
    );
    expect(code).toBe(0);
    expect(stdout).toBe("ok: 1 pipeline, 2 steps, 3 buckets, no type errors (src/orders.ts)\n");
  });

  it("rejects an unknown key", async ({ expect }) => {
    const { code, stderr } = await inProject(
      { "glacier.config.ts": 'export default { pipeline: ["*.ts"] };\n', "orders.ts": ORDERS },
      ["validate"],
    );
    expect(code).toBe(2);
    expect(stderr).toMatchInlineSnapshot(`
      "error [INVALID_CONFIG] file "glacier.config.ts": unknown key "pipeline". The keys are: pipelines, prices, openlineage.
      "
    `);
  });

  it("rejects pipelines that are not a list of globs", async ({ expect }) => {
    const { code, stderr } = await inProject(
      { "glacier.config.ts": 'export default { pipelines: "*.ts" };\n', "orders.ts": ORDERS },
      ["validate"],
    );
    expect(code).toBe(2);
    expect(stderr).toMatchInlineSnapshot(`
      "error [INVALID_CONFIG] file "glacier.config.ts": pipelines must be a non-empty array of glob strings. Write export default { pipelines: ["pipelines/**/*.ts"] }.
      "
    `);
  });

  it("rejects a config without a default export", async ({ expect }) => {
    const { code, stderr } = await inProject(
      { "glacier.config.ts": 'export const pipelines = ["*.ts"];\n', "orders.ts": ORDERS },
      ["validate"],
    );
    expect(code).toBe(2);
    expect(stderr).toMatchInlineSnapshot(`
      "error [INVALID_CONFIG] file "glacier.config.ts": has no default export. Write export default { pipelines: ["pipelines/**/*.ts"] }.
      "
    `);
  });

  it("reports a config that does not parse as INVALID_CONFIG", async ({ expect }) => {
    const { code, stderr } = await inProject(
      { "glacier.config.ts": "export default { pipelines: [ };\n", "orders.ts": ORDERS },
      ["validate"],
    );
    expect(code).toBe(2);
    expect(stderr).toMatchInlineSnapshot(`
      "error [INVALID_CONFIG] file "glacier.config.ts": could not be loaded: glacier.config.ts:1:30: ERROR: Unexpected "}". Fix the module (run it with --verbose for the stack).
      "
    `);
  });

  it("reports globs that match nothing", async ({ expect }) => {
    const { code, stderr } = await inProject(
      { "glacier.config.ts": 'export default { pipelines: ["pipelines/*.ts"] };\n', "orders.ts": ORDERS },
      ["validate"],
    );
    expect(code).toBe(2);
    expect(stderr).toMatchInlineSnapshot(`
      "error [NO_PIPELINES] file "glacier.config.ts": no file matches pipelines: pipelines/*.ts. Fix the globs (they are relative to the config file).
      "
    `);
  });
});

describe.concurrent("without an entry or config: ts-morph discovery", () => {
  it("finds modules that import @glacier/core and export values, skipping the rest", async ({ expect }) => {
    const { code, stdout, files } = await inProject(
      {
        "src/orders.ts": ORDERS,
        "src/reports.ts": REPORTS,
        // Mentions the package only in a comment: never loaded (it would throw).
        "src/notes.ts": '// uses @glacier/core elsewhere\nthrow new Error("must not load");\nexport {};\n',
        // Imports only types: cannot build buckets, never loaded.
        "src/types.ts":
          'import type { Bucket } from "@glacier/core";\nexport type B = Bucket;\nthrow new Error("no");\n',
        // Tests, declarations, dist and node_modules are never scanned.
        "src/orders.test.ts": ORDERS_AGAIN,
        "dist/orders.ts": ORDERS_AGAIN,
      },
      ["list", "--format", "json"],
    );
    expect(code).toBe(0);
    const list = JSON.parse(stdout) as { pipelines: { name: string }[] };
    expect(list.pipelines.map((p) => p.name)).toEqual(["orders", "reports"]);
    expect(files).not.toContain(".glacier");
  });

  it("loads a project that is not an ES module package (compiled to CommonJS)", async ({ expect }) => {
    const { code, stdout } = await inProject({ "pipeline.ts": ORDERS }, ["validate"], { module: false });
    expect(code).toBe(0);
    expect(stdout).toBe("ok: 1 pipeline, 2 steps, 3 buckets, no type errors (pipeline.ts)\n");
  });

  it("loads TypeScript that Node's own type stripping refuses, through tsx", async ({ expect }) => {
    // An enum (not erasable) and a NodeNext-style `./names.js` import of `names.ts`: Node 24 refuses both.
    const names = 'export enum Region { Eu = "eu" }\nexport const BUCKET = "acme-data";\n';
    const pipeline = ORDERS.replace(
      'const raw = provider.bucket({ bucket: "acme-data",',
      'import { BUCKET, Region } from "./names.js";\nconst raw = provider.bucket({ bucket: BUCKET + (Region.Eu ? "" : "-x"),',
    );
    expect(pipeline).toContain("./names.js");
    const { code, stdout, stderr } = await inProject({ "pipeline.ts": pipeline, "names.ts": names }, [
      "validate",
      "pipeline.ts",
    ]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toBe("ok: 1 pipeline, 2 steps, 3 buckets, no type errors (pipeline.ts)\n");
  });

  it("names both modules when two define a pipeline with one name", async ({ expect }) => {
    const { code, stderr } = await inProject({ "a.ts": ORDERS, "b.ts": ORDERS_AGAIN }, ["validate"]);
    expect(code).toBe(2);
    expect(stderr).toMatchInlineSnapshot(`
      "error [INVALID_NAME] pipeline "orders": two modules define it: a.ts (export orders) and b.ts (export orders). Give one of them another name with .withName(…), or pass one module as the entry.
      "
    `);
  });

  it("says so when no module imports @glacier/core", async ({ expect }) => {
    const { code, stderr } = await inProject({ "index.ts": "export const x = 1;\n" }, ["validate"]);
    expect(code).toBe(2);
    expect(stderr).toMatchInlineSnapshot(`
      "error [NO_PIPELINES] no module under <project> imports @glacier/core and exports values. Pass the entry module (glacier validate pipeline.ts), list modules in glacier.config.ts, or start a project with glacier init.
      "
    `);
  });

  it("says so when the modules found export no pipeline", async ({ expect }) => {
    const { code, stderr } = await inProject({ "storage.ts": NO_LINEAGE }, ["visualize"]);
    expect(code).toBe(2);
    expect(stderr).toMatchInlineSnapshot(`
      "error [NO_PIPELINES] found no pipeline in the modules that import @glacier/core (storage.ts): no exported bucket has lineage. Export the bucket a chain produces: export const report = raw.transform(task).to(out).
      "
    `);
  });

  it("--cwd points discovery at another directory", async ({ expect }) => {
    const project = tempProject({ "pipelines/orders.ts": ORDERS });
    try {
      const { code, stdout } = await glacier(["validate", "--cwd", project.dir]);
      expect(code).toBe(0);
      expect(stdout).toBe("ok: 1 pipeline, 2 steps, 3 buckets, no type errors (pipelines/orders.ts)\n");
      // validate writes only its type check's cache, in the project --cwd names.
      expect(readdirSync(join(project.dir, ".glacier"))).toEqual(["cache"]);
      expect(readdirSync(join(project.dir, ".glacier", "cache"))).toEqual(["typecheck"]);
    } finally {
      project.remove();
    }
  });
});
