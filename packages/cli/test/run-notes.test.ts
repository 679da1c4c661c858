import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import pl from "nodejs-polars";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, glacier, tempProject } from "./helpers/cli.js";

/**
 * A step whose plan polars cannot serialise runs on the main thread: `glacier run` says so in its progress
 * (stderr) and its summary (stdout), with the rewrite that moves the step back to a worker thread.
 */
const PIPELINE = (body: string) => `
import pl from "nodejs-polars";
import { Provider } from "@glacier/core";

const provider = new Provider({ cloud: "local", basePath: "data" });
const local = provider.local();

export const customers = provider
  .bucket({ bucket: "crm", path: "raw/customers.parquet" })
  .transform(local.task(function tidyNames(df: pl.LazyDataFrame) {
    ${body}
  }))
  .to(provider.bucket({ bucket: "crm", path: "clean/customers.parquet" }));
`;

const project = tempProject({
  "opaque.ts": PIPELINE('return df.withColumns(pl.col("name").str.toLowerCase());'),
  "rewritten.ts": PIPELINE(
    'return pl.SQLContext({ t: df }).execute("SELECT * REPLACE (lower(name) AS name) FROM t");',
  ),
});

beforeAll(() => {
  ensureBuilt();
  mkdirSync(join(project.dir, "data/crm/raw"), { recursive: true });
  pl.DataFrame({ id: [1, 2], name: ["Ada LOVELACE", "Grace Hopper"] }).writeParquet(
    join(project.dir, "data/crm/raw/customers.parquet"),
  );
});
afterAll(project.remove);

/** Output without what changes each run: run ids, byte counts, times, column padding. */
function stable(text: string): string {
  return text
    .trimEnd()
    .split("\n")
    .map((line) =>
      line
        .trim()
        .replace(/\d{8}T\d{6}Z-[0-9a-f]+/g, "<id>")
        .replace(/\d+(\.\d+)? (k|M)?B\b/g, "<bytes>")
        .replace(/\d+(\.\d+)? m?s\b/g, "<time>")
        .replace(/ {2,}/g, " | "),
    )
    .join("\n");
}

describe("glacier run: a step on the main thread", () => {
  it("runs, and the progress and summary name the step, the call and its rewrite", async () => {
    const { code, stdout, stderr } = await glacier(["run", "opaque.ts", "--force"], { cwd: project.dir });
    expect(code).toBe(0);
    expect(stable(stdout)).toMatchInlineSnapshot(`
      "run <id> succeeded (1 step: 1 succeeded)
      step | status | rows | bytes | time | reason
      tidyNames | succeeded | 2 | <bytes> | <time> | forced
      note tidyNames: ran on the main thread (blocking other steps, without its timeout): nodejs-polars cannot serialise str.toLowerCase() (column "name") for a worker thread. Rewrite str.toLowerCase() as SQL lower(name) (SQL runs as executor.sql, or as pl.SQLContext inside the task).
      record: .glacier/runs/<id>"
    `);
    expect(
      stable(
        stderr
          .split("\n")
          .filter((line) => /^[⚠✔]/.test(line))
          .join("\n"),
      ),
    ).toMatchInlineSnapshot(`
      "⚠ tidyNames main thread: str.toLowerCase() → SQL lower(name)
      ✔ tidyNames succeeded | 2 rows | <bytes> | <time>"
    `);
    const written = pl.readParquet(join(project.dir, "data/crm/clean/customers.parquet"));
    expect(written.getColumn("name").toArray()).toEqual(["ada lovelace", "grace hopper"]);
    const id = /run (\S+) succeeded/.exec(stdout)?.[1] as string;
    const record = JSON.parse(readFileSync(join(project.dir, ".glacier/runs", id, "run.json"), "utf8")) as {
      steps: { notes?: { kind: string; expressions: unknown[] }[] }[];
    };
    expect(record.steps[0]?.notes?.map((n) => [n.kind, n.expressions])).toEqual([
      ["main-thread", [{ call: "str.toLowerCase()", rewrite: "SQL lower(name)" }]],
    ]);
  });

  it("the rewritten task runs in a worker thread, with no note", async () => {
    const { code, stdout, stderr } = await glacier(["run", "rewritten.ts", "--force"], { cwd: project.dir });
    expect(code).toBe(0);
    expect(stable(stdout)).toMatchInlineSnapshot(`
      "run <id> succeeded (1 step: 1 succeeded)
      step | status | rows | bytes | time | reason
      tidyNames | succeeded | 2 | <bytes> | <time> | forced
      record: .glacier/runs/<id>"
    `);
    expect(stderr).not.toContain("main thread");
    const written = pl.readParquet(join(project.dir, "data/crm/clean/customers.parquet"));
    expect(written.getColumn("name").toArray()).toEqual(["ada lovelace", "grace hopper"]);
  });
});
