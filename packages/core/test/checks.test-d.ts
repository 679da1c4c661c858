import type { Expr } from "nodejs-polars";
import { describe, expectTypeOf, it } from "vitest";
import { type Bucket, check, type CheckNode, type CheckResult, Provider } from "@glacier/core";

const aws = new Provider({ cloud: "aws", region: "eu-west-1" });
const customers = aws.bucket({ bucket: "acme", path: "customers.parquet" });

describe("check types", () => {
  it("types the expression builder's polars namespace and its result", () => {
    const c = check.expr("positive", (pl) => {
      expectTypeOf(pl.col).toBeFunction();
      return pl.col("amount").gt(0);
    });
    expectTypeOf(c).toEqualTypeOf<CheckNode>();
    expectTypeOf<Parameters<typeof check.expr>[1]>().returns.toEqualTypeOf<Expr>();
    // @ts-expect-error the builder returns an expression, not a boolean
    check.expr("bad", () => true);
  });

  it("takes severity blocking or warn, and the options each check knows", () => {
    check.notNull("id", { severity: "warn" });
    // @ts-expect-error severity is "blocking" or "warn"
    check.unique("id", { severity: "error" });
    // @ts-expect-error rowCount takes { min, max }
    check.rowCount({ minimum: 1 });
    // @ts-expect-error freshness needs maxAge
    check.freshness("updated_at", {});
    // @ts-expect-error an expression check is named by its first argument, not by an option
    check.expr("x", (pl) => pl.lit(true), { name: "y" });
  });

  it("chains on buckets, and results are plain data", () => {
    expectTypeOf(customers.check(check.notNull("id"))).toEqualTypeOf<Bucket>();
    expectTypeOf<CheckResult["status"]>().toEqualTypeOf<"passed" | "failed" | "error">();
    expectTypeOf<CheckResult["severity"]>().toEqualTypeOf<"blocking" | "warn">();
  });
});
