import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, example, EXAMPLES, glacier, tempProject } from "./helpers/cli.js";
import { CYCLIC, ORDERS } from "./fixtures/modules.js";

const FORMATS = { mermaid: "mmd", dot: "dot", json: "json", text: "txt", html: "html" } as const;

beforeAll(ensureBuilt);

describe.concurrent("glacier visualize on the examples", () => {
  for (const name of EXAMPLES) {
    for (const [format, ext] of Object.entries(FORMATS)) {
      it(`${name} as ${format}`, async ({ expect }) => {
        // The page would colour steps by this checkout's run records (the demo's): not what a snapshot is of.
        const status = format === "html" ? ["--no-status"] : [];
        const { code, stdout, stderr } = await glacier([
          "visualize",
          example(name),
          "--format",
          format,
          ...status,
        ]);
        expect(stderr).toBe("");
        expect(code).toBe(0);
        await expect(stdout).toMatchFileSnapshot(`__snapshots__/visualize/${name}.${ext}`);
      });
    }
  }

  it("refuses --cost without --format html, naming the option and the fix", async () => {
    const { code, stdout, stderr } = await glacier(["visualize", example("simple"), "--cost"]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toBe(
      'error [INVALID_OPTION] option "--cost": --cost colours the HTML page; --format mermaid has no colours. Add --format html, or see the estimates with glacier analyze.\n',
    );
  });

  it("renders mermaid by default", async () => {
    const { code, stdout } = await glacier(["visualize", example("simple")]);
    expect(code).toBe(0);
    expect(stdout).toBe(
      readFileSync(join(import.meta.dirname, "__snapshots__/visualize/simple.mmd"), "utf8"),
    );
  });

  it("narrows to one pipeline and its upstream with --pipeline", async ({ expect }) => {
    const { code, stdout } = await glacier([
      "visualize",
      example("complete"),
      "--format",
      "text",
      "-p",
      "regional",
    ]);
    expect(code).toBe(0);
    expect(stdout).toMatchInlineSnapshot(`
      "1 pipeline, 4 steps, 6 buckets

      pipeline regional (4 steps) → glacier-example-lake/output/regional_revenue.parquet
        1. cleanCustomers [local]  glacier-example-lake/raw/customers.csv → glacier-example-lake/cleaned/customers.parquet
        2. cleanOrders [serverless]  glacier-example-lake/raw/orders/*.parquet → glacier-example-lake/cleaned/orders.parquet
        3. enrichOrders [spark]  orders=glacier-example-lake/cleaned/orders.parquet, customers=glacier-example-lake/cleaned/customers.parquet → glacier-example-lake/enriched/orders.parquet
        4. regionalSummary [spark]  glacier-example-lake/enriched/orders.parquet → glacier-example-lake/output/regional_revenue.parquet
      "
    `);
  });

  it("writes --output FILE (creating its directory) and says so on stderr", async () => {
    const project = tempProject({ "pipeline.ts": ORDERS });
    try {
      const { code, stdout, stderr } = await glacier(
        ["visualize", "pipeline.ts", "--format", "dot", "--output", "docs/lineage.dot"],
        { cwd: project.dir },
      );
      expect(code).toBe(0);
      expect(stdout).toBe("");
      expect(stderr).toBe("wrote docs/lineage.dot\n");
      expect(readFileSync(join(project.dir, "docs/lineage.dot"), "utf8")).toMatch(/^digraph glacier \{/);
    } finally {
      project.remove();
    }
  });

  it("still renders a graph with problems, and warns", async () => {
    const project = tempProject({ "pipeline.ts": CYCLIC });
    try {
      const { code, stdout, stderr } = await glacier(["visualize", "pipeline.ts", "--format", "text"], {
        cwd: project.dir,
      });
      expect(code).toBe(0);
      expect(stdout).toContain("[CYCLE]");
      expect(stderr).toBe("warning: the graph has 1 problem; run glacier validate.\n");
      expect(existsSync(join(project.dir, ".glacier"))).toBe(false);
    } finally {
      project.remove();
    }
  });
});
