import type { LazyDataFrame } from "nodejs-polars";
import { describe, expect, it } from "vitest";
import { type Inputs, param, type ParamSpecs, Provider, type TaskOptions } from "@glacier/core";
import { failure } from "./support.js";

const provider = new Provider({ cloud: "aws", region: "eu-west-1" });
const local = provider.local();
const lambda = provider.serverless({ timeout: 120 });
const spark = provider.spark();

/** A function compiled from source text, so its `toString()` is exactly that text (no transpiler involved). */
const compiled = (source: string): ((df: LazyDataFrame) => LazyDataFrame) =>
  new Function(`return (${source});`)() as (df: LazyDataFrame) => LazyDataFrame;
const identity = (df: LazyDataFrame): LazyDataFrame => df;
const withOptions = (options: TaskOptions): string =>
  failure(() =>
    local.task(function clean(df: LazyDataFrame) {
      return df;
    }, options),
  );

describe("task names", () => {
  it("come from the function's name", () => {
    const task = lambda.task(function cleanSales(df: LazyDataFrame) {
      return df;
    });
    expect(task.name).toBe("cleanSales");
    expect(task.kind).toBe("task");
    expect(task.language).toBe("polars");
    expect(task.executor).toBe(lambda.node);
  });

  it("come from options.name, which wins over the function's name", () => {
    expect(local.task(identity, { name: "clean-v2" }).name).toBe("clean-v2");
    expect(local.task((df) => df, { name: "head" }).name).toBe("head");
  });

  it("are required: an anonymous function needs options.name", () => {
    expect(failure(() => local.task((df) => df))).toMatchInlineSnapshot(
      `"[INVALID_TASK] task "(anonymous)": the task has no name. Use a named function (function clean(df) {…}) or pass { name: "clean" }."`,
    );
    expect(failure(() => local.task(compiled("function (df) { return df; }")))).toMatch(/^\[INVALID_TASK\]/);
  });

  it("must be identifiers of letters, digits, _ and -", () => {
    expect(failure(() => local.task(identity, { name: "1clean" }))).toMatchInlineSnapshot(
      `"[INVALID_TASK] task "1clean": this name is not valid. Use a letter first, then letters, digits, _ or -, at most 64 characters."`,
    );
    expect(failure(() => local.task(identity, { name: "clean sales" }))).toMatchInlineSnapshot(
      `"[INVALID_TASK] task "clean sales": this name is not valid. Use a letter first, then letters, digits, _ or -, at most 64 characters."`,
    );
    expect(failure(() => local.task(identity, { name: "x".repeat(65) }))).toMatch(
      /^\[INVALID_TASK\] task "x{65}"/,
    );
    expect(local.task(identity, { name: "x".repeat(64) }).name).toHaveLength(64);
    // A bound function is named "bound clean": its name cannot be a task name.
    expect(failure(() => local.task(identity.bind(null)))).toMatchInlineSnapshot(
      `"[INVALID_TASK] task "bound identity": this name is not valid. Use a letter first, then letters, digits, _ or -, at most 64 characters."`,
    );
  });

  it("need a function", () => {
    expect(failure(() => local.task("clean" as never))).toMatchInlineSnapshot(
      `"[INVALID_TASK] task "(unnamed)": task() takes a function, got string. Pass a function (df, ctx) => LazyDataFrame."`,
    );
    expect(failure(() => local.task(undefined as never, { name: "clean" }))).toMatchInlineSnapshot(
      `"[INVALID_TASK] task "clean": task() takes a function, got undefined. Pass a function (df, ctx) => LazyDataFrame."`,
    );
  });
});

