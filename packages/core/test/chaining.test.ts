import type { LazyDataFrame } from "nodejs-polars";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { type Bucket, type Inputs, isBucket, Pipeline, Provider } from "@glacier/core";
import { stepInputs } from "@glacier/core/internal";
import { failure } from "./support.js";

const provider = new Provider({ cloud: "aws", region: "eu-west-1" });
const lambda = provider.serverless({ memory: 2048 });
const local = provider.local();
const at = (path: string): Bucket => provider.bucket({ bucket: "acme-data", path });

const raw = at("raw/sales.parquet");
const cleaned = at("clean/sales.parquet");
const daily = at("reports/daily.parquet");
const orders = at("raw/orders.parquet");
const customers = at("raw/customers.parquet");
const joined = at("joined/orders.parquet");

const clean = lambda.task(function clean(df: LazyDataFrame) {
  return df;
});
const summarise = local.task(function summarise(df: LazyDataFrame) {
  return df;
});
const join = lambda.task(function join({ orders, customers }: Inputs<"orders" | "customers">) {
  return orders.join(customers, { on: "id" });
});

const HERE = fileURLToPath(import.meta.url);

/** Passes a task the way a JavaScript caller can, past the compile-time check. */
const untyped = (task: object): never => task as never;

/** Every value in a JSON tree that is a function (there must be none after a JSON round trip). */
function functionsIn(value: unknown): number {
  if (typeof value === "function") return 1;
  if (typeof value !== "object" || value === null) return 0;
  return Object.values(value).reduce((n: number, v) => n + functionsIn(v), 0);
}

describe(".transform(task).to(target)", () => {
  it("returns a new Bucket and leaves the target value unchanged", () => {
    const produced = raw.transform(clean).to(cleaned);
    expect(isBucket(produced)).toBe(true);
    expect(produced).not.toBe(cleaned);
    expect(produced.node).toBe(cleaned.node);
    expect(cleaned.lineage).toEqual([]);
    expect(raw.lineage).toEqual([]);
    expect(produced.lineage).toHaveLength(1);
  });

  it("records a step with a stable id, the task, both buckets and where .to( was called", () => {
    const [step] = raw.transform(clean).to(cleaned).lineage;
    expect(step).toEqual({
      kind: "step",
      id: "clean->acme-data/clean/sales.parquet",
      name: "clean",
      task: clean,
      input: { kind: "single", bucket: raw.node },
      output: cleaned.node,
      definedAt: { file: HERE, line: 54, column: 41 },
    });
    expect(stepInputs(step!)).toEqual([["input", raw.node]]);
  });

  it("continues chains, upstream steps first", () => {
    const report = raw.transform(clean).to(cleaned).transform(summarise).to(daily);
    expect(report.lineage.map((s) => s.id)).toEqual([
      "clean->acme-data/clean/sales.parquet",
      "summarise->acme-data/reports/daily.parquet",
    ]);
    expect(report.lineage[1]?.input).toEqual({ kind: "single", bucket: cleaned.node });
  });

  it("lets two pipelines branch from one bucket without touching each other", () => {
    const base = raw.transform(clean).to(cleaned);
    const left = base.transform(summarise).to(daily);
    const right = base
      .transform(lambda.task((df: LazyDataFrame) => df, { name: "audit" }))
      .to(at("audit.parquet"));
    expect(base.lineage.map((s) => s.name)).toEqual(["clean"]);
    expect(left.lineage.map((s) => s.name)).toEqual(["clean", "summarise"]);
    expect(right.lineage.map((s) => s.name)).toEqual(["clean", "audit"]);
    expect(left.lineage[0]).toBe(right.lineage[0]);
  });

  it("keeps a pending transform reusable: each .to() records its own step", () => {
    const pending = raw.transform(clean);
    const a = pending.to(cleaned);
    const b = pending.to(at("clean/other.parquet"));
    expect(a.lineage.map((s) => s.output.id)).toEqual(["acme-data/clean/sales.parquet"]);
    expect(b.lineage.map((s) => s.output.id)).toEqual(["acme-data/clean/other.parquet"]);
  });
});

