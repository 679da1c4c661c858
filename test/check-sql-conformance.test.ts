import { createRequire } from "node:module";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { check, Provider, type CheckResult } from "@glacier/core";
import type { CompiledCheck } from "@glacier/core/internal";
import pl from "nodejs-polars";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sparkScript } from "../packages/aws-model/src/spark-script.js";
import { runChecks } from "../packages/local/src/run-checks.js";

type CompiledCheckJson = Omit<CompiledCheck, "related">;

/**
 * The data checks a generated Spark driver runs are SQL compiled once (core's `compileCheck`). Taken out of the
 * generated driver's text — not compiled again — each check's SQL must parse as Spark SQL (node-sql-parser's
 * Hive grammar, as `sql-portability.ts` parses tasks) and give, on the same Parquet data, the same failing
 * counts in DuckDB and in Polars SQL as the local checks (polars expressions) do.
 */
const dir = mkdtempSync(join(tmpdir(), "glacier-check-sql-"));
const DATA = join(dir, "orders.parquet");
const CUSTOMERS = join(dir, "customers.parquet");
const NOW = new Date("2026-12-07T12:00:00Z");

const aws = new Provider({ cloud: "aws", region: "eu-west-1" });
const customers = aws.bucket({ bucket: "acme-crm", path: "customers.parquet" });
const CHECKS = [
  check.notNull(["id", "status"]),
  check.unique("id"),
  check.unique(["customer", "status"], { name: "unique_pair" }),
  check.acceptedValues("status", ["open", "closed"]),
  check.acceptedValues("customer", [1, 2, 3], { name: "known_customer" }),
  check.range("amount", { min: 0, max: 100 }),
  check.range("amount", { min: 5 }, { name: "at_least_5" }),
  check.rowCount({ min: 10 }),
  check.rowCount({ min: 1, max: 8 }, { name: "few_rows" }),
  check.relationships("customer", customers, "id"),
  check.freshness("ts", { maxAge: "1h" }),
  check.freshness("ts", { maxAge: "30d" }, { name: "fresh_month" }),
  check.sql("positive", "amount > 0"),
  check.sql("open_or_small", "status = 'open' OR amount < 20"),
];

const step = aws
  .bucket({ bucket: "acme-lake", path: "raw/orders.parquet" })
  .transform(aws.spark().sql("copy", "SELECT * FROM input"))
  .to(aws.bucket({ bucket: "acme-lake", path: "clean/orders.parquet" }))
  .check(...CHECKS)
  .graph()
  .step("copy");

/** The STEP configuration embedded in the generated driver (as the fake EMR reads it). */
function driverChecks(): { checks: CompiledCheckJson[]; related: { table: string; uri: string }[] } {
  const script = sparkScript(step);
  const raw = /STEP = json\.loads\(r'''([\s\S]*?)'''\)\n/.exec(script)?.[1];
  return JSON.parse(raw as string) as ReturnType<typeof driverChecks>;
}

/** What the driver makes of a count row: rows failing (a freshness check: 1 when too old or empty). */
function failingOf(check: CompiledCheckJson, row: Record<string, unknown>): number {
  if (check.type !== "freshness") return Number(row["failing"] ?? 0);
  const latest = row["latest"];
  if (latest === null || latest === undefined) return 1;
  const time = latest instanceof Date ? latest.getTime() : Date.parse(`${String(latest)}Z`);
  return (NOW.getTime() - time) / 1000 > (check.maxAgeSeconds as number) ? 1 : 0;
}