describe("task options", () => {
  it("default to no retries, no timeout, no params and no declared inputs", () => {
    const task = local.task(identity, { name: "clean" });
    expect(task).toMatchObject({ retries: 0, params: {}, inputs: null });
    expect(task).not.toHaveProperty("timeout");
    expect(task).not.toHaveProperty("description");
    expect(task).not.toHaveProperty("sql");
  });

  it("keep retries, timeout and description", () => {
    const task = lambda.task(identity, {
      name: "clean",
      retries: 10,
      timeout: 120,
      description: "Drop refunds",
    });
    expect(task).toMatchObject({ retries: 10, timeout: 120, description: "Drop refunds" });
    expect(local.task(identity, { name: "slow", timeout: 0.5 }).timeout).toBe(0.5);
    expect(spark.sql("q", "SELECT 1", { timeout: 7200 }).timeout).toBe(7200);
  });

  it("reject retries that are not a whole number 0–10", () => {
    expect(withOptions({ retries: -1 })).toMatchInlineSnapshot(
      `"[INVALID_OPTION] task "clean": retries -1 is not a whole number 0–10. Set retries to a whole number between 0 and 10."`,
    );
    expect(withOptions({ retries: 11 })).toMatchInlineSnapshot(
      `"[INVALID_OPTION] task "clean": retries 11 is not a whole number 0–10. Set retries to a whole number between 0 and 10."`,
    );
    expect(withOptions({ retries: 1.5 })).toMatchInlineSnapshot(
      `"[INVALID_OPTION] task "clean": retries 1.5 is not a whole number 0–10. Set retries to a whole number between 0 and 10."`,
    );
    expect(withOptions({ retries: "2" as unknown as number })).toMatchInlineSnapshot(
      `"[INVALID_OPTION] task "clean": retries "2" is not a whole number 0–10. Set retries to a whole number between 0 and 10."`,
    );
  });

  it("reject a timeout that is not a positive, finite number of seconds", () => {
    expect(withOptions({ timeout: 0 })).toMatchInlineSnapshot(
      `"[INVALID_OPTION] task "clean": timeout 0 is not a positive number of seconds. Set timeout in seconds, e.g. timeout: 300, or leave it out."`,
    );
    expect(withOptions({ timeout: -5 })).toMatchInlineSnapshot(
      `"[INVALID_OPTION] task "clean": timeout -5 is not a positive number of seconds. Set timeout in seconds, e.g. timeout: 300, or leave it out."`,
    );
    expect(withOptions({ timeout: Number.POSITIVE_INFINITY })).toMatchInlineSnapshot(
      `"[INVALID_OPTION] task "clean": timeout Infinity is not a positive number of seconds. Set timeout in seconds, e.g. timeout: 300, or leave it out."`,
    );
    expect(withOptions({ timeout: Number.NaN })).toMatchInlineSnapshot(
      `"[INVALID_OPTION] task "clean": timeout NaN is not a positive number of seconds. Set timeout in seconds, e.g. timeout: 300, or leave it out."`,
    );
    expect(withOptions({ timeout: "60" as unknown as number })).toMatchInlineSnapshot(
      `"[INVALID_OPTION] task "clean": timeout "60" is not a positive number of seconds. Set timeout in seconds, e.g. timeout: 300, or leave it out."`,
    );
  });

  it("reject a task timeout longer than its Lambda's", () => {
    expect(failure(() => lambda.task(identity, { name: "clean", timeout: 121 }))).toMatchInlineSnapshot(
      `"[INVALID_OPTION] task "clean": timeout 121 s exceeds its Lambda's timeout of 120 s. Raise provider.serverless({ timeout }) or lower the task's timeout."`,
    );
    expect(lambda.task(identity, { name: "clean", timeout: 120 }).timeout).toBe(120);
    expect(failure(() => lambda.sql("daily", "SELECT 1", { timeout: 600 }))).toMatch(
      /^\[INVALID_OPTION\] task "daily": timeout 600 s exceeds its Lambda's timeout of 120 s/,
    );
  });
});