describe("withName", () => {
  it("returns a new named Bucket with the same node and lineage", () => {
    const produced = raw.transform(clean).to(cleaned);
    const named = produced.withName("sales", "Daily sales");
    expect(named).not.toBe(produced);
    expect(named.pipeline).toEqual({ name: "sales", description: "Daily sales" });
    expect(produced.pipeline).toBeUndefined();
    expect(named.node).toBe(produced.node);
    expect(named.lineage).toBe(produced.lineage);
    expect(named.withName("renamed").pipeline).toEqual({ name: "renamed" });
    expect(named.pipeline).toEqual({ name: "sales", description: "Daily sales" });
  });

  it("rejects names that cannot be --pipeline names", () => {
    const produced = raw.transform(clean).to(cleaned);
    expect(failure(() => produced.withName("daily sales"))).toMatchInlineSnapshot(
      `"[INVALID_NAME] bucket "acme-data/clean/sales.parquet": pipeline name "daily sales" is not valid. Use a letter first, then letters, digits, _ or -, at most 64 characters."`,
    );
    expect(failure(() => produced.withName(""))).toMatch(
      /^\[INVALID_NAME\] bucket "acme-data\/clean\/sales.parquet"/,
    );
    expect(failure(() => produced.withName(42 as unknown as string))).toMatch(
      /pipeline name 42 is not valid/,
    );
  });
});

describe("lineage", () => {
  const report = raw.transform(clean).to(cleaned).transform(summarise).to(daily).withName("sales");

  it("is frozen data", () => {
    expect(Object.isFrozen(report.lineage)).toBe(true);
    for (const step of report.lineage) {
      expect(Object.isFrozen(step)).toBe(true);
      expect(Object.isFrozen(step.task)).toBe(true);
      expect(Object.isFrozen(step.input)).toBe(true);
    }
    expect(() => (report.lineage as unknown[]).push({})).toThrow(TypeError);
    expect(() => {
      (report.lineage[0] as { name: string }).name = "other";
    }).toThrow(TypeError);
    expect(report.lineage[0]?.name).toBe("clean");
  });

  it("survives a JSON round trip without functions and with each task's codeHash", () => {
    const json = JSON.parse(JSON.stringify(report.lineage)) as { task: { codeHash: string } }[];
    expect(functionsIn(json)).toBe(0);
    expect(json.map((s) => s.task.codeHash)).toEqual([clean.codeHash, summarise.codeHash]);
    const { fn: _cleanFn, ...cleanNode } = clean;
    expect(json[0]).toEqual({
      kind: "step",
      id: "clean->acme-data/clean/sales.parquet",
      name: "clean",
      task: cleanNode,
      input: { kind: "single", bucket: raw.node },
      output: cleaned.node,
      definedAt: report.lineage[0]?.definedAt,
    });
    expect(json[0]?.task).toMatchObject({ definedAt: { file: HERE, line: 20, column: 22 } });
  });

  it("is part of the bucket's JSON with its node and pipeline", () => {
    const json = JSON.parse(JSON.stringify(report)) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(["node", "pipeline", "lineage"]);
    expect(json["pipeline"]).toEqual({ name: "sales" });
    expect(functionsIn(json)).toBe(0);
  });
});

