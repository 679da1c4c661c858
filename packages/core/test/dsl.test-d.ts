import type { LazyDataFrame } from "nodejs-polars";
import { describe, expectTypeOf, it } from "vitest";
import { type Bucket, type Inputs, Pipeline, Provider, param } from "@glacier/core";

const provider = new Provider({ cloud: "aws", region: "eu-west-1" });
const lambda = provider.serverless({ memory: 2048 });
const orders = provider.bucket({ bucket: "acme-data", path: "raw/orders.parquet" });
const customers = provider.bucket({ bucket: "acme-data", path: "raw/customers.parquet" });
const joined = provider.bucket({ bucket: "acme-data", path: "joined/orders.parquet" });

const clean = lambda.task(function clean(df: LazyDataFrame) {
  return df;
});
const cleanInferred = lambda.task((df) => df.head(10), { name: "head" });
const join = lambda.task(function join({ orders, customers }: Inputs<"orders" | "customers">) {
  return orders.join(customers, { on: "id" });
});
const sql = lambda.sql("daily", "SELECT * FROM input");

describe("single-source transforms", () => {
  it("accept single-source and SQL tasks", () => {
    expectTypeOf(orders.transform(clean).to(joined)).toEqualTypeOf<Bucket>();
    expectTypeOf(orders.transform(cleanInferred).to(joined)).toEqualTypeOf<Bucket>();
    expectTypeOf(orders.transform(sql).to(joined)).toEqualTypeOf<Bucket>();
  });
  it("reject a multi-source task", () => {
    // @ts-expect-error a task with named inputs needs Pipeline({ … })
    orders.transform(join);
  });
});

describe("Pipeline transforms", () => {
  it("accept a task whose inputs match the keys exactly, and SQL tasks", () => {
    expectTypeOf(Pipeline({ orders, customers }).transform(join).to(joined)).toEqualTypeOf<Bucket>();
    expectTypeOf(Pipeline({ orders, customers }).transform(sql).to(joined)).toEqualTypeOf<Bucket>();
  });
  it("reject a single-source task", () => {
    // @ts-expect-error a single-source task cannot take Pipeline inputs
    Pipeline({ orders, customers }).transform(clean);
  });
  it("reject a task with a missing key", () => {
    // @ts-expect-error the task does not take `customers`… and Pipeline gives `products`
    Pipeline({ orders, products: customers }).transform(join);
  });
  it("reject a task that takes fewer inputs than given", () => {
    const one = lambda.task(function one({ orders }: Inputs<"orders">) {
      return orders;
    });
    // @ts-expect-error the Pipeline gives `customers`, which the task does not take
    Pipeline({ orders, customers }).transform(one);
  });
});

describe("parameters", () => {
  it("type ctx.params from the declarations", () => {
    lambda.task(
      function daily(df: LazyDataFrame, ctx) {
        expectTypeOf(ctx.params.day).toEqualTypeOf<string>();
        expectTypeOf(ctx.params.min).toEqualTypeOf<number>();
        // @ts-expect-error undeclared parameter
        void ctx.params.other;
        return df;
      },
      { params: { day: param.string(), min: param.number({ default: 0 }) } },
    );
  });
});
