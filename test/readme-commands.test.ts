import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, publishablePackages, REPO } from "./support/packages.js";
import { describeRun, type Finished, npm, npx, userEnv } from "./support/processes.js";

/**
 * Every `npx glacier …` (and `npm run …`) command the top-level README shows, run as written, in order, from the
 * repository root's layout: a copy of what a fresh clone has at the root (the README, `glacier.config.ts`,
 * `package.json`, the base tsconfig and `examples/`) under `test/.output/`, so `@glacier/*` and nodejs-polars
 * resolve from the repository's node_modules exactly as at the root, and the commands' files (`./data`,
 * `./terraform`, `.glacier/`) stay out of the developer's way.
 */

/**
 * The shell commands of the README's `sh` blocks that start with `npx glacier` or `npm run`, comments dropped.
 * A compound line (`glacier init … && cd … && npm install …`) makes a project elsewhere: the packed-install
 * test of `glacier init` runs it (`test/init-project.test.ts`); `npm run demo` is CI's own first command.
 */
export function readmeCommands(readme: string): string[] {
  const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
  return blocks
    .flatMap((block) => block.split("\n"))
    .map((line) => line.replace(/\s+#.*$/, "").trim())
    .filter((line) => /^npx glacier |^npm run (?!demo\b)\S+$/.test(line) && !line.includes("&&"));
}

/** Words of a command line (the README's commands use no quotes). */
const words = (line: string): string[] => line.split(/\s+/);

const README = readFileSync(join(REPO, "README.md"), "utf8");
const COMMANDS = readmeCommands(README);
/** Commands that need an AWS account: without credentials they must fail in one clear line, exit 2. */
const NEEDS_AWS = (line: string) => /--mode cloud/.test(line);

let root = "";
/** No AWS credentials and no instance metadata service: nothing leaves this machine. */
const env = (dir: string): Record<string, string> => ({
  ...userEnv(),
  AWS_EC2_METADATA_DISABLED: "true",
  AWS_SHARED_CREDENTIALS_FILE: join(dir, "no-aws-credentials"),
  AWS_CONFIG_FILE: join(dir, "no-aws-config"),
});

beforeAll(async () => {
  await ensureBuilt(publishablePackages());
  mkdirSync(join(REPO, "test/.output"), { recursive: true });
  root = mkdtempSync(join(REPO, "test/.output/readme-"));
  for (const file of ["README.md", "glacier.config.ts", "package.json", "tsconfig.json", "examples"]) {
    cpSync(join(REPO, file), join(root, file), { recursive: true });
  }
}, 300_000);
afterAll(() => {
  if (root !== "") rmSync(root, { recursive: true, force: true });
});

function run(line: string): Promise<Finished> {
  const [tool, ...args] = words(line);
  const options = { cwd: root, env: env(root), timeoutMs: 240_000 };
  return tool === "npx" ? npx(args, options) : npm(args, options);
}

describe("the README's commands", () => {
  it("are found: the block of every glacier command, in order", () => {
    expect(COMMANDS).toContain("npx glacier visualize");
    expect(COMMANDS).toContain("npx glacier validate");
    expect(COMMANDS).toContain("npx glacier run --local-storage ./data");
    expect(COMMANDS.filter((c) => /glacier (generate|analyze)/.test(c))).toHaveLength(2);
  });

  it("run as written at the repository root, each exiting 0 (the cloud one: one clear line, exit 2)", async () => {
    const outcomes: string[] = [];
    for (const line of COMMANDS) {
      const result = await run(line);
      if (NEEDS_AWS(line)) {
        expect(result.code, describeRun(result)).toBe(2);
        expect(result.stderr.trim().split("\n"), describeRun(result)).toHaveLength(1);
        expect(result.stderr).toMatch(/^error \[CLOUD_ERROR\] .*no AWS credentials/);
      } else {
        expect(result.code, describeRun(result)).toBe(0);
        expect(result.stderr, describeRun(result)).not.toMatch(/^error /m);
      }
      outcomes.push(`${line} → ${result.code}`);
    }
    // What the commands left behind: the sample data, a run record, the Terraform module.
    expect(existsSync(join(root, "data/glacier-example-sales/raw/sales.csv"))).toBe(true);
    expect(existsSync(join(root, ".glacier/runs"))).toBe(true);
    expect(existsSync(join(root, "terraform/main.tf.json"))).toBe(true);
    expect(outcomes.length).toBe(COMMANDS.length);
  }, 600_000);
});