describe(".to() errors", () => {
  it("rejects a target that is not a bucket", () => {
    expect(
      failure(() => raw.transform(clean).to({ node: cleaned.node } as unknown as Bucket)),
    ).toMatchInlineSnapshot(
      `"[INVALID_TARGET] task "clean": .to() takes a bucket, got object. Pass a bucket made by provider.bucket({ bucket, path })."`,
    );
    expect(failure(() => raw.transform(clean).to(null as unknown as Bucket))).toMatch(/got null/);
  });

  it("rejects a glob target, which names no single place to write", () => {
    expect(failure(() => raw.transform(clean).to(at("clean/*.parquet")))).toMatchInlineSnapshot(
      `"[INVALID_TARGET] bucket "acme-data/clean/*.parquet": cannot write step "clean" to the glob "clean/*.parquet". Write to one file (e.g. "clean/sales.parquet") or a directory dataset ending in "/"."`,
    );
    expect(
      raw.transform(clean).to(provider.bucket({ bucket: "acme-data", path: "clean/", format: "parquet" }))
        .lineage,
    ).toHaveLength(1);
  });

  it("rejects writing the location a step reads, even through another Bucket value", () => {
    expect(failure(() => raw.transform(clean).to(raw))).toMatchInlineSnapshot(
      `"[CYCLE] bucket "acme-data/raw/sales.parquet": step "clean" reads and writes the same location. Write the result to another bucket path."`,
    );
    expect(failure(() => raw.transform(clean).to(at("raw/sales.parquet")))).toMatch(/^\[CYCLE\]/);
    expect(
      failure(() => Pipeline({ orders, customers }).transform(join).to(customers)),
    ).toMatchInlineSnapshot(
      `"[CYCLE] bucket "acme-data/raw/customers.parquet": step "join" reads and writes the same location (input "customers"). Write the result to another bucket path."`,
    );
  });

  it("records nothing when it fails", () => {
    const base = raw.transform(clean).to(cleaned);
    expect(() => base.transform(summarise).to(base)).toThrow();
    expect(base.lineage.map((s) => s.name)).toEqual(["clean"]);
    expect(raw.lineage).toEqual([]);
  });
});

describe("transform() input checks", () => {
  it("rejects a multi-source task given a single bucket (JavaScript callers)", () => {
    expect(failure(() => orders.transform(untyped(join)))).toMatchInlineSnapshot(
      `"[INPUT_MISMATCH] task "join": the task takes named inputs { orders, customers } but was given the single bucket "acme-data/raw/orders.parquet". Use Pipeline({ orders, customers }).transform(join).to(…), or give the task one frame parameter."`,
    );
  });

  it("rejects a SQL task with declared inputs given a single bucket", () => {
    const sqlJoin = lambda.sql("sqlJoin", "SELECT * FROM orders JOIN customers USING (id)", {
      inputs: ["orders", "customers"],
    });
    expect(failure(() => orders.transform(sqlJoin))).toMatch(
      /^\[INPUT_MISMATCH\] task "sqlJoin": the task takes named inputs \{ orders, customers \}/,
    );
    expect(Pipeline({ orders, customers }).transform(sqlJoin).to(joined).lineage).toHaveLength(1);
  });

  it("rejects something that is not a task", () => {
    expect(failure(() => raw.transform({ name: "clean" } as never))).toMatchInlineSnapshot(
      `"[INVALID_TASK] transform() takes a task, got object. Create tasks with executor.task(fn) or executor.sql(name, query)."`,
    );
    expect(failure(() => Pipeline({ orders }).transform(null as never))).toMatchInlineSnapshot(
      `"[INVALID_TASK] transform() takes a task. Create tasks with executor.task(fn) or executor.sql(name, query)."`,
    );
  });
});

