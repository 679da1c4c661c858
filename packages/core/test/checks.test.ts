import { describe, expect, it } from "vitest";
import { check, type CheckNode, LineageGraph, Pipeline, Provider, stepChecks } from "@glacier/core";
import { stepKey } from "@glacier/core/internal";
import { failure } from "./support.js";

const aws = new Provider({ cloud: "aws", region: "eu-west-1" });
const lambda = aws.serverless({ memory: 1024, timeout: 60 });
const raw = aws.bucket({ bucket: "acme-data", path: "raw/orders.parquet" });
const customers = aws.bucket({ bucket: "acme-data", path: "clean/customers.parquet" });
const clean = lambda.sql("clean", "SELECT * FROM input");

describe("check constructors", () => {
  it("record plain, frozen rules with stable default names", () => {
    const checks: CheckNode[] = [
      check.notNull(["id", "day"]),
      check.unique("id"),
      check.acceptedValues("status", ["open", "closed"], { severity: "warn" }),
      check.range("amount", { min: 0 }),
      check.rowCount({ min: 1, max: 1000 }),
      check.relationships("customer_id", customers, "id"),
      check.freshness("updated_at", { maxAge: "24h" }),
      check.expr("positive", (pl) => pl.col("amount").gt(0)),
    ];
    expect(checks.map((c) => [c.name, c.type, c.severity])).toEqual([
      ["not_null(id,day)", "notNull", "blocking"],
      ["unique(id)", "unique", "blocking"],
      ["accepted_values(status)", "acceptedValues", "warn"],
      ["range(amount)", "range", "blocking"],
      ["row_count", "rowCount", "blocking"],
      ["relationships(customer_id->acme-data/clean/customers.parquet.id)", "relationships", "blocking"],
      ["freshness(updated_at)", "freshness", "blocking"],
      ["positive", "expr", "blocking"],
    ]);
    for (const c of checks) expect(Object.isFrozen(c)).toBe(true);
    expect(checks[6]).toMatchObject({ maxAgeSeconds: 86400 });
    expect(checks[7]).toMatchObject({ source: '(pl) => pl.col("amount").gt(0)' });
  });

  it("reject bad options at definition with the option named and the fix", () => {
    expect(failure(() => check.notNull([]))).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "check.notNull": takes a column name or a non-empty list of column names, got []. Write check.notNull("id") or check.notNull(["id", "day"])."`,
    );
    expect(failure(() => check.unique("id", { severity: "fatal" as never }))).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "check.unique.severity": severity must be "blocking" or "warn", got "fatal". Write { severity: "warn" } to record a failure without stopping the step, or leave it out."`,
    );
    expect(failure(() => check.acceptedValues("status", []))).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "check.acceptedValues": takes a non-empty list of strings, numbers or booleans (one type), got []. Write check.acceptedValues("status", ["open", "closed"])."`,
    );
    expect(failure(() => check.range("amount", { min: 5, max: 1 }))).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "check.range": min 5 is greater than max 1. Swap them, or fix one of them."`,
    );
    expect(failure(() => check.range("amount", {}))).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "check.range": needs min, max or both. Write check.range(…, { min: 0 }) or { max: 100 }."`,
    );
    expect(failure(() => check.range("amount", { min: Number.NaN }))).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "check.range.min": min must be a finite number, got NaN. Give min as a number, or leave it out."`,
    );
    expect(failure(() => check.rowCount({ min: 1.5 }))).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "check.rowCount": bounds must be whole numbers of rows ≥ 0, got {"min":1.5}. Give whole numbers."`,
    );
    expect(failure(() => check.rowCount({ min: 1, maximum: 3 } as never))).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "check.rowCount": does not take "maximum". Use only "min", "max"."`,
    );
    expect(failure(() => check.relationships("customer_id", "customers", "id"))).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "check.relationships": takes the related bucket as its second argument, got "string". Write check.relationships("customer_id", customers, "id") with a bucket from provider.bucket()."`,
    );
    expect(failure(() => check.freshness("updated_at", { maxAge: "a day" }))).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "check.freshness.maxAge": maxAge must be a positive number of seconds or a duration such as "24h", got "a day". Write { maxAge: "24h" } (units s, m, h, d) or { maxAge: 3600 }."`,
    );
    expect(failure(() => check.expr("bad name!", (pl) => pl.lit(true)))).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "check.expr.name": check name "bad name!" is not valid. Use 1–128 letters, digits, spaces and _ ( ) , . : > -."`,
    );
    expect(failure(() => check.expr("x", "amount > 0" as never))).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "check.expr": takes a function (pl) => expression, got "string". Write check.expr("x", (pl) => pl.col("amount").gt(0))."`,
    );
    expect(failure(() => check.sql("x", "amount > 0; DROP TABLE t"))).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "check.sql": takes a SQL boolean expression (one, without ";"), got "amount > 0; DROP TABLE t". Write check.sql("x", "amount > 0")."`,
    );
    expect(failure(() => check.sql("x", "  "))).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "check.sql": takes a SQL boolean expression (one, without ";"), got "  ". Write check.sql("x", "amount > 0")."`,
    );
    expect(check.sql("positive", " amount > 0 ")).toMatchObject({ type: "sql", predicate: "amount > 0" });
  });
});

