import { afterEach, describe, expect, it } from "vitest";
import pl from "nodejs-polars";
import {
  type Bucket,
  check,
  LineageGraph,
  Provider,
  runGraph,
  type CheckNode,
  type CheckResult,
} from "@glacier/core";
import { readRun } from "@glacier/engine";
import { checkStored, executeStep } from "../src/index.js";
import { testProject, type TestProject } from "./fixtures/project.js";
import { decisions, rejection, statuses, stepOf } from "./fixtures/results.js";

let project: TestProject;
afterEach(() => project?.cleanup());

const HOUR = 3600 * 1000;
const NAMING = new Provider({ cloud: "local", basePath: "/checks" });

/** Six orders that pass every check below. */
function goodOrders(): pl.DataFrame {
  const now = Date.now();
  return pl.DataFrame({
    id: pl.Series("id", [1, 2, 3, 4, 5, 6]).cast(pl.Int64),
    status: ["open", "closed", "open", "open", "closed", "open"],
    amount: pl.Series("amount", [10, 20, 30, 40, 50, 60]).cast(pl.Float64),
    customer_id: pl.Series("customer_id", [1, 2, 3, 1, 2, 3]).cast(pl.Int64),
    updated_at: pl.Series(
      "updated_at",
      [1, 2, 3, 4, 5, 6].map((h) => new Date(now - h * HOUR)),
    ),
  });
}

/** The good orders with one column's values replaced. */
function withColumn(name: string, values: unknown[]): pl.DataFrame {
  const good = goodOrders();
  const dtype = good.getColumn(name).dtype;
  return good.withColumns(pl.Series(name, values).cast(dtype));
}

/** Each check kind: the check, and raw data that makes it fail, with what the failure must say. */
const KINDS: {
  /** Made per project: a relationships check names the project's customers bucket. */
  readonly check: (customers: Bucket) => CheckNode;
  readonly bad: () => pl.DataFrame;
  readonly failing: number;
  readonly message: RegExp;
  readonly sample?: Record<string, unknown>;
}[] = [
  {
    check: () => check.notNull(["id", "status"]),
    bad: () => withColumn("status", ["open", null, "open", null, "closed", "open"]),
    failing: 2,
    message: /^2 rows have a null in "id", "status"$/,
    sample: { id: 2, status: null },
  },
  {
    check: () => check.unique("id"),
    bad: () => withColumn("id", [1, 2, 2, 4, 4, 4]),
    failing: 5,
    message: /^5 rows share 2 values of "id"$/,
    sample: { id: 2, rows: 2 },
  },
  {
    check: () => check.acceptedValues("status", ["open", "closed"]),
    bad: () => withColumn("status", ["open", "lost", "open", "open", "closed", "open"]),
    failing: 1,
    message: /^1 row has a value of "status" outside \["open","closed"\]$/,
    sample: { id: 2, status: "lost" },
  },
  {
    check: () => check.range("amount", { min: 0, max: 100 }),
    bad: () => withColumn("amount", [10, -5, 30, 400, 50, 60]),
    failing: 2,
    message: /^2 rows have "amount" outside \[0, 100\]$/,
    sample: { id: 2, amount: -5 },
  },
  {
    check: () => check.rowCount({ min: 5 }),
    bad: () => goodOrders().head(3),
    failing: 1,
    message: /^3 rows, expected at least 5$/,
  },
  {
    check: (customers) => check.relationships("customer_id", customers, "id"),
    bad: () => withColumn("customer_id", [1, 2, 9, 1, 2, 3]),
    failing: 1,
    message: /^1 row has a "customer_id" missing from "id" of acme\/ref\/customers\.parquet$/,
    sample: { id: 3, customer_id: 9 },
  },
  {
    check: () => check.freshness("updated_at", { maxAge: "1d" }),
    bad: () =>
      withColumn(
        "updated_at",
        [1, 2, 3, 4, 5, 6].map(() => new Date("2020-01-01T00:00:00Z")),
      ),
    failing: 1,
    message:
      /^the newest "updated_at" is 2020-01-01T00:00:00\.000Z, \d+ s old, more than the 86400 s allowed$/,
  },
  {
    check: () =>
      check.expr("closed_has_amount", (p) =>
        p.col("status").eq(p.lit("closed")).not().or(p.col("amount").gt(15)),
      ),
    bad: () => withColumn("amount", [10, 5, 30, 40, 50, 60]),
    failing: 1,
    message: /^1 row does not satisfy it$/,
    sample: { id: 2, status: "closed", amount: 5 },
  },
  {
    check: () => check.sql("closed_has_amount_sql", "status <> 'closed' OR amount > 15"),
    bad: () => withColumn("amount", [10, 5, 30, 40, 50, 60]),
    failing: 1,
    message: /^1 row does not satisfy status <> 'closed' OR amount > 15$/,
    sample: { id: 2, status: "closed", amount: 5 },
  },
];