describe("Pipeline({ … })", () => {
  it("records a multi-source step and returns a Bucket that chains on", () => {
    const report = Pipeline({ orders, customers }).transform(join).to(joined).transform(summarise).to(daily);
    const [step, next] = report.lineage;
    expect(step?.input).toEqual({
      kind: "multi",
      buckets: { orders: orders.node, customers: customers.node },
    });
    expect(stepInputs(step!)).toEqual([
      ["orders", orders.node],
      ["customers", customers.node],
    ]);
    expect(next?.input).toEqual({ kind: "single", bucket: joined.node });
  });

  it("keeps its keys in the order written", () => {
    expect(Pipeline({ customers, orders }).keys).toEqual(["customers", "orders"]);
  });

  it("merges the inputs' lineages, keeping a shared upstream step once", () => {
    const base = raw.transform(clean).to(cleaned);
    const left = base.transform(summarise).to(at("left.parquet"));
    const right = base
      .transform(lambda.task((df: LazyDataFrame) => df, { name: "other" }))
      .to(at("right.parquet"));
    const both = lambda.task(function both({ left, right }: Inputs<"left" | "right">) {
      return left.join(right, { on: "id" });
    });
    const merged = Pipeline({ left, right }).transform(both).to(joined);
    expect(merged.lineage.map((s) => s.name)).toEqual(["clean", "summarise", "other", "both"]);
  });

  it("accepts a task whose input names it cannot read, and SQL tasks", () => {
    const opaque = lambda.task((inputs: Inputs<"orders" | "customers">) => inputs.orders, { name: "opaque" });
    expect(Pipeline({ orders, customers }).transform(opaque).to(joined).lineage).toHaveLength(1);
    const sql = lambda.sql("sqlJoin", "SELECT * FROM orders JOIN customers USING (id)");
    expect(Pipeline({ orders, customers }).transform(sql).to(joined).lineage).toHaveLength(1);
  });

  it("rejects a task whose input names differ from the keys (missing and extra)", () => {
    const products = at("raw/products.parquet");
    expect(failure(() => Pipeline({ orders, products }).transform(untyped(join)))).toMatchInlineSnapshot(
      `"[INPUT_MISMATCH] task "join": the task takes { orders, customers } but the Pipeline gives { orders, products }; the task does not take products; the Pipeline does not give customers. Name the task's parameters exactly as the Pipeline({ … }) keys."`,
    );
    expect(failure(() => Pipeline({ orders }).transform(untyped(join)))).toMatchInlineSnapshot(
      `"[INPUT_MISMATCH] task "join": the task takes { orders, customers } but the Pipeline gives { orders }; the Pipeline does not give customers. Name the task's parameters exactly as the Pipeline({ … }) keys."`,
    );
    expect(
      failure(() => Pipeline({ orders, customers, products }).transform(untyped(join))),
    ).toMatchInlineSnapshot(
      `"[INPUT_MISMATCH] task "join": the task takes { orders, customers } but the Pipeline gives { orders, customers, products }; the task does not take products. Name the task's parameters exactly as the Pipeline({ … }) keys."`,
    );
  });

  it("rejects no inputs", () => {
    expect(failure(() => Pipeline({}))).toMatchInlineSnapshot(
      `"[EMPTY_PIPELINE] Pipeline({}) has no inputs. Name the buckets to join: Pipeline({ orders, customers })."`,
    );
    expect(failure(() => Pipeline(null as never))).toMatch(/^\[EMPTY_PIPELINE\]/);
  });

  it("rejects an input that is not a bucket", () => {
    expect(
      failure(() => Pipeline({ orders, customers: "raw/customers.parquet" as unknown as Bucket })),
    ).toMatchInlineSnapshot(
      `"[INVALID_BUCKET] Pipeline input "customers" is not a bucket (got string). Pass buckets made by provider.bucket({ … }) or by .to(…)."`,
    );
    expect(failure(() => Pipeline({ orders, customers: customers.node as unknown as Bucket }))).toMatch(
      /got object/,
    );
  });

  it("rejects keys that cannot be parameter and table names", () => {
    expect(failure(() => Pipeline({ "order-lines": orders }))).toMatchInlineSnapshot(
      `"[INVALID_NAME] Pipeline input key "order-lines" is not an identifier. Keys become parameter and SQL table names: use letters, digits and _."`,
    );
    expect(failure(() => Pipeline({ "1st": orders }))).toMatch(/^\[INVALID_NAME\]/);
    expect(failure(() => Pipeline([orders, customers] as never))).toMatch(
      /^\[INVALID_NAME\] Pipeline input key "0"/,
    );
  });

  it("is frozen and does not see later changes to the object it was given", () => {
    const inputs: Record<string, Bucket> = { orders, customers };
    const multi = Pipeline(inputs);
    inputs["extra"] = raw;
    expect(Object.isFrozen(multi)).toBe(true);
    expect(multi.keys).toEqual(["orders", "customers"]);
  });
});
