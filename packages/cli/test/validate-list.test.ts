import { afterAll, beforeAll, describe, it } from "vitest";
import { ensureBuilt, example, glacier, tempProject } from "./helpers/cli.js";
import { BROKEN, CYCLIC, ORDERS } from "./fixtures/modules.js";

/** ORDERS with two type errors a run would only meet later: `ctx.log("x")` and a misspelt parameter. */
const MISTYPED = ORDERS.replace(
  "function total(df: LazyDataFrame) { return df; }",
  'function total(df: LazyDataFrame, ctx) {\n  ctx.log("x");\n  return ctx.params.minOrder ? df : df;\n}',
);

const project = tempProject({ "broken.ts": BROKEN, "cyclic.ts": CYCLIC, "mistyped.ts": MISTYPED });
/** The same module in a project whose tsconfig.json turns strictness off: the project's settings are used. */
const lenient = tempProject({
  "mistyped.ts": MISTYPED.replace('  ctx.log("x");\n', ""),
  "tsconfig.json": JSON.stringify({ compilerOptions: { strict: false, module: "preserve", noEmit: true } }),
});

beforeAll(ensureBuilt);
afterAll(() => {
  project.remove();
  lenient.remove();
});

describe.concurrent("glacier validate", () => {
  it("prints a one-line summary and exits 0 for a sound graph", async ({ expect }) => {
    const { code, stdout, stderr } = await glacier(["validate", example("multi-source")]);
    expect({ code, stdout, stderr }).toEqual({
      code: 0,
      stdout: "ok: 4 pipelines, 5 steps, 8 buckets, no type errors (examples/multi-source/pipeline.ts)\n",
      stderr: "",
    });
  });

  it("prints every problem, not only the first, and exits 2", async ({ expect }) => {
    const { code, stdout, stderr } = await glacier(["validate", "broken.ts"], { cwd: project.dir });
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toMatchInlineSnapshot(`
      "error [DUPLICATE_WRITER] bucket "acme-data/out/x.parquet": s3://acme-data/out/x.parquet is written by 2 steps: "one" (local) and "two" (local). Each location has one writer: send one of the steps to another bucket path.
      error [INVALID_BUCKET] bucket "acme-data/in/a.csv": s3://acme-data/in/a.csv is declared 2 times with different schema. Declare each location once (one provider.bucket call) and reuse the value.
      error [INVALID_NAME] pipeline "same": two pipelines have this name. Give each pipeline its own withName(…).
      3 problems in broken.ts
      "
    `);
  });

  it("type-checks the modules: each error with file:line:col and TypeScript's message, exit 2", async ({
    expect,
  }) => {
    const { code, stdout, stderr } = await glacier(["validate", "mistyped.ts"], { cwd: project.dir });
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toMatchInlineSnapshot(`
      "error [TYPE_ERROR] mistyped.ts:11:7: This expression is not callable. Type 'TaskLogger' has no call signatures. (TS2349)
      error [TYPE_ERROR] mistyped.ts:12:21: Property 'minOrder' does not exist on type 'ParamValues<Readonly<Record<never, ParamSpec<ParamValue>>>>'. (TS2339)
      2 problems in mistyped.ts
      "
    `);
  });

  it("uses the project's tsconfig.json, and checks nothing with --no-typecheck", async ({ expect }) => {
    // Under strict: false, `ctx` is still typed from the task's declaration: only the misspelt name is wrong.
    const checked = await glacier(["validate", "mistyped.ts"], { cwd: lenient.dir });
    expect(checked.code).toBe(2);
    expect(checked.stderr).toMatch(
      /^error \[TYPE_ERROR\] mistyped\.ts:\d+:\d+: Property 'minOrder' does not exist/m,
    );
    const unchecked = await glacier(["validate", "mistyped.ts", "--no-typecheck"], { cwd: project.dir });
    expect(unchecked).toMatchObject({
      code: 0,
      stdout: "ok: 1 pipeline, 2 steps, 3 buckets, types not checked (mistyped.ts)\n",
    });
  });

  it("reports a cycle between two pipelines", async ({ expect }) => {
    const { code, stderr } = await glacier(["validate", "cyclic.ts"], { cwd: project.dir });
    expect(code).toBe(2);
    expect(stderr).toMatchInlineSnapshot(`
      "error [CYCLE] step "forward->acme-data/loop/b.parquet": steps form a cycle: forward → acme-data/loop/b.parquet → backward → acme-data/loop/a.parquet → forward. A step cannot depend on its own output: write one of them to a new bucket path.
      1 problem in cyclic.ts
      "
    `);
  });
});