let local: CheckResult[];
let duck: Awaited<ReturnType<Awaited<ReturnType<typeof DuckDBInstance.create>>["connect"]>>;
beforeAll(async () => {
  pl.DataFrame({
    id: [1, 2, 3, 3, null, 6, 7],
    customer: [1, 2, 9, 3, 1, 2, 2],
    amount: [10.5, -1, 70, 40, 3, null, 101],
    status: ["open", "closed", "open", "lost", null, "open", "open"],
    ts: [
      new Date("2026-12-01T00:00:00Z"),
      new Date("2026-12-06T00:00:00Z"),
      new Date("2026-11-20T00:00:00Z"),
      new Date("2026-12-02T00:00:00Z"),
      null,
      new Date("2026-12-05T00:00:00Z"),
      new Date("2026-12-03T00:00:00Z"),
    ],
  }).writeParquet(DATA);
  pl.DataFrame({ id: [1, 2, 3, null], name: ["a", "b", "c", "d"] }).writeParquet(CUSTOMERS);
  local = await runChecks(pl, pl.scanParquet(DATA), CHECKS, {
    openBucket: async () => pl.scanParquet(CUSTOMERS),
    now: NOW,
  });
  const instance = await DuckDBInstance.create(":memory:");
  duck = await instance.connect();
  await duck.run("SET TimeZone = 'UTC'");
  await duck.run(`CREATE VIEW glacier_checked AS SELECT * FROM read_parquet('${DATA}')`);
  await duck.run(`CREATE VIEW glacier_related_0 AS SELECT * FROM read_parquet('${CUSTOMERS}')`);
}, 60_000);
afterAll(() => duck?.closeSync());

describe("checks compiled to SQL, taken from the generated Spark driver", () => {
  it("are every declared check, in order, and the local checks fail where the data says", () => {
    const { checks, related } = driverChecks();
    expect(checks.map((c) => c.name)).toEqual(CHECKS.map((c) => c.name));
    expect(related).toMatchObject([{ table: "glacier_related_0", uri: "s3://acme-crm/customers.parquet" }]);
    expect(local.map((r) => [r.name, r.failing])).toEqual([
      ["not_null(id,status)", 1],
      ["unique(id)", 2],
      ["unique_pair", 2],
      ["accepted_values(status)", 1],
      ["known_customer", 1],
      ["range(amount)", 2],
      ["at_least_5", 2],
      ["row_count", 1],
      ["few_rows", 0],
      ["relationships(customer->acme-crm/customers.parquet.id)", 1],
      ["freshness(ts)", 1],
      ["fresh_month", 0],
      ["positive", 2],
      ["open_or_small", 1],
    ]);
    expect(local.every((r) => r.status !== "error")).toBe(true);
  });

  it("parse as Spark SQL (node-sql-parser's Hive grammar)", () => {
    const { Parser } = createRequire(import.meta.url)("node-sql-parser/build/hive") as {
      Parser: new () => { astify(sql: string, options: { database: string }): unknown };
    };
    const parser = new Parser();
    for (const compiled of driverChecks().checks) {
      for (const sql of [compiled.count, compiled.sample].filter((s) => s !== undefined)) {
        expect(() => parser.astify(sql, { database: "hive" }), `${compiled.name}: ${sql}`).not.toThrow();
      }
    }
  });

  it("give the local checks' failing counts in DuckDB, and samples of failing rows", async () => {
    for (const compiled of driverChecks().checks) {
      const [row] = (await duck.runAndReadAll(compiled.count)).getRowObjectsJS();
      const expected = local.find((r) => r.name === compiled.name) as CheckResult;
      expect([compiled.name, failingOf(compiled, row as Record<string, unknown>)]).toEqual([
        expected.name,
        expected.failing,
      ]);
      if (compiled.sample !== undefined && expected.failing > 0) {
        const sample = (await duck.runAndReadAll(compiled.sample)).getRowObjectsJS();
        expect([compiled.name, sample.length]).toEqual([compiled.name, expected.sample?.length]);
      }
    }
  });

  it("give the same counts in Polars SQL (what the fake EMR runs them with)", () => {
    const ctx = pl.SQLContext({
      glacier_checked: pl.scanParquet(DATA),
      glacier_related_0: pl.scanParquet(CUSTOMERS),
    });
    for (const compiled of driverChecks().checks) {
      const [row] = ctx.execute(compiled.count).collectSync().toRecords();
      const expected = local.find((r) => r.name === compiled.name) as CheckResult;
      expect([compiled.name, failingOf(compiled, row as Record<string, unknown>)]).toEqual([
        expected.name,
        expected.failing,
      ]);
    }
  });
});
