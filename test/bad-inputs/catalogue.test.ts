import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, glacier } from "../../packages/cli/test/helpers/cli.js";
import { CASES } from "./cases.js";
import { createProject, hashTree } from "./harness.js";

/**
 * Every bad input in {@link CASES}, through the real `glacier` binary: the exit code, the error code, a message
 * naming the offending bucket / step / file and saying how to fix it, no panic text or stack, and every file
 * under the data directory byte-identical before and after (unless the case says the command may write it).
 */
beforeAll(() => ensureBuilt(), 300_000);

describe("the bad-input catalogue", () => {
  it("has unique case names", () => {
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
  });

  for (const bad of CASES) {
    it(`${bad.area}: ${bad.name}`, { timeout: 180_000 }, async (ctx) => {
      const project = createProject();
      try {
        if ((await bad.setup(project)) === "skip") {
          ctx.skip();
          return;
        }
        const runIdFile = join(project.dir, "run-id");
        const runId = existsSync(runIdFile) ? readFileSync(runIdFile, "utf8") : "";
        const args = bad.args.map((a) => a.replace("<run-id>", runId));
        const before = hashTree(project.data);
        const result = await glacier(args, { cwd: project.dir });
        const output = `${result.stderr}\n${result.stdout}`;
        const line = output.split("\n").find((l) => l.includes(`[${bad.code}]`));
        expect(line, `no [${bad.code}] in:\n${output}`).toBeDefined();
        expect(result.code, output).toBe(bad.exit);
        for (const name of bad.names) {
          expect(line).toContain(name.replaceAll("<data>", project.data).replaceAll("<dir>", project.dir));
        }
        expect(line).toMatch(bad.fix);
        expect(output).not.toMatch(/panicked|JoinError|unexpected: re-run|\n\s+at .*\.js:\d+/);
        const after = hashTree(project.data);
        const allowed = (file: string) => bad.writes?.test(file) ?? false;
        const kept = (tree: Record<string, string>) =>
          Object.fromEntries(Object.entries(tree).filter(([file]) => !allowed(file)));
        expect(kept(after)).toEqual(kept(before));
      } finally {
        bad.teardown?.(project);
        project.remove();
      }
    });
  }
});
