import type { LazyDataFrame } from "nodejs-polars";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { type Inputs, Provider } from "@glacier/core";
import { destructuredKeys } from "@glacier/core/internal";

type AnyFunction = (...args: never[]) => unknown;

/** A function compiled from source text, so comments and formatting reach `toString()` untouched. */
const compiled = (source: string): AnyFunction => new Function(`return (${source});`)() as AnyFunction;
const keys = (source: string): readonly string[] | null => destructuredKeys(compiled(source));

describe("destructuredKeys on functions written in this file (as the test transpiler emits them)", () => {
  it("reads a function, an async function, an arrow and an async arrow", () => {
    function join({ orders, customers }: Inputs<"orders" | "customers">) {
      return orders.join(customers, { on: "id" });
    }
    async function joinAsync({ orders, customers }: Inputs<"orders" | "customers">) {
      return orders.join(customers, { on: "id" });
    }
    const arrow = ({ orders, customers }: Inputs<"orders" | "customers">) =>
      orders.join(customers, { on: "id" });
    const asyncArrow = async ({ orders, customers }: Inputs<"orders" | "customers">) =>
      orders.join(customers, { on: "id" });
    for (const fn of [join, joinAsync, arrow, asyncArrow])
      expect(destructuredKeys(fn)).toEqual(["orders", "customers"]);
  });

  it("reads a method shorthand", () => {
    const tasks = {
      join({ left, right }: Inputs<"left" | "right">) {
        return left.join(right, { on: "id" });
      },
    };
    expect(destructuredKeys(tasks.join)).toEqual(["left", "right"]);
  });

  it("reads defaults, renames and a second (ctx) parameter", () => {
    const fn = ({ orders: o, customers = o }: Partial<Inputs<"orders" | "customers">>, ctx?: unknown) => [
      o,
      customers,
      ctx,
    ];
    expect(destructuredKeys(fn)).toEqual(["orders", "customers"]);
  });

  it("answers null for a plain frame parameter", () => {
    expect(destructuredKeys((df: LazyDataFrame) => df)).toBeNull();
    expect(
      destructuredKeys(function clean(df: LazyDataFrame) {
        return df;
      }),
    ).toBeNull();
    expect(destructuredKeys(() => null)).toBeNull();
  });
});

describe("destructuredKeys on source text", () => {
  it("reads every function form", () => {
    expect(keys("function join({ a, b }) { return a; }")).toEqual(["a", "b"]);
    expect(keys("async function join({ a, b }) { return a; }")).toEqual(["a", "b"]);
    expect(keys("function* join({ a, b }) {}")).toEqual(["a", "b"]);
    expect(keys("({ a, b }) => a")).toEqual(["a", "b"]);
    expect(keys("async ({ a, b }) => a")).toEqual(["a", "b"]);
    expect(keys("{ join({ a, b }) { return a; } }.join")).toEqual(["a", "b"]);
    expect(keys("class T { static join({ a, b }) { return a; } }.join")).toEqual(["a", "b"]);
    expect(keys("function\n  join(\n    {\n      a,\n      b\n    }\n  ) {}")).toEqual(["a", "b"]);
  });

  it("reads defaults, renames, quoted keys and nested patterns", () => {
    expect(keys("({ a = 1, b = { x: [1, 2] } }) => a")).toEqual(["a", "b"]);
    expect(keys("({ a = (1, 2), b = f(3, 4) }) => a")).toEqual(["a", "b"]);
    expect(keys("({ a: left, b: right = left }) => left")).toEqual(["a", "b"]);
    expect(keys(`({ "a": x, 'b': y }) => x`)).toEqual(["a", "b"]);
    expect(keys(`({ a = "}", b = ')', c = \`\${"}"}\` }) => a`)).toEqual(["a", "b", "c"]);
    expect(keys("({ a: { x, y }, b: [z] }) => x")).toEqual(["a", "b"]);
    expect(keys("({ $a, _b, ünï }) => 1")).toEqual(["$a", "_b", "ünï"]);
    expect(keys("({ a, b } = {}) => a")).toEqual(["a", "b"]);
  });

  it("reads past comments anywhere in the parameter list", () => {
    expect(keys("function join(/* the inputs */ { a, b }) {}")).toEqual(["a", "b"]);
    expect(keys("function join({ /* left */ a, b }) {}")).toEqual(["a", "b"]);
    expect(keys("function join({ a, // left\n b // right\n }) {}")).toEqual(["a", "b"]);
    expect(keys("function join({ a /* , c */, b }) {}")).toEqual(["a", "b"]);
    expect(keys("function join({ a = '/* not a comment */', b }) {}")).toEqual(["a", "b"]);
    expect(keys("(/** @param inputs */ { a, b }) => a")).toEqual(["a", "b"]);
  });

  it("answers null when the keys cannot be known", () => {
    expect(keys("({ a, ...rest }) => a")).toBeNull();
    expect(keys("({ [key]: value }) => value")).toBeNull();
    expect(keys("({}) => 1")).toBeNull();
    expect(keys("(df) => df")).toBeNull();
    expect(keys("df => df({ a })")).toBeNull();
    expect(keys("async df => df")).toBeNull();
    expect(keys("function (df, { a, b }) {}")).toBeNull();
    expect(keys("([a, b]) => a")).toBeNull();
    expect(keys("({ 0: a }) => a")).toBeNull();
    // A regex holding "}" cannot be scanned reliably; "unknown" is safer than a wrong list.
    expect(keys("({ a = /}/, b }) => a")).toBeNull();
    expect(destructuredKeys(Math.max)).toBeNull();
  });
});