/** raw/orders → copy → clean/orders (checked) → total → report; customers is the relationships' reference. */
function pipeline(p: TestProject, checks: readonly ((customers: Bucket) => CheckNode)[]) {
  const local = p.provider.local();
  const raw = p.provider.bucket({ bucket: "acme", path: "raw/orders.parquet" });
  const customers = p.provider.bucket({ bucket: "acme", path: "ref/customers.parquet" });
  const resolved = checks.map((make) => make(customers));
  const copy = local.task(function copy(df: pl.LazyDataFrame) {
    return df;
  });
  const total = local.task(function total(df: pl.LazyDataFrame) {
    return df.select(pl.col("amount").sum());
  });
  const clean = raw
    .transform(copy)
    .to(p.provider.bucket({ bucket: "acme", path: "clean/orders.parquet" }))
    .check(...resolved);
  return LineageGraph.from(
    clean.transform(total).to(p.provider.bucket({ bucket: "acme", path: "report.parquet" })),
  );
}

function setUp(): TestProject {
  const p = testProject("glacier-checks-");
  p.write("acme", "raw/orders.parquet", goodOrders());
  p.write("acme", "ref/customers.parquet", pl.DataFrame({ id: pl.Series("id", [1, 2, 3]).cast(pl.Int64) }));
  return p;
}

