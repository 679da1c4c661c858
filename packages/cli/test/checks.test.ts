import { createHash } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import pl from "nodejs-polars";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, glacier, tempProject } from "./helpers/cli.js";

/** The README's pipeline with checks: orders cleaned into a checked bucket, then totalled per status. */
const project = tempProject({
  "pipeline.ts": `
import pl from "nodejs-polars";
import { check, Provider } from "@glacier/core";

const provider = new Provider({ cloud: "local", basePath: "data" });
const local = provider.local();

const raw = provider.bucket({ bucket: "shop", path: "raw/orders.parquet" });
const orders = provider.bucket({
  bucket: "shop",
  path: "clean/orders.parquet",
  checks: [check.notNull("id"), check.unique("id")],
});
const totals = provider.bucket({ bucket: "shop", path: "reports/totals.parquet" });

const clean = local.task(function clean(df: pl.LazyDataFrame) {
  return df.filter(pl.col("amount").isNotNull());
});
const total = local.task(function total(df: pl.LazyDataFrame) {
  return df.groupBy("status").agg(pl.col("amount").sum()).sort("status");
});

export const shop = raw
  .transform(clean)
  .to(orders)
  .check(
    check.acceptedValues("status", ["open", "closed"]),
    check.range("amount", { min: 0 }, { severity: "warn" }),
  )
  .transform(total)
  .to(totals)
  .withName("shop");
`,
});

const RAW = join(project.dir, "data/shop/raw/orders.parquet");
const CLEAN = join(project.dir, "data/shop/clean/orders.parquet");

function writeOrders(ids: number[], amounts: number[]): void {
  mkdirSync(join(project.dir, "data/shop/raw"), { recursive: true });
  pl.DataFrame({
    id: pl.Series("id", ids).cast(pl.Int64),
    status: ids.map((i) => (i % 2 === 0 ? "closed" : "open")),
    amount: pl.Series("amount", amounts).cast(pl.Float64),
  }).writeParquet(RAW);
}

const sha = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

/** Output lines without ids, byte counts, times and padding. */
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

beforeAll(() => {
  ensureBuilt();
  writeOrders([1, 2, 3, 4], [10, -2, 30, 40]);
});
afterAll(project.remove);

describe("data checks through the CLI", () => {
  it("glacier run shows a failed warn check and the checks' counts, and commits", async () => {
    const { code, stdout } = await glacier(["run", "pipeline.ts"], { cwd: project.dir });
    expect(code).toBe(0);
    expect(stable(stdout)).toMatchInlineSnapshot(`
      "run <id> succeeded (2 steps: 2 succeeded)
      step | status | rows | bytes | time | reason
      clean | succeeded | 4 | <bytes> | <time> | never ran
      total | succeeded | 2 | <bytes> | <time> | never ran
      warn clean: check range(amount): 1 row has "amount" outside [0, ∞], e.g. {"id":2,"status":"closed","amount":-2}
      checks: 3 passed, 1 warned
      record: .glacier/runs/<id>"
    `);
  });

  it("glacier run fails the step on a blocking check, keeps the previous output and does not run downstream", async () => {
    const before = sha(CLEAN);
    writeOrders([1, 2, 2, 4], [10, 20, 30, 40]);
    const { code, stdout } = await glacier(["run", "pipeline.ts", "--json"], { cwd: project.dir });
    expect(code).toBe(1);
    expect(sha(CLEAN)).toBe(before);
    const document = JSON.parse(stdout) as {
      status: string;
      steps: {
        name: string;
        status: string;
        error: string | null;
        checks: { name: string; status: string }[];
      }[];
    };
    expect(document.status).toBe("failed");
    expect(document.steps.map((s) => [s.name, s.status])).toEqual([
      ["clean", "failed"],
      ["total", "not-run"],
    ]);
    expect(document.steps[0]?.error?.replace(/ \(log: [^)]+\)$/, "")).toBe(
      'check unique(id): 2 rows share 1 value of "id", e.g. {"id":2,"rows":2}. The output was not committed: the previous one is intact. Fix the data or the task (the run record has up to 5 failing rows per check), or make the check { severity: "warn" }.',
    );
    expect(document.steps[0]?.checks.map((c) => [c.name, c.status])).toEqual([
      ["accepted_values(status)", "passed"],
      ["range(amount)", "passed"],
      ["not_null(id)", "passed"],
      ["unique(id)", "failed"],
    ]);
  });

  it("glacier runs counts the checks of each run", async () => {
    const { code, stdout } = await glacier(["runs"], { cwd: project.dir });
    expect(code).toBe(0);
    const lines = stable(stdout).split("\n");
    expect(lines[0]).toBe("run | mode | status | started | time | pipeline | steps | checks");
    expect(lines[1]).toMatch(/ \| 1 failed, 1 not run \| 3 passed, 1 failed$/);
    expect(lines[2]).toMatch(/ \| 2 succeeded \| 3 passed, 1 warned$/);
  });

  it("glacier check runs the checks against what is stored, writing nothing", async () => {
    const before = sha(CLEAN);
    const { code, stdout } = await glacier(["check", "pipeline.ts"], { cwd: project.dir });
    // What is stored is the first run's output: unique, with the warned negative amount.
    expect(code).toBe(0);
    expect(stable(stdout)).toMatchInlineSnapshot(`
      "checks: 3 passed, 1 warned (1 location)
      shop/clean/orders.parquet (step clean): data/shop/clean/orders.parquet
      passed | accepted_values(status) | no row has a value of "status" outside ["open","closed"]
      warned | range(amount) | 1 row has "amount" outside [0, ∞], e.g. {"id":2,"status":"closed","amount":-2}
      passed | not_null(id) | no row has a null in "id"
      passed | unique(id) | "id" is unique"
    `);
    expect(sha(CLEAN)).toBe(before);
  });

  it("glacier check exits 1 when a blocking check fails on the stored data", async () => {
    const { rmSync } = await import("node:fs");
    rmSync(CLEAN);
    const { code, stdout } = await glacier(["check", "pipeline.ts", "--format", "json"], {
      cwd: project.dir,
    });
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as {
      status: string;
      checked: { results: { status: string; message: string }[] }[];
    };
    expect(report.status).toBe("failed");
    expect(report.checked[0]?.results.map((r) => r.status)).toEqual(["error", "error", "error", "error"]);
    expect(report.checked[0]?.results[0]?.message).toMatch(/^the data cannot be read: .*does not exist/);
  });
});