describe("destructuredKeys on TypeScript compiled by tsc", () => {
  const source = `
    export const fn = function join({ orders, customers: c = 1 }: Inputs<"orders" | "customers">, ctx: unknown) {
      return [orders, c, ctx];
    };
    export const arrow = ({ orders, customers }: Inputs<"orders" | "customers">) => [orders, customers];
    export const asyncArrow = async ({ orders, customers }: Inputs<"orders" | "customers">) => [orders, customers];
    export const method = { join({ orders, customers }: Inputs<"orders" | "customers">) { return [orders, customers]; } }.join;
  `;
  const load = (target: ts.ScriptTarget): Record<string, AnyFunction> => {
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { target, module: ts.ModuleKind.CommonJS, removeComments: false },
    });
    const exports: Record<string, AnyFunction> = {};
    new Function("exports", outputText)(exports);
    return exports;
  };
  const read = (target: ts.ScriptTarget) =>
    Object.fromEntries(Object.entries(load(target)).map(([name, fn]) => [name, destructuredKeys(fn)]));

  it("reads every shape from ES2017 on, where destructuring survives compilation", () => {
    const both = ["orders", "customers"];
    for (const target of [ts.ScriptTarget.ES2017, ts.ScriptTarget.ES2022]) {
      expect(read(target)).toEqual({ fn: both, arrow: both, asyncArrow: both, method: both });
    }
  });

  it("answers null (unknown) where downlevelling replaces the pattern with a temporary", () => {
    const both = ["orders", "customers"];
    // ES2015 wraps async functions in __awaiter((_a) => …); ES5 rewrites every pattern into `var` reads.
    expect(read(ts.ScriptTarget.ES2015)).toEqual({ fn: both, arrow: both, asyncArrow: null, method: both });
    expect(read(ts.ScriptTarget.ES5)).toEqual({ fn: null, arrow: null, asyncArrow: null, method: null });
  });
});

describe("tasks read their inputs from the destructured first parameter", () => {
  const lambda = new Provider({ cloud: "aws", region: "eu-west-1" }).serverless();

  it("records the names on the task node", () => {
    const join = lambda.task(function join({ orders, customers }: Inputs<"orders" | "customers">) {
      return orders.join(customers, { on: "id" });
    });
    expect(join.inputs).toEqual(["orders", "customers"]);
    expect(Object.isFrozen(join.inputs)).toBe(true);
  });

  it("records null for a single-source task, and for unknowable shapes", () => {
    expect(lambda.task((df: LazyDataFrame) => df, { name: "clean" }).inputs).toBeNull();
    expect(lambda.task(compiled("function rest({ a, ...others }) { return a; }") as never).inputs).toBeNull();
  });
});
