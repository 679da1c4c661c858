import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, glacier } from "./helpers/cli.js";

/**
 * `glacier init` in temp directories: what it writes, and that it never overwrites. That the scaffold installs
 * and runs is `test/init-project.test.ts` (packed packages, npm install, glacier run, vitest).
 */
const root = mkdtempSync(join(tmpdir(), "glacier-init-"));
beforeAll(ensureBuilt);
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Every file under `dir`, relative, sorted. */
function listing(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}

describe("glacier init", () => {
  it("scaffolds a project: config, pipeline, its test, the sample-data script and its data", async () => {
    const { code, stdout, stderr } = await glacier(["init", "shop"], { cwd: root });
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(listing(join(root, "shop"))).toEqual([
      ".gitignore",
      "README.md",
      "data/shop/raw/orders.csv",
      "glacier.config.ts",
      "package.json",
      "pipelines/revenue.test.ts",
      "pipelines/revenue.ts",
      "sample-data.ts",
      "tsconfig.json",
    ]);
    expect(stdout).toMatch(/^created shop\/package\.json$/m);
    expect(stdout).toMatch(/^ {2}cd shop\n {2}npm install\n {2}npx glacier run/m);
    const manifest = JSON.parse(readFileSync(join(root, "shop/package.json"), "utf8")) as {
      name: string;
      type: string;
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    const version = (
      JSON.parse(readFileSync(join(import.meta.dirname, "../package.json"), "utf8")) as { version: string }
    ).version;
    expect(manifest).toMatchObject({ name: "shop", type: "module" });
    expect(manifest.dependencies).toEqual({
      "@glacier/analyze": `^${version}`,
      "@glacier/cli": `^${version}`,
      "@glacier/core": `^${version}`,
      "@glacier/local": `^${version}`,
      "nodejs-polars": "^0.26.1",
    });
    expect(Object.keys(manifest.devDependencies)).toEqual(["@types/node", "typescript", "vitest"]);
    expect(manifest.devDependencies.typescript).toMatch(/^~6\./);
    const orders = readFileSync(join(root, "shop/data/shop/raw/orders.csv"), "utf8").split("\n");
    expect(orders[0]).toBe("order_id,day,region,amount");
    expect(orders.filter(Boolean)).toHaveLength(1001);
  });

  it("refuses to overwrite: names every file that exists, writes nothing", async () => {
    const dir = join(root, "taken");
    mkdirSync(join(dir, "pipelines"), { recursive: true });
    writeFileSync(join(dir, "package.json"), '{ "name": "mine" }\n');
    writeFileSync(join(dir, "pipelines/revenue.ts"), "// mine\n");
    const { code, stdout, stderr } = await glacier(["init"], { cwd: dir });
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toMatchInlineSnapshot(`
      "error [FILE_EXISTS] 2 files of the scaffold already exist in this directory: package.json, pipelines/revenue.ts. Nothing was written. Run glacier init in a new directory (glacier init my-pipelines), or move those files away.
      "
    `);
    expect(listing(dir)).toEqual(["package.json", "pipelines/revenue.ts"]);
    expect(readFileSync(join(dir, "package.json"), "utf8")).toBe('{ "name": "mine" }\n');
  });
});