describe("checks on a local run", () => {
  for (const kind of KINDS) {
    // Names hold bucket ids (bucket/path), the same in every project.
    const declared = kind.check(NAMING.bucket({ bucket: "acme", path: "ref/customers.parquet" }));
    it(`${declared.type}: passes on good data, and on bad data blocks the commit and the downstream`, async () => {
      project = setUp();
      const graph = pipeline(project, [kind.check]);
      const run = () => runGraph(graph, { mode: "local", projectDir: project.dir, concurrency: 1 });

      const good = await run();
      expect(statuses(good)).toEqual([
        ["copy", "succeeded", "never ran"],
        ["total", "succeeded", "never ran"],
      ]);
      const passed = stepOf(good, "copy").checks as CheckResult[];
      expect(passed).toHaveLength(1);
      expect(passed[0]).toMatchObject({ name: declared.name, status: "passed", failing: 0 });

      project.write("acme", "raw/orders.parquet", kind.bad());
      const before = project.hashes();
      const bad = await run();
      expect(bad.status).toBe("failed");
      expect(statuses(bad)).toEqual([
        ["copy", "failed", "input changed"],
        ["total", "not-run", "upstream failed"],
      ]);
      // Byte-identical: the previous output (and everything else) is as it was; no temporary is left.
      expect(project.hashes()).toEqual(before);
      const copy = stepOf(bad, "copy");
      expect(copy.code).toBe("CHECK_FAILED");
      expect(copy.error).toContain(`check ${declared.name}: `);
      expect(copy.error).toContain("The output was not committed: the previous one is intact.");
      const [result] = copy.checks as CheckResult[];
      expect(result).toMatchObject({ name: declared.name, status: "failed", failing: kind.failing });
      expect(result?.message).toMatch(kind.message);
      if (kind.sample) expect(result?.sample?.[0]).toMatchObject(kind.sample);
      expect(result?.sample?.length ?? 0).toBeLessThanOrEqual(5);
      // The record on disk says the same, and CHECK_FAILED was not retried.
      const record = await readRun(bad.runId, { projectDir: project.dir });
      const recorded = record.steps.find((s) => s.name === "copy");
      expect(recorded?.checks?.[0]).toEqual(result);
      expect(recorded?.attempts).toBe(1);
    });
  }

  it("records a failed warn check, commits the output and runs the downstream", async () => {
    project = setUp();
    project.write("acme", "raw/orders.parquet", withColumn("amount", [10, -5, 30, 40, 50, 60]));
    const graph = pipeline(project, [
      () => check.range("amount", { min: 0 }, { severity: "warn" }),
      () => check.notNull("id"),
    ]);
    const result = await runGraph(graph, { mode: "local", projectDir: project.dir });
    expect(statuses(result)).toEqual([
      ["copy", "succeeded", "never ran"],
      ["total", "succeeded", "never ran"],
    ]);
    expect(project.read("acme", "clean/orders.parquet").getColumn("amount").toArray()).toEqual([
      10, -5, 30, 40, 50, 60,
    ]);
    expect(stepOf(result, "copy").checks).toEqual([
      {
        name: "range(amount)",
        type: "range",
        severity: "warn",
        status: "failed",
        failing: 1,
        message: '1 row has "amount" outside [0, ∞]',
        sample: [expect.objectContaining({ id: 2, amount: -5 })],
      },
      {
        name: "not_null(id)",
        type: "notNull",
        severity: "blocking",
        status: "passed",
        failing: 0,
        message: 'no row has a null in "id"',
      },
    ]);
  });

  it("names every failed blocking check, and blocks on a check that cannot be evaluated", async () => {
    project = setUp();
    const graph = pipeline(project, [
      () => check.notNull("missing_column"),
      () => check.rowCount({ max: 2 }),
    ]);
    const result = await runGraph(graph, { mode: "local", projectDir: project.dir });
    const copy = stepOf(result, "copy");
    expect(copy.code).toBe("CHECK_FAILED");
    expect(copy.error).toMatch(
      /^step "copy" failed: 2 blocking checks failed: not_null\(missing_column\): could not be evaluated: .*missing_column.*; row_count: 6 rows, expected at most 2\. The output was not committed/,
    );
    expect(copy.checks?.map((c) => c.status)).toEqual(["error", "failed"]);
    expect(project.files()).not.toHaveProperty("acme/clean/orders.parquet");
  });
});

