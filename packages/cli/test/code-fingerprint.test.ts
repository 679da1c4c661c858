import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pl from "nodejs-polars";
import { ensureBuilt, glacier, normalise, tempProject } from "./helpers/cli.js";

/**
 * One pipeline file, loaded the two ways Glacier loads TypeScript: Node's own type stripping (what `glacier run`
 * uses when Node accepts the file) and tsx (its fallback, and how many users run scripts). The function's text
 * differs between them (stripping keeps the types' room as spaces, esbuild reprints), so a fingerprint of that
 * text changed with the loader; the recorded positions and the code fingerprint must not.
 */

const PIPELINE = [
  `import pl from "nodejs-polars";`,
  `import { Provider } from "@glacier/core";`,
  ``,
  `const provider = new Provider({ cloud: "local", basePath: "./data" });`,
  `const MIN_AMOUNT: number = 100;`,
  ``,
  `const big = provider.local().task(function big(df: pl.LazyDataFrame) {`,
  `  return df.filter(pl.col("amount").gtEq(MIN_AMOUNT));`,
  `});`,
  ``,
  `export const bigOrders = provider`,
  `  .bucket({ bucket: "acme", path: "raw.parquet" })`,
  `  .transform(big)`,
  `  .to(provider.bucket({ bucket: "acme", path: "big.parquet" }));`,
  ``,
].join("\n");

/** Runs the pipeline through tsx (`node --import tsx`), and prints the graph's JSON and the run's result. */
const VIA_TSX = [
  `import { LineageGraph, runGraph } from "@glacier/core";`,
  `const graph = LineageGraph.from(await import("./pipeline.ts"));`,
  `const result = await runGraph(graph, { mode: "local", projectDir: process.cwd() });`,
  `console.log(JSON.stringify({ graph: graph.toJSON(), result }));`,
  ``,
].join("\n");

const project = tempProject({ "pipeline.ts": PIPELINE, "via-tsx.ts": VIA_TSX });

beforeAll(() => {
  ensureBuilt();
  pl.DataFrame({ id: [1, 2, 3], amount: [50, 150, 300] }).writeParquet(join(project.dir, "raw.parquet"));
  spawnSync("mkdir", ["-p", join(project.dir, "data/acme")]);
  spawnSync("mv", [join(project.dir, "raw.parquet"), join(project.dir, "data/acme/raw.parquet")]);
});
afterAll(project.remove);

describe("a pipeline loaded by Node's type stripping and by tsx", () => {
  it("records the same definition sites and has one code fingerprint: tsx finds the native run up to date", async () => {
    const native = await glacier(["run", "pipeline.ts"], { cwd: project.dir });
    expect(native.code).toBe(0);
    expect(native.stdout).toMatch(/big\s+succeeded .* never ran/);
    const shown = await glacier(["visualize", "pipeline.ts", "--format", "json"], { cwd: project.dir });
    const nativeStep = (JSON.parse(shown.stdout) as { steps: Record<string, unknown>[] }).steps[0];
    expect(nativeStep).toMatchObject({
      definedAt: { file: "pipeline.ts", line: 14, column: 4 },
      taskDefinedAt: { file: "pipeline.ts", line: 7, column: 30 },
    });

    const tsx = spawnSync(process.execPath, ["--import", "tsx", "via-tsx.ts"], {
      cwd: project.dir,
      encoding: "utf8",
    });
    expect(tsx.status).toBe(0);
    const { graph, result } = JSON.parse(tsx.stdout.trim().split("\n").at(-1) as string) as {
      graph: { steps: Record<string, unknown>[] };
      result: { steps: { name: string; status: string; reason: string }[] };
    };
    expect(graph.steps[0]).toMatchObject({
      definedAt: { file: join(project.dir, "pipeline.ts"), line: 14, column: 4 },
      taskDefinedAt: { file: join(project.dir, "pipeline.ts"), line: 7, column: 30 },
    });
    // The function's text is not the same under both loaders; only it could tell them apart.
    expect(graph.steps[0]?.["codeHash"]).not.toBe(nativeStep?.["codeHash"]);
    expect(result.steps.map((s) => [s.name, s.status, s.reason])).toEqual([["big", "skipped", "up to date"]]);
  });
});

describe("an invalid codeVersion", () => {
  it("is INVALID_OPTION naming the task, and nothing is written", async () => {
    const bad = tempProject({
      "pipeline.ts": PIPELINE.replace("});\n\nexport", '}, { codeVersion: "" });\n\nexport'),
    });
    try {
      const files = readdirSync(bad.dir).sort();
      const { code, stdout, stderr } = await glacier(["run", "pipeline.ts"], { cwd: bad.dir });
      expect(code).toBe(2);
      expect(stdout).toBe("");
      expect(normalise(stderr, { project: bad.dir })).toMatchInlineSnapshot(`
        "error [INVALID_OPTION] pipeline.ts: task "big": codeVersion "" is not a non-empty string. Set codeVersion to a label you change with the code, e.g. codeVersion: "2", or leave it out.
        "
      `);
      expect(readdirSync(bad.dir).sort()).toEqual(files);
      expect(existsSync(join(bad.dir, ".glacier"))).toBe(false);
    } finally {
      bad.remove();
    }
  });
});