describe.concurrent("glacier list", () => {
  it("lists pipelines, steps with executors, and buckets", async ({ expect }) => {
    const { code, stdout } = await glacier(["list", example("simple")]);
    expect(code).toBe(0);
    expect(stdout).toMatchInlineSnapshot(`
      "Pipelines (1)
        sales  2 steps  → glacier-example-sales/reports/daily_revenue.parquet  Daily revenue per region

      Steps (2, in execution order)
        cleanSales    serverless  Lambda · 2048 MB · 300 s  polars  glacier-example-sales/raw/sales.csv → glacier-example-sales/clean/sales.parquet
        dailyRevenue  local                                 polars  glacier-example-sales/clean/sales.parquet → glacier-example-sales/reports/daily_revenue.parquet

      Buckets (3)
        glacier-example-sales/clean/sales.parquet            parquet  intermediate  s3://glacier-example-sales/clean/sales.parquet
        glacier-example-sales/raw/sales.csv                  csv      source        s3://glacier-example-sales/raw/sales.csv
        glacier-example-sales/reports/daily_revenue.parquet  parquet  sink          s3://glacier-example-sales/reports/daily_revenue.parquet
      "
    `);
  });

  it("prints the same as JSON", async ({ expect }) => {
    const { code, stdout } = await glacier(["list", example("multi-source"), "--format", "json"]);
    expect(code).toBe(0);
    const list = JSON.parse(stdout) as {
      pipelines: { name: string; steps: string[] }[];
      steps: { name: string; executor: string; inputs: Record<string, string> }[];
      buckets: { id: string; role: string }[];
    };
    expect(list.pipelines.map((p) => p.name)).toEqual([
      "categories",
      "customerValue",
      "enriched",
      "shopRegions",
    ]);
    expect(list.pipelines.find((p) => p.name === "enriched")?.steps).toEqual([
      "joinCustomers",
      "joinProducts",
    ]);
    expect(list.steps.map((s) => [s.name, s.executor])).toEqual([
      ["joinCustomers", "serverless"],
      ["joinProducts", "serverless"],
      ["byCategory", "local"],
      ["byCustomer", "local"],
      ["byRegion", "spark"],
    ]);
    expect(list.steps[1]?.inputs).toEqual({
      sales: "glacier-example-shop/staging/orders_customers.parquet",
      products: "glacier-example-shop/raw/products.ndjson",
    });
    expect(list.buckets.filter((b) => b.role === "source").map((b) => b.id)).toEqual([
      "glacier-example-shop/raw/customers.parquet",
      "glacier-example-shop/raw/orders.parquet",
      "glacier-example-shop/raw/products.ndjson",
    ]);
  });

  it("narrows to one pipeline with its upstream", async ({ expect }) => {
    const { code, stdout } = await glacier([
      "list",
      example("complete"),
      "--pipeline",
      "enrichment",
      "-f",
      "json",
    ]);
    expect(code).toBe(0);
    const list = JSON.parse(stdout) as { pipelines: { name: string }[]; steps: { name: string }[] };
    expect(list.pipelines.map((p) => p.name)).toEqual(["enrichment"]);
    expect(list.steps.map((s) => s.name)).toEqual(["cleanCustomers", "cleanOrders", "enrichOrders"]);
  });

  it("lists a cyclic graph instead of failing (validate reports the cycle)", async ({ expect }) => {
    const { code, stdout } = await glacier(["list", "cyclic.ts", "--format", "json"], { cwd: project.dir });
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as { steps: unknown[] }).steps).toHaveLength(2);
  });
});