describe("params declarations", () => {
  const declare = (params: ParamSpecs): string =>
    failure(() => local.task(identity, { name: "report", params }));

  it("are kept, frozen, on the task", () => {
    const params = { day: param.string(), limit: param.integer({ default: 10, description: "rows" }) };
    const task = local.task(identity, { name: "report", params });
    expect(task.params).toEqual({
      day: { type: "string" },
      limit: { type: "integer", default: 10, description: "rows" },
    });
    expect(Object.isFrozen(task.params)).toBe(true);
    expect(Object.isFrozen(task.params["limit"])).toBe(true);
  });

  it("reject names that cannot be --param names", () => {
    expect(declare({ "day-of-week": param.string() })).toMatchInlineSnapshot(
      `"[INVALID_PARAM] task "report": parameter name "day-of-week" is not an identifier. Use letters, digits and _ (it is set as --param name=value)."`,
    );
  });

  it("reject declarations not made with param.*()", () => {
    expect(declare({ day: "2024-01-31" as never })).toMatchInlineSnapshot(
      `"[INVALID_PARAM] task "report": parameter "day" is not declared with param.*(). Write day: param.string({ default: "…" }) (or number, integer, boolean)."`,
    );
    expect(declare({ day: { type: "date" } as never })).toMatchInlineSnapshot(
      `"[INVALID_PARAM] task "report": parameter "day" is not declared with param.*(). Write day: param.string({ default: "…" }) (or number, integer, boolean)."`,
    );
    expect(
      failure(() => local.task(identity, { name: "report", params: "day" as never })),
    ).toMatchInlineSnapshot(
      `"[INVALID_PARAM] task "report": params must be an object of name to param.string() / param.number() … Write params: { day: param.string(), limit: param.integer({ default: 10 }) }."`,
    );
  });

  it("reject a default of the wrong type or outside the choices", () => {
    expect(declare({ limit: param.integer({ default: 2.5 }) })).toMatchInlineSnapshot(
      `"[INVALID_PARAM] param "limit": the default 2.5 in task "report" is not an integer. Give a default that is an integer, or leave it out to make the parameter required."`,
    );
    expect(declare({ on: param.boolean({ default: "yes" as never }) })).toMatchInlineSnapshot(
      `"[INVALID_PARAM] param "on": the default "yes" in task "report" is not a boolean. Give a default that is a boolean, or leave it out to make the parameter required."`,
    );
    expect(
      declare({ mode: param.string({ choices: ["daily", "weekly"], default: "hourly" }) }),
    ).toMatchInlineSnapshot(
      `"[INVALID_PARAM] param "mode": the default "hourly" in task "report" is not one of daily, weekly. Give a default that is one of daily, weekly, or leave it out to make the parameter required."`,
    );
  });

  it("reject choices that are not a non-empty list of strings, or on a non-string parameter", () => {
    expect(declare({ mode: param.string({ choices: [] }) })).toMatchInlineSnapshot(
      `"[INVALID_PARAM] param "mode": choices of task "report" must be a non-empty list of strings. Write mode: param.string({ choices: ["daily", "weekly"] })."`,
    );
    expect(declare({ mode: { type: "number", choices: ["1"] } })).toMatchInlineSnapshot(
      `"[INVALID_PARAM] param "mode": only string parameters take choices; task "report" declares a number. Write mode: param.string({ choices: ["daily", "weekly"] })."`,
    );
  });
});

describe("the inputs option", () => {
  it("declares a multi-source task's inputs when its parameter is not destructured", () => {
    const join = lambda.task((inputs: Inputs<"orders" | "customers">) => inputs.orders, {
      name: "join",
      inputs: ["orders", "customers"],
    });
    expect(join.inputs).toEqual(["orders", "customers"]);
    expect(Object.isFrozen(join.inputs)).toBe(true);
  });

  it("wins over the names read from a destructured parameter", () => {
    const join = lambda.task(({ a }: Inputs<"a">) => a, { name: "join", inputs: ["left"] });
    expect(join.inputs).toEqual(["left"]);
  });

  it("is available to SQL tasks, whose tables it names", () => {
    expect(spark.sql("join", "SELECT * FROM a JOIN b USING (id)", { inputs: ["a", "b"] }).inputs).toEqual([
      "a",
      "b",
    ]);
  });

  it("must be a non-empty list of names", () => {
    expect(withOptions({ inputs: [] })).toMatchInlineSnapshot(
      `"[INVALID_OPTION] task "clean": inputs must be a non-empty list of input names. Write inputs: ["orders", "customers"], matching the Pipeline({ … }) keys."`,
    );
    expect(withOptions({ inputs: ["orders", ""] })).toMatch(
      /^\[INVALID_OPTION\] task "clean": inputs must be/,
    );
    expect(withOptions({ inputs: "orders" as never })).toMatch(
      /^\[INVALID_OPTION\] task "clean": inputs must be/,
    );
  });
});