describe("checks changed on an up-to-date step", () => {
  it("are planned as 'check', run on the stored output without recomputing, and recorded", async () => {
    project = setUp();
    const plan = (checks: Parameters<typeof pipeline>[1]) =>
      runGraph(pipeline(project, checks), { mode: "local", projectDir: project.dir, plan: true });
    const run = (checks: Parameters<typeof pipeline>[1]) =>
      runGraph(pipeline(project, checks), { mode: "local", projectDir: project.dir });
    await run([() => check.notNull("id")]);
    const before = project.hashes();

    // A warn check added: planned as a check, not a run; the run checks the stored output and changes nothing.
    const added = [() => check.notNull("id"), () => check.range("amount", { max: 45 }, { severity: "warn" })];
    expect(decisions(await plan(added))).toEqual([
      ["copy", "check", "checks changed"],
      ["total", "skip", "up to date"],
    ]);
    const rechecked = await run(added);
    expect(statuses(rechecked)).toEqual([
      ["copy", "skipped", "checks changed"],
      ["total", "skipped", "up to date"],
    ]);
    expect(stepOf(rechecked, "copy").checks?.map((c) => [c.name, c.status, c.failing])).toEqual([
      ["not_null(id)", "passed", 0],
      ["range(amount)", "failed", 2],
    ]);
    expect(project.hashes()).toEqual(before);
    // The state took the new checks: the next run is up to date.
    expect(statuses(await run(added))).toEqual([
      ["copy", "skipped", "up to date"],
      ["total", "skipped", "up to date"],
    ]);

    // A blocking check the stored output breaks: the step fails, its consumer does not run, nothing changes.
    const broken = [...added, () => check.rowCount({ max: 3 })];
    const failed = await run(broken);
    expect(failed.status).toBe("failed");
    expect(statuses(failed)).toEqual([
      ["copy", "failed", "checks changed"],
      ["total", "not-run", "upstream failed"],
    ]);
    const copy = stepOf(failed, "copy");
    expect(copy.code).toBe("CHECK_FAILED");
    expect(copy.error).toContain("row_count: 6 rows, expected at most 3");
    expect(copy.checks?.map((c) => [c.name, c.status])).toEqual([
      ["not_null(id)", "passed"],
      ["range(amount)", "failed"],
      ["row_count", "failed"],
    ]);
    expect(project.hashes()).toEqual(before);
    // Still failing next time (the state was not updated), until the checks or the data change.
    expect(decisions(await plan(broken))[0]).toEqual(["copy", "check", "checks changed"]);
    expect(statuses(await run(added))[0]).toEqual(["copy", "skipped", "up to date"]);
  });
});

describe("checks in executeStep (as a Lambda runs a step)", () => {
  it("fails with CHECK_FAILED before the commit, leaving the previous output byte-identical", async () => {
    project = setUp();
    const graph = pipeline(project, [() => check.unique("id")]);
    const step = graph.step("copy");
    const ok = await executeStep({ step, runId: "20240131T120000Z-3f2a", params: {} });
    expect(ok.checks?.map((c) => c.status)).toEqual(["passed"]);
    project.write("acme", "raw/orders.parquet", withColumn("id", [1, 1, 3, 4, 5, 6]));
    const before = project.hashes();
    const error = await rejection(() => executeStep({ step, runId: "20240131T120001Z-3f2b", params: {} }));
    expect(error.code).toBe("CHECK_FAILED");
    expect(error.message).toBe(
      'step "copy": check unique(id): 2 rows share 1 value of "id", e.g. {"id":1,"rows":2}. The output was not committed: the previous one is intact. Fix the data or the task (the run record has up to 5 failing rows per check), or make the check { severity: "warn" }.',
    );
    expect(project.hashes()).toEqual(before);
  });
});

describe("checkStored (glacier check)", () => {
  it("runs step and source checks on what is stored, writing nothing; a missing output is an error", async () => {
    project = setUp();
    const local = project.provider.local();
    const raw = project.provider.bucket({
      bucket: "acme",
      path: "raw/orders.parquet",
      checks: [check.acceptedValues("status", ["open"], { severity: "warn" })],
    });
    const graph = LineageGraph.from(
      raw
        .transform(local.task((df: pl.LazyDataFrame) => df, { name: "copy" }))
        .to(project.provider.bucket({ bucket: "acme", path: "clean/orders.parquet" }))
        .check(check.unique("id")),
    );
    const before = project.hashes();
    const report = await checkStored(graph);
    expect(project.hashes()).toEqual(before);
    expect(report.status).toBe("failed");
    expect(
      report.checked.map((c) => [c.bucket, c.step, c.results.map((r) => [r.name, r.status, r.failing])]),
    ).toEqual([
      ["acme/clean/orders.parquet", "copy", [["unique(id)", "error", 0]]],
      ["acme/raw/orders.parquet", undefined, [["accepted_values(status)", "failed", 2]]],
    ]);
    expect(report.checked[0]?.results[0]?.message).toMatch(/^the data cannot be read: .*does not exist/);
    await runGraph(graph, { mode: "local", projectDir: project.dir });
    expect((await checkStored(graph)).status).toBe("passed");
  });
});
