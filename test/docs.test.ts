import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "./support/packages.js";

/**
 * The READMEs a newcomer reads in a fresh clone: every file they link to is in the clone, and none sends them
 * to an issue tracker they cannot see.
 */
const DOCS = execFileSync("git", ["ls-files", "*.md"], { cwd: REPO, encoding: "utf8" })
  .split("\n")
  .filter(Boolean);

describe("the repository's Markdown", () => {
  it("links only to files that exist", () => {
    const broken: string[] = [];
    for (const doc of DOCS) {
      const text = readFileSync(join(REPO, doc), "utf8");
      for (const [, target] of text.matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)) {
        if (target === undefined || /^[a-z]+:/.test(target)) continue;
        if (!existsSync(join(REPO, dirname(doc), target))) broken.push(`${doc} → ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("refers to no issue numbers and to no file outside the repository", () => {
    const found = DOCS.flatMap((doc) =>
      readFileSync(join(REPO, doc), "utf8")
        .split("\n")
        .flatMap((line, i) =>
          /\bissue #?\d+|\(issue \d+\)|ENVIRONMENT\.md|STYLE\.md/i.test(line)
            ? [`${doc}:${i + 1}: ${line.trim()}`]
            : [],
        ),
    );
    expect(found).toEqual([]);
  });
});