describe("changed checks through the CLI", () => {
  const source = (extra: string) => `
import pl from "nodejs-polars";
import { check, Provider } from "@glacier/core";

const provider = new Provider({ cloud: "local", basePath: "data" });
const local = provider.local();
const raw = provider.bucket({ bucket: "shop", path: "raw/orders.parquet" });
const orders = provider.bucket({ bucket: "shop", path: "clean/orders.parquet", checks: [check.notNull("id")${extra}] });
const copy = local.task(function copy(df: pl.LazyDataFrame) {
  return df;
});
const total = local.task(function total(df: pl.LazyDataFrame) {
  return df.select(pl.col("amount").sum());
});
export const shop = raw.transform(copy).to(orders).transform(total)
  .to(provider.bucket({ bucket: "shop", path: "reports/total.parquet" })).withName("shop");
`;
  const changed = tempProject({ "pipeline.ts": source("") });
  afterAll(changed.remove);
  const out = join(changed.dir, "data/shop/clean/orders.parquet");

  it("--plan says 'check (checks changed)'; the run checks the stored output, fails on a blocking check", async () => {
    mkdirSync(join(changed.dir, "data/shop/raw"), { recursive: true });
    pl.DataFrame({ id: [1, 2, 3], amount: [10, 20, 30] }).writeParquet(
      join(changed.dir, "data/shop/raw/orders.parquet"),
    );
    expect((await glacier(["run", "pipeline.ts"], { cwd: changed.dir })).code).toBe(0);
    const before = sha(out);
    const { writeFileSync } = await import("node:fs");
    writeFileSync(join(changed.dir, "pipeline.ts"), source(", check.rowCount({ max: 2 })"));
    const plan = await glacier(["run", "pipeline.ts", "--plan"], { cwd: changed.dir });
    expect(plan.code).toBe(0);
    expect(stable(plan.stdout)).toMatchInlineSnapshot(`
      "plan: 0 steps to run, 1 to check, 1 up to date
      copy | check | (checks changed)
      total | skip | (up to date)"
    `);
    const run = await glacier(["run", "pipeline.ts"], { cwd: changed.dir });
    expect(run.code).toBe(1);
    expect(stable(run.stdout.split(changed.dir).join("<project>"))).toMatchInlineSnapshot(`
      "run <id> failed (2 steps: 1 failed, 1 not run)
      step | status | rows | bytes | time | reason
      copy | failed | <time> | checks changed
      total | not-run | upstream failed
      failed copy: [CHECK_FAILED] check row_count: 3 rows, expected at most 2, on the stored output (only the checks changed, so the task did not run). Its consumers do not run until it passes. Fix the data or the task (the run record has up to 5 failing rows per check), or make the check { severity: "warn" }. (log: <project>/.glacier/runs/<id>/log.jsonl)
      checks: 1 passed, 1 failed
      record: .glacier/runs/<id>"
    `);
    expect(sha(out)).toBe(before);
  });
});
