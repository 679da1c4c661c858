import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import pl from "nodejs-polars";
import { LineageGraph, Pipeline, runGraph } from "@glacier/core";
import { polarsColumnLineage, type ColumnLineage } from "@glacier/engine";
import { openLineageProblems } from "../../engine/test/fixtures/openlineage/validate-openlineage.js";
import { testProject, type TestProject } from "./fixtures/project.js";

let project: TestProject;
afterEach(() => project?.cleanup());

interface Event {
  eventType: string;
  job: { name: string };
  inputs: { namespace: string; name: string }[];
  outputs: { facets?: Record<string, Record<string, unknown>> }[];
}

function eventsOf(recordPath: string): Event[] {
  return readFileSync(join(recordPath, "openlineage.jsonl"), "utf8")
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line) as Event);
}

function writeInputs(p: TestProject): void {
  p.write(
    "acme",
    "raw/orders.parquet",
    pl.DataFrame({
      id: pl.Series("id", [1, 2, 3, 4]).cast(pl.Int64),
      cid: pl.Series("cid", [1, 1, 2, 2]).cast(pl.Int64),
      amount: pl.Series("amount", [10, 20, 30, -5]).cast(pl.Float64),
    }),
  );
  p.write(
    "acme",
    "raw/customers.parquet",
    pl.DataFrame({ id: pl.Series("id", [1, 2]).cast(pl.Int64), region: ["north", "south"] }),
  );
}

type Frames = { orders: pl.LazyDataFrame; customers: pl.LazyDataFrame };

/** Polars function steps over `orders` (and `customers`): four whose lineage is derived, three that omit it. */
function pipelines(p: TestProject) {
  const local = p.provider.local();
  const orders = p.provider.bucket({ bucket: "acme", path: "raw/orders.parquet" });
  const customers = p.provider.bucket({ bucket: "acme", path: "raw/customers.parquet" });
  const out = (name: string) => p.provider.bucket({ bucket: "acme", path: `out/${name}.parquet` });
  const steps = {
    picked: (df: pl.LazyDataFrame) => df.select(pl.col("id"), pl.col("amount")).rename({ amount: "value" }),
    scored: (df: pl.LazyDataFrame) => df.withColumns(pl.col("amount").mul(pl.col("cid")).alias("weighted")),
    perCustomer: (df: pl.LazyDataFrame) =>
      df
        .filter(pl.col("amount").gt(0))
        .groupBy("cid")
        .agg(pl.col("amount").sum().alias("total"), pl.len())
        .sort("cid"),
    // Unknown expression: a window.
    windowed: (df: pl.LazyDataFrame) =>
      df.select(pl.col("id"), pl.col("amount").sum().over("cid").alias("cidTotal")),
    // Unknown plan node: a row index.
    numbered: (df: pl.LazyDataFrame) => df.withRowIndex("n"),
    // A source that is not an input: a frame built in memory.
    tiered: (df: pl.LazyDataFrame) =>
      df.join(
        pl.DataFrame({ cid: pl.Series("cid", [1, 2]).cast(pl.Int64), tier: ["gold", "silver"] }).lazy(),
        { on: "cid" },
      ),
  };
  const single = Object.entries(steps).map(([name, fn]) =>
    orders.transform(local.task(fn, { name })).to(out(name)),
  );
  const joined = local.task(
    ({ orders, customers }: Frames) =>
      orders
        .join(customers, { leftOn: "cid", rightOn: "id" })
        .select(pl.col("id"), pl.col("region"), pl.col("amount")),
    { name: "joined" },
  );
  return LineageGraph.from([...single, Pipeline({ orders, customers }).transform(joined).to(out("joined"))]);
}