describe("checks on buckets and steps", () => {
  it("belong to the location when given to provider.bucket() or a declared bucket's .check()", () => {
    const out = aws.bucket({
      bucket: "acme-data",
      path: "clean/orders.parquet",
      checks: [check.notNull("id")],
    });
    const more = out.check(check.unique("id"));
    expect(more.node.checks?.map((c) => c.name)).toEqual(["not_null(id)", "unique(id)"]);
    expect(out.node.checks?.map((c) => c.name)).toEqual(["not_null(id)"]);
    const step = raw.transform(clean).to(more).lineage[0]!;
    expect(stepChecks(step).map((c) => c.name)).toEqual(["not_null(id)", "unique(id)"]);
  });

  it("belong to the step when given to a produced bucket's .check(), leaving the original unchanged", () => {
    const out = aws.bucket({
      bucket: "acme-data",
      path: "clean/orders.parquet",
      checks: [check.notNull("id")],
    });
    const produced = raw.transform(clean).to(out);
    const checked = produced.check(check.rowCount({ min: 1 }, { severity: "warn" }));
    expect(produced.lineage[0]!.checks).toBeUndefined();
    expect(checked.lineage[0]!.checks?.map((c) => c.name)).toEqual(["row_count"]);
    expect(stepChecks(checked.lineage[0]!).map((c) => c.name)).toEqual(["row_count", "not_null(id)"]);
    expect(stepKey(checked.lineage[0]!)).not.toBe(stepKey(produced.lineage[0]!));
    const json = LineageGraph.from(checked.withName("orders")).toJSON();
    expect(json.steps[0]!.checks).toEqual([
      { name: "row_count", type: "rowCount", severity: "warn", min: 1 },
      { name: "not_null(id)", type: "notNull", severity: "blocking", columns: ["id"] },
    ]);
    expect(json.buckets.find((b) => b.id === "acme-data/clean/orders.parquet")?.checks).toHaveLength(1);
    // One step recorded with and without a check is two writers of one location.
    const problems = LineageGraph.from({ produced, checked }).problems();
    expect(problems.map((p) => p.code)).toContain("DUPLICATE_WRITER");
  });

  it("on a declared bucket make a second declaration of the location: used next to the original, a graph problem", () => {
    const out = aws.bucket({ bucket: "acme-data", path: "clean/orders.parquet" });
    const produced = raw.transform(clean).to(out.check(check.notNull("id")));
    const reader = Pipeline({ orders: out, raw })
      .transform(lambda.sql("join", "SELECT * FROM orders"))
      .to(aws.bucket({ bucket: "acme-data", path: "joined.parquet" }));
    const problems = LineageGraph.from({ produced, reader }).problems();
    expect(problems.map((p) => p.message)).toContain(
      'bucket "acme-data/clean/orders.parquet": s3://acme-data/clean/orders.parquet is declared 2 times with different checks. Declare each location once (one provider.bucket call) and reuse the value.',
    );
  });

  it("reject duplicate names, an empty call, non-checks and columns the declared schema lacks", () => {
    const out = aws.bucket({
      bucket: "acme-data",
      path: "clean/orders.parquet",
      schema: { id: "int64", amount: "float64" },
    });
    expect(failure(() => out.check(check.notNull("id"), check.notNull("id")))).toMatchInlineSnapshot(
      `"[INVALID_OPTION] bucket "acme-data/clean/orders.parquet": two checks are named "not_null(id)". Give one of them another name with { name: … }."`,
    );
    expect(failure(() => raw.transform(clean).to(out).check())).toMatchInlineSnapshot(
      `"[INVALID_OPTION] step "clean": check() needs at least one check. Write .check(check.notNull("id"))."`,
    );
    expect(
      failure(() => aws.bucket({ bucket: "a-b", path: "x.parquet", checks: ["not_null(id)"] as never })),
    ).toMatchInlineSnapshot(
      `"[INVALID_OPTION] bucket "a-b/x.parquet": checks take values made by check.*(), got "not_null(id)". Write checks: [check.notNull("id"), check.unique("id")]."`,
    );
    expect(
      failure(() =>
        raw
          .transform(clean)
          .to(out)
          .check(check.range("price", { min: 0 })),
      ),
    ).toMatchInlineSnapshot(
      `"[INVALID_OPTION] step "clean": check "range(price)" reads "price", which the declared schema does not have. Use one of the schema's columns: id, amount."`,
    );
  });
});