describe("codeHash", () => {
  it("is a 16-hex fingerprint of the function's source", () => {
    const task = local.task(compiled("function clean(df) { return df.head(10); }"));
    expect(task.codeHash).toMatch(/^[0-9a-f]{16}$/);
    expect(task.codeHash).toMatchInlineSnapshot(`"3c92a2313ec54493"`);
  });

  it("is equal for the same code, whatever the function value or options", () => {
    const source = "function clean(df) { return df.head(10); }";
    const a = local.task(compiled(source));
    const b = lambda.task(compiled(source), { retries: 3 });
    expect(a.fn).not.toBe(b.fn);
    expect(a.codeHash).toBe(b.codeHash);
  });

  it("changes with any change to the code", () => {
    const hashes = [
      "function clean(df) { return df.head(10); }",
      "function clean(df) { return df.head(11); }",
      "function clean(df) { return df.head(10) }",
      "function clean(frame) { return frame.head(10); }",
    ].map((source) => local.task(compiled(source)).codeHash);
    expect(new Set(hashes).size).toBe(hashes.length);
  });

  it("of a SQL task is the fingerprint of its query", () => {
    const a = spark.sql("daily", "SELECT day, SUM(amount) FROM input GROUP BY day");
    const b = lambda.sql("daily_v2", "SELECT day, SUM(amount) FROM input GROUP BY day");
    const c = spark.sql("daily", "SELECT day, SUM(amount) AS total FROM input GROUP BY day");
    expect(a.codeHash).toBe(b.codeHash);
    expect(a.codeHash).not.toBe(c.codeHash);
    expect(a.codeHash).toMatchInlineSnapshot(`"8f03cf0d604430b2"`);
  });
});

describe("task nodes", () => {
  it("are frozen and keep the function for interpreters", () => {
    const fn = compiled("function clean(df) { return df; }");
    const task = local.task(fn, { params: { n: param.number({ default: 1 }) } });
    expect(Object.isFrozen(task)).toBe(true);
    expect(task.fn).toBe(fn);
    expect(() => {
      (task as { retries: number }).retries = 5;
    }).toThrow(TypeError);
  });

  it("drop the function in JSON and keep the fingerprint", () => {
    const task = lambda.task(compiled("function clean(df) { return df; }"));
    const json = JSON.parse(JSON.stringify(task)) as Record<string, unknown>;
    expect(json).not.toHaveProperty("fn");
    expect(json["codeHash"]).toBe(task.codeHash);
    expect(json["executor"]).toEqual(lambda.node);
  });
});

describe("sql tasks", () => {
  it("record the query, the name and no function", () => {
    const daily = spark.sql("daily", "SELECT day, SUM(amount) AS total FROM input GROUP BY day", {
      description: "Revenue per day",
      retries: 1,
    });
    expect(daily).toMatchObject({
      kind: "task",
      name: "daily",
      language: "sql",
      sql: "SELECT day, SUM(amount) AS total FROM input GROUP BY day",
      description: "Revenue per day",
      retries: 1,
      inputs: null,
      executor: spark.node,
    });
    expect(daily).not.toHaveProperty("fn");
  });

  it("reject an empty query", () => {
    expect(failure(() => spark.sql("daily", ""))).toMatchInlineSnapshot(
      `"[INVALID_TASK] task "daily": the SQL query is empty. Pass the query as the second argument of sql(name, query)."`,
    );
    expect(failure(() => spark.sql("daily", " \n\t "))).toMatch(
      /^\[INVALID_TASK\] task "daily": the SQL query is empty/,
    );
    expect(failure(() => spark.sql("daily", undefined as never))).toMatch(/^\[INVALID_TASK\]/);
  });

  it("reject an invalid name", () => {
    expect(failure(() => spark.sql("daily report", "SELECT 1"))).toMatchInlineSnapshot(
      `"[INVALID_TASK] task "daily report": this name is not valid. Use a letter first, then letters, digits, _ or -, at most 64 characters."`,
    );
    expect(failure(() => spark.sql("", "SELECT 1"))).toMatchInlineSnapshot(
      `"[INVALID_TASK] task "(anonymous)": the task has no name. Name it: sql("daily", query)."`,
    );
  });

  it("declare params like Polars tasks", () => {
    const q = lambda.sql("top", "SELECT * FROM input LIMIT 10", {
      params: { n: param.integer({ default: 10 }) },
    });
    expect(q.params).toEqual({ n: { type: "integer", default: 10 } });
  });
});
