import { execFileSync } from "node:child_process";
import { existsSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GlacierError } from "@glacier/core";
import { analyzeAtRef, analyzeGraph, compareAnalyses, renderComparison } from "../src/index.js";
import { graphOf, tempDir } from "./fixtures/examples.js";

const NODE_MODULES = fileURLToPath(new URL("../../../node_modules", import.meta.url));
const temp = tempDir("glacier-analyze-git-");
const repo = temp.dir;

function pipeline(memory: number): string {
  return `import { Provider } from "@glacier/core";
const provider = new Provider({ cloud: "aws", region: "us-east-2" });
const lambda = provider.serverless({ memory: ${memory} });
const raw = provider.bucket({ bucket: "acme-lake", path: "raw.parquet", expectedSize: { bytes: 500000000 } });
export const clean = raw
  .transform(lambda.sql("clean", "SELECT * FROM input"))
  .to(provider.bucket({ bucket: "acme-lake", path: "clean.parquet" }))
  .withName("clean");
`;
}

function git(...args: string[]): string {
  return execFileSync(
    "git",
    ["-C", repo, "-c", "user.name=Test", "-c", "user.email=test@example.com", ...args],
    {
      encoding: "utf8",
    },
  );
}

beforeAll(() => {
  // The exported tree resolves @glacier/core through the repository's node_modules, as in a real project.
  symlinkSync(NODE_MODULES, join(repo, "node_modules"));
  writeFileSync(join(repo, ".gitignore"), "node_modules\n.glacier\n");
  git("init", "--quiet");
  writeFileSync(join(repo, "pipeline.ts"), pipeline(1024));
  git("add", ".");
  git("commit", "--quiet", "-m", "first");
  // The working tree moves on: the function gets twice the memory.
  writeFileSync(join(repo, "pipeline.ts"), pipeline(2048));
});
afterAll(() => temp.cleanup());

describe("analyzeAtRef", () => {
  it("analyses the entry as it was at a commit, for --compare", async () => {
    const options = { offline: true, projectDir: repo } as const;
    const before = await analyzeAtRef({ repoDir: repo, ref: "HEAD", entry: "pipeline.ts", analyze: options });
    const current = graphOf((await import(join(repo, "pipeline.ts"))) as Record<string, unknown>);
    const after = await analyzeGraph(current, options);

    expect(existsSync(join(repo, ".glacier", "compare", "HEAD", "pipeline.ts"))).toBe(true);
    const diff = compareAnalyses(before, after);
    expect(diff.resources.changed.map((r) => r.changes)).toEqual([["memory: 1024 → 2048"]]);
    expect(renderComparison(diff)).toContain("| changed | function | glacier-clean-");
  });

  it("a ref that does not exist is INVALID_OPTION, and nothing is exported", async () => {
    let error: unknown;
    try {
      await analyzeAtRef({ repoDir: repo, ref: "no-such-branch", entry: "pipeline.ts" });
    } catch (e) {
      error = e;
    }
    expect(GlacierError.is(error) && error.code).toBe("INVALID_OPTION");
    expect((error as Error).message.replace(repo, "<repo>")).toMatchInlineSnapshot(
      `"option "--compare": "no-such-branch" is not a commit in <repo>. Pass a commit, branch or tag that exists in this repository (git rev-parse no-such-branch)."`,
    );
    expect(existsSync(join(repo, ".glacier", "compare", "no-such-branch"))).toBe(false);
  });

  it("an entry missing at that ref is ENTRY_NOT_FOUND", async () => {
    let error: unknown;
    try {
      await analyzeAtRef({ repoDir: repo, ref: "HEAD", entry: "pipelines/other.ts" });
    } catch (e) {
      error = e;
    }
    expect(GlacierError.is(error) && error.code).toBe("ENTRY_NOT_FOUND");
    expect((error as Error).message).toMatchInlineSnapshot(
      `"file "pipelines/other.ts": pipelines/other.ts does not exist at HEAD. Compare with a ref where the entry exists, or pass the entry's path at that ref."`,
    );
  });
});