describe("column lineage of Polars function tasks, from their plans", () => {
  it("COMPLETE carries each output column's input fields, or no facet when the plan cannot be followed", async () => {
    project = testProject("glacier-plan-lineage-");
    writeInputs(project);
    const result = await runGraph(pipelines(project), { mode: "local", projectDir: project.dir });
    expect(result.status).toBe("succeeded");
    const events = eventsOf(result.recordPath as string);
    for (const event of events) expect(openLineageProblems(event)).toEqual([]);

    const ns = events.find((e) => e.inputs.length > 0)?.inputs[0]?.namespace as string;
    expect(ns).toMatch(/^file:\/\//);
    const o = project.path("acme", "raw/orders.parquet");
    const c = project.path("acme", "raw/customers.parquet");
    const edge = (name: string, field: string, type: string, subtype: string) => ({
      namespace: ns,
      name,
      field,
      transformations: [{ type, subtype }],
    });
    const lineageOf = (step: string) => {
      const done = events.find((e) => e.eventType === "COMPLETE" && e.job.name.startsWith(`${step}->`));
      expect(done, step).toBeDefined();
      return done?.outputs[0]?.facets?.["columnLineage"];
    };
    // START never carries it: the plan is known once the task has run.
    for (const start of events.filter((e) => e.eventType === "START")) {
      expect(start.outputs[0]?.facets?.["columnLineage"]).toBeUndefined();
    }

    expect(lineageOf("picked")).toMatchObject({
      fields: {
        id: { inputFields: [edge(o, "id", "DIRECT", "IDENTITY")] },
        value: { inputFields: [edge(o, "amount", "DIRECT", "IDENTITY")] },
      },
      dataset: [],
    });
    expect(lineageOf("scored")).toMatchObject({
      fields: {
        id: { inputFields: [edge(o, "id", "DIRECT", "IDENTITY")] },
        cid: { inputFields: [edge(o, "cid", "DIRECT", "IDENTITY")] },
        amount: { inputFields: [edge(o, "amount", "DIRECT", "IDENTITY")] },
        weighted: {
          inputFields: [
            edge(o, "amount", "DIRECT", "TRANSFORMATION"),
            edge(o, "cid", "DIRECT", "TRANSFORMATION"),
          ],
        },
      },
      dataset: [],
    });
    expect(lineageOf("perCustomer")).toMatchObject({
      fields: {
        cid: { inputFields: [edge(o, "cid", "DIRECT", "IDENTITY")] },
        total: { inputFields: [edge(o, "amount", "DIRECT", "AGGREGATION")] },
        len: { inputFields: [] },
      },
      dataset: [
        edge(o, "amount", "INDIRECT", "FILTER"),
        edge(o, "cid", "INDIRECT", "GROUP_BY"),
        edge(o, "cid", "INDIRECT", "SORT"),
      ],
    });
    expect(lineageOf("joined")).toMatchObject({
      fields: {
        id: { inputFields: [edge(o, "id", "DIRECT", "IDENTITY")] },
        region: { inputFields: [edge(c, "region", "DIRECT", "IDENTITY")] },
        amount: { inputFields: [edge(o, "amount", "DIRECT", "IDENTITY")] },
      },
      dataset: [edge(o, "cid", "INDIRECT", "JOIN"), edge(c, "id", "INDIRECT", "JOIN")],
    });
    // The facet names exactly the columns written, in their order.
    expect(Object.keys(lineageOf("joined")?.["fields"] as object)).toEqual(
      project.read("acme", "out/joined.parquet").columns,
    );

    for (const omitted of ["windowed", "numbered", "tiered"]) {
      expect(lineageOf(omitted), omitted).toBeUndefined();
    }
    // They ran all the same.
    expect(project.read("acme", "out/numbered.parquet").columns).toEqual(["n", "id", "cid", "amount"]);
  });
});

/** The lineage of `result` over frames `a` and `b` (scans of real Parquet files), the way the local driver asks. */
function lineage(
  result: pl.LazyDataFrame,
  inputs: Record<string, pl.LazyDataFrame>,
): ColumnLineage | undefined {
  const columns = result.columns;
  const derived = polarsColumnLineage(
    JSON.parse(result.serialize("json").toString()),
    Object.entries(inputs).map(([name, frame]) => ({
      plan: JSON.parse(frame.serialize("json").toString()),
      columns: frame.columns,
      namespace: "file://test",
      name,
    })),
  );
  if (derived) expect(Object.keys(derived.fields)).toEqual(columns);
  return derived;
}

/** `out<-[dataset.field:SUBTYPE,…]` per column, then the dataset-level fields. */
function brief(l: ColumnLineage | undefined): string | undefined {
  if (l === undefined) return undefined;
  const f = (x: ColumnLineage["dataset"][number]) => `${x.name}.${x.field}:${x.transformations[0]?.subtype}`;
  return [
    ...Object.entries(l.fields).map(([k, v]) => `${k}<-[${v.inputFields.map(f).join(",")}]`),
    `| ${l.dataset.map(f).join(",")}`,
  ].join(" ");
}

describe("polarsColumnLineage on nodejs-polars 0.26 plans", () => {
  function frames() {
    project = testProject("glacier-plan-lineage-");
    writeInputs(project);
    const a = pl.scanParquet(project.path("acme", "raw/orders.parquet"));
    const b = pl.scanParquet(project.path("acme", "raw/customers.parquet"));
    return { a, b };
  }

  it("follows the plan nodes and expressions it knows", () => {
    const { a, b } = frames();
    const cases: [pl.LazyDataFrame, string][] = [
      [a.select(pl.col("id").cast(pl.Float64)), "id<-[a.id:TRANSFORMATION] | "],
      [a.drop("cid"), "id<-[a.id:IDENTITY] amount<-[a.amount:IDENTITY] | "],
      [a.sort("amount").head(2).select("id"), "id<-[a.id:IDENTITY] | a.amount:SORT"],
      [a.select(pl.all().sortBy(["amount"], [true])).select("id"), "id<-[a.id:IDENTITY] | a.amount:SORT"],
      [a.unique({ subset: ["cid"] }).select("cid"), "cid<-[a.cid:IDENTITY] | a.cid:GROUP_BY"],
      [
        a.select(pl.when(pl.col("amount").gt(0)).then(pl.col("id")).otherwise(pl.lit(0)).alias("w")),
        "w<-[a.id:TRANSFORMATION,a.amount:TRANSFORMATION] | ",
      ],
      [
        a.select("cid", "amount").groupBy("cid").agg(pl.all().max()),
        "cid<-[a.cid:IDENTITY] amount<-[a.amount:AGGREGATION] | a.cid:GROUP_BY",
      ],
      [pl.concat([a, a], { how: "vertical" }).select("id"), "id<-[a.id:IDENTITY] | "],
      [
        a.join(b, { leftOn: "cid", rightOn: "id", how: "semi" }).select("id"),
        "id<-[a.id:IDENTITY] | a.cid:JOIN,b.id:JOIN",
      ],
      // Both inputs hold `id`: the right one is suffixed, as polars names it.
      [
        a.join(b.withColumns(pl.col("id").alias("cid")), { on: "cid", how: "left" }).select("idright"),
        "idright<-[b.id:IDENTITY] | a.cid:JOIN,b.id:JOIN",
      ],
      [
        pl.SQLContext({ a }).execute("SELECT id, amount * 2 AS doubled FROM a WHERE cid = 1"),
        "id<-[a.id:IDENTITY] doubled<-[a.amount:TRANSFORMATION] | a.cid:FILTER",
      ],
    ];
    for (const [result, expected] of cases) expect(brief(lineage(result, { a, b }))).toBe(expected);
  });

  it("gives nothing for what it does not know, or a source that is not an input", () => {
    const { a, b } = frames();
    const other = pl.scanParquet(project.path("acme", "raw/customers.parquet"), { rechunk: true });
    const cases: [string, pl.LazyDataFrame][] = [
      ["window", a.select(pl.col("amount").sum().over("cid"))],
      ["regex selector", a.select(pl.col("^i.*$"))],
      ["explode", a.select(pl.col("id").implode()).explode("id")],
      ["row index", a.withRowIndex("n")],
      ["name suffix", a.select(pl.col("id").suffix("_x"))],
      ["full join", a.join(b, { leftOn: "cid", rightOn: "id", how: "full" })],
      [
        "in-memory frame",
        a.join(pl.DataFrame({ cid: pl.Series("cid", [1]).cast(pl.Int64) }).lazy(), { on: "cid" }),
      ],
      ["a scan the task opened itself", a.join(other, { leftOn: "cid", rightOn: "id" })],
      ["an input missing from the list", a.join(b, { leftOn: "cid", rightOn: "id" })],
    ];
    for (const [what, result] of cases) {
      const inputs = what === "an input missing from the list" ? { a } : { a, b };
      expect(lineage(result, inputs), what).toBeUndefined();
    }
    // A plan laid out differently (another polars version) is not guessed at either.
    expect(polarsColumnLineage({ Select: { exprs: [], input: {} } }, [])).toBeUndefined();
    expect(polarsColumnLineage("not a plan", [])).toBeUndefined();
  });
});
