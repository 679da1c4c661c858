import type { LazyDataFrame } from "nodejs-polars";
import { describe, expect, it } from "vitest";
import {
  type Bucket,
  type Executor,
  GlacierError,
  type Inputs,
  LineageGraph,
  type LocalExecutorNode,
  Pipeline,
  Provider,
  type ServerlessExecutorNode,
  type StepNode,
  type TaskFunction,
  visualize,
} from "@glacier/core";
import { failure } from "./support.js";

const provider = new Provider({ cloud: "aws", region: "eu-west-1" });
const lambda = provider.serverless();
const local = provider.local();
const at = (path: string, extra: { schema?: { id: "int64" }; external?: boolean } = {}): Bucket =>
  provider.bucket({ bucket: "acme-data", path, ...extra });
const task = (name: string, executor: Executor<LocalExecutorNode | ServerlessExecutorNode> = local) =>
  executor.task((df: LazyDataFrame) => df, { name });
const names = (steps: readonly StepNode[]): string[] => steps.map((s) => s.name);

const clean = task("clean", lambda);
const report = task("report");
const audit = task("audit");

/** cleaning: raw → clean.parquet; reporting reads clean.parquet through its own Bucket value. */
const raw = at("raw/sales.parquet");
const cleaning = raw.transform(clean).to(at("clean/sales.parquet")).withName("cleaning");
const reporting = at("clean/sales.parquet")
  .transform(report)
  .to(at("reports/daily.parquet"))
  .withName("reporting");
const auditing = at("clean/sales.parquet")
  .transform(audit)
  .to(at("audit/sales.parquet"))
  .withName("auditing");

describe("one graph keyed by location", () => {
  const graph = LineageGraph.from({ reporting, cleaning, auditing });

  it("connects a pipeline that reads what another writes, through different Bucket values", () => {
    expect(names(graph.dependenciesOf("report"))).toEqual(["clean"]);
    expect(names(graph.consumersOf("clean"))).toEqual(["audit", "report"]);
    expect(names(graph.executionOrder())).toEqual(["clean", "audit", "report"]);
  });

  it("lists every step once, sorted by id, and every location once", () => {
    expect(graph.steps.map((s) => s.id)).toEqual([
      "audit->acme-data/audit/sales.parquet",
      "clean->acme-data/clean/sales.parquet",
      "report->acme-data/reports/daily.parquet",
    ]);
    expect(graph.buckets.map((b) => b.id)).toEqual([
      "acme-data/audit/sales.parquet",
      "acme-data/clean/sales.parquet",
      "acme-data/raw/sales.parquet",
      "acme-data/reports/daily.parquet",
    ]);
  });

  it("names pipelines by withName and lists each with the upstream steps it needs", () => {
    expect(graph.pipelines.map((p) => [p.name, p.steps, p.target.id])).toEqual([
      [
        "auditing",
        ["clean->acme-data/clean/sales.parquet", "audit->acme-data/audit/sales.parquet"],
        "acme-data/audit/sales.parquet",
      ],
      ["cleaning", ["clean->acme-data/clean/sales.parquet"], "acme-data/clean/sales.parquet"],
      [
        "reporting",
        ["clean->acme-data/clean/sales.parquet", "report->acme-data/reports/daily.parquet"],
        "acme-data/reports/daily.parquet",
      ],
    ]);
    expect(graph.pipeline("reporting").name).toBe("reporting");
    expect(failure(() => graph.pipeline("nightly"))).toMatchInlineSnapshot(
      `"[UNKNOWN_PIPELINE] pipeline "nightly": no pipeline has this name. Pipelines: auditing, cleaning, reporting."`,
    );
  });

  it("names unnamed pipelines by export name, else by target id, and skips buckets without lineage", () => {
    const unnamed = raw.transform(clean).to(at("clean/sales.parquet"));
    expect(
      LineageGraph.from({ cleanedSales: unnamed, raw, provider: provider as never }).pipelines.map(
        (p) => p.name,
      ),
    ).toEqual(["cleanedSales"]);
    expect(LineageGraph.from([unnamed]).pipelines.map((p) => p.name)).toEqual([
      "acme-data/clean/sales.parquet",
    ]);
    expect(LineageGraph.from(unnamed).pipelines).toHaveLength(1);
    expect(LineageGraph.from({ raw }).pipelines).toEqual([]);
    expect(LineageGraph.from({ raw }).buckets.map((b) => b.id)).toEqual(["acme-data/raw/sales.parquet"]);
    expect(LineageGraph.from([unnamed, "not a bucket" as never]).pipelines).toHaveLength(1);
  });

  it("is frozen", () => {
    expect(Object.isFrozen(graph)).toBe(true);
    expect(Object.isFrozen(graph.steps)).toBe(true);
    expect(Object.isFrozen(graph.buckets)).toBe(true);
    expect(Object.isFrozen(graph.pipelines)).toBe(true);
    expect(Object.isFrozen(graph.pipelines[0])).toBe(true);
  });
});

describe("ordering", () => {
  // a → b → d, a → c → d (a diamond), plus an unrelated e.
  const a = at("a.parquet").transform(task("s1")).to(at("b.parquet"));
  const b = a.transform(task("s2")).to(at("c.parquet"));
  const c = a.transform(task("s3")).to(at("d.parquet"));
  const both = local.task(function s4({ left, right }: Inputs<"left" | "right">) {
    return left.join(right, { on: "id" });
  });
  const d = Pipeline({ left: b, right: c }).transform(both).to(at("e.parquet"));
  const e = at("x.parquet").transform(task("s0")).to(at("y.parquet"));

  it("runs dependencies first, ties broken by id, whatever order the pipelines are given in", () => {
    const orders = [
      LineageGraph.from([d, e]),
      LineageGraph.from([e, d]),
      LineageGraph.from({ z: d, a: e }),
      LineageGraph.from([e, c, b, d]),
    ].map((g) => names(g.executionOrder()));
    expect(orders[0]).toEqual(["s0", "s1", "s2", "s3", "s4"]);
    for (const order of orders) expect(order).toEqual(orders[0]);
  });

  it("hands out an order callers cannot reorder in place", () => {
    const graph = LineageGraph.from([d, e]);
    expect(() => (graph.executionOrder() as StepNode[]).reverse()).toThrow(TypeError);
    expect(names(graph.executionOrder())).toEqual(["s0", "s1", "s2", "s3", "s4"]);
  });

  it("groups steps into levels that can run together", () => {
    const levels = LineageGraph.from([d, e]).executionLevels().map(names);
    expect(levels).toEqual([["s0", "s1"], ["s2", "s3"], ["s4"]]);
  });

  it("answers dependencies, consumers, downstream and producers", () => {
    const graph = LineageGraph.from([d, e]);
    expect(names(graph.dependenciesOf("s4"))).toEqual(["s2", "s3"]);
    expect(names(graph.dependenciesOf("s1"))).toEqual([]);
    expect(names(graph.consumersOf("s1"))).toEqual(["s2", "s3"]);
    expect(names(graph.consumersOf("s4"))).toEqual([]);
    expect(names(graph.downstreamOf("s1"))).toEqual(["s2", "s3", "s4"]);
    expect(names(graph.downstreamOf(graph.step("s0")))).toEqual([]);
    expect(graph.producerOf(at("e.parquet").node)?.name).toBe("s4");
    expect(graph.producerOf("s3://acme-data/b.parquet")?.name).toBe("s1");
    expect(graph.producerOf(at("a.parquet").node)).toBeUndefined();
  });

  it("lists source and sink buckets", () => {
    const graph = LineageGraph.from([d, e]);
    expect(graph.sources().map((s) => s.id)).toEqual(["acme-data/a.parquet", "acme-data/x.parquet"]);
    expect(graph.sinks().map((s) => s.id)).toEqual(["acme-data/e.parquet", "acme-data/y.parquet"]);
  });

  it("counts a self-join as one consumer and one edge", () => {
    const self = local.task(function self({ left, right }: Inputs<"left" | "right">) {
      return left.join(right, { on: "id" });
    });
    const graph = LineageGraph.from(Pipeline({ left: a, right: a }).transform(self).to(at("self.parquet")));
    expect(names(graph.consumersOf("s1"))).toEqual(["self"]);
    expect(graph.toJSON().edges).toEqual([
      { from: "s1->acme-data/b.parquet", to: "self->acme-data/self.parquet", via: "acme-data/b.parquet" },
    ]);
    expect(graph.executionLevels().map(names)).toEqual([["s1"], ["self"]]);
  });
});

describe("step lookup", () => {
  const twice = task("copy");
  const graph = LineageGraph.from([
    at("a.parquet").transform(twice).to(at("b.parquet")),
    at("a.parquet").transform(twice).to(at("c.parquet")),
  ]);

  it("finds a step by id, by unique name, or returns the node given", () => {
    const step = graph.step("copy->acme-data/b.parquet");
    expect(step.output.id).toBe("acme-data/b.parquet");
    expect(graph.step(step)).toBe(step);
    expect(LineageGraph.from(cleaning).step("clean").id).toBe("clean->acme-data/clean/sales.parquet");
  });

  it("rejects an unknown step, listing the steps", () => {
    expect(failure(() => graph.step("paste"))).toMatchInlineSnapshot(
      `"[UNKNOWN_STEP] step "paste": no step has this name or id. Steps: copy."`,
    );
    expect(failure(() => graph.dependenciesOf("paste"))).toMatch(/^\[UNKNOWN_STEP\]/);
    expect(failure(() => LineageGraph.from({}).step("x"))).toMatch(/Steps: \(none\)\.$/);
  });

  it("rejects an ambiguous name, listing the ids to use instead", () => {
    expect(failure(() => graph.step("copy"))).toMatchInlineSnapshot(
      `"[UNKNOWN_STEP] step "copy": 2 steps have this name. Use a step id: copy->acme-data/b.parquet, copy->acme-data/c.parquet."`,
    );
  });
});

describe("forPipeline", () => {
  const graph = LineageGraph.from({ cleaning, reporting, auditing });

  it("keeps the pipeline's steps and the upstream steps of other pipelines it needs", () => {
    const sub = graph.forPipeline("reporting");
    expect(names(sub.executionOrder())).toEqual(["clean", "report"]);
    expect(sub.pipelines.map((p) => p.name)).toEqual(["reporting"]);
    expect(sub.steps.map((s) => s.id)).toEqual([
      "clean->acme-data/clean/sales.parquet",
      "report->acme-data/reports/daily.parquet",
    ]);
    expect(sub.pipeline("reporting").steps).toEqual(graph.pipeline("reporting").steps);
  });

  it("rejects an unknown pipeline", () => {
    expect(failure(() => graph.forPipeline("weekly"))).toMatch(/^\[UNKNOWN_PIPELINE\] pipeline "weekly"/);
  });
});

describe("validate()", () => {
  it("returns the graph when there are no problems", () => {
    const graph = LineageGraph.from({ cleaning, reporting });
    expect(graph.validate()).toBe(graph);
    expect(graph.problems()).toEqual([]);
  });

  it("rejects two steps writing one location, naming both and the location", () => {
    const one = at("a.parquet").transform(task("first")).to(at("out.parquet")).withName("one");
    const two = at("b.parquet").transform(task("second", lambda)).to(at("out.parquet")).withName("two");
    const graph = LineageGraph.from({ one, two });
    expect(failure(() => graph.validate())).toMatchInlineSnapshot(
      `"[DUPLICATE_WRITER] bucket "acme-data/out.parquet": s3://acme-data/out.parquet is written by 2 steps: "first" (local) and "second" (serverless). Each location has one writer: send one of the steps to another bucket path."`,
    );
  });

  it("rejects writing a location that already has lineage", () => {
    const produced = at("a.parquet").transform(task("first")).to(at("out.parquet"));
    expect(failure(() => at("b.parquet").transform(task("second")).to(produced).graph().validate())).toMatch(
      /^\[DUPLICATE_WRITER\] bucket "acme-data\/out.parquet": s3:\/\/acme-data\/out.parquet is written by 2 steps: "first" \(local\) and "second" \(local\)\./,
    );
  });

  it("rejects one task name defined twice differently for one location, saying what differs", () => {
    const a = at("a.parquet").transform(task("clean")).to(at("out.parquet")).withName("a");
    const b = at("a.parquet")
      .transform(local.task((df: LazyDataFrame) => df, { name: "clean", retries: 2 }))
      .to(at("out.parquet"))
      .withName("b");
    expect(failure(() => LineageGraph.from({ a, b }).validate())).toMatchInlineSnapshot(
      `"[DUPLICATE_WRITER] bucket "acme-data/out.parquet": s3://acme-data/out.parquet is written by 2 steps: "clean" (local) and "clean" (local), defined with different retries. Each location has one writer: send one of the steps to another bucket path."`,
    );
  });

  it("merges identical steps recorded through two pipelines", () => {
    const base = raw.transform(clean).to(at("clean/sales.parquet"));
    const left = base.transform(report).to(at("left.parquet")).withName("left");
    const right = base.transform(audit).to(at("right.parquet")).withName("right");
    const graph = LineageGraph.from({ left, right }).validate();
    expect(names(graph.steps)).toEqual(["audit", "clean", "report"]);
  });

  it("merges identical definitions made separately (same code, executor and options)", () => {
    const source = "function clean(df) { return df; }";
    const define = () =>
      lambda.task(new Function(`return (${source});`)() as TaskFunction<LazyDataFrame, unknown>);
    const left = raw
      .transform(define())
      .to(at("clean/sales.parquet"))
      .transform(report)
      .to(at("left.parquet"));
    const right = raw
      .transform(define())
      .to(at("clean/sales.parquet"))
      .transform(audit)
      .to(at("right.parquet"));
    expect(names(LineageGraph.from({ left, right }).validate().steps)).toEqual(["audit", "clean", "report"]);
  });

  it("rejects a cycle across two pipelines, naming its path", () => {
    const a = at("a.parquet");
    const b = at("b.parquet");
    const forward = a.transform(task("toB")).to(b).withName("forward");
    const backward = b.transform(task("toA")).to(a).withName("backward");
    const graph = LineageGraph.from({ forward, backward });
    expect(failure(() => graph.validate())).toMatchInlineSnapshot(
      `"[CYCLE] step "toB->acme-data/b.parquet": steps form a cycle: toB → acme-data/b.parquet → toA → acme-data/a.parquet → toB. A step cannot depend on its own output: write one of them to a new bucket path."`,
    );
    expect(failure(() => graph.executionOrder())).toMatch(/^\[CYCLE\]/);
    expect(failure(() => graph.executionLevels())).toMatch(/^\[CYCLE\]/);
    expect(visualize(graph, "text")).toContain("[CYCLE]");
  });

  it("rejects a longer cycle inside one chain, and names only the steps on it", () => {
    const start = at("a.parquet").transform(task("entry")).to(at("b.parquet"));
    const loop = start
      .transform(task("bToC"))
      .to(at("c.parquet"))
      .transform(task("cToD"))
      .to(at("d.parquet"))
      .transform(task("dToB"))
      .to(at("b.parquet"));
    const after = loop.transform(task("after")).to(at("z.parquet"));
    const cycle = LineageGraph.from(after)
      .problems()
      .find((p) => p.code === "CYCLE");
    expect(cycle?.message).toMatchInlineSnapshot(
      `"step "bToC->acme-data/c.parquet": steps form a cycle: bToC → acme-data/c.parquet → cToD → acme-data/d.parquet → dToB → acme-data/b.parquet → bToC. A step cannot depend on its own output: write one of them to a new bucket path."`,
    );
  });

  it("rejects one location declared twice with different options", () => {
    const one = at("a.parquet")
      .transform(task("first"))
      .to(at("mid.parquet", { schema: { id: "int64" } }));
    const two = at("mid.parquet").transform(task("second")).to(at("out.parquet"));
    expect(failure(() => LineageGraph.from({ one, two }).validate())).toMatchInlineSnapshot(
      `"[INVALID_BUCKET] bucket "acme-data/mid.parquet": s3://acme-data/mid.parquet is declared 2 times with different schema. Declare each location once (one provider.bucket call) and reuse the value."`,
    );
    const three = at("mid.parquet", { external: true }).transform(task("third")).to(at("other.parquet"));
    expect(failure(() => LineageGraph.from({ one, three }).validate())).toMatch(
      /with different schema, external\./,
    );
  });

  it("rejects two different pipelines with one name", () => {
    const one = at("a.parquet").transform(task("first")).to(at("x.parquet")).withName("daily");
    const two = at("b.parquet").transform(task("second")).to(at("y.parquet")).withName("daily");
    const graph = LineageGraph.from({ one, two });
    expect(failure(() => graph.validate())).toMatchInlineSnapshot(
      `"[INVALID_NAME] pipeline "daily": two pipelines have this name. Give each pipeline its own withName(…)."`,
    );
    expect(graph.pipelines.map((p) => p.name)).toEqual(["daily"]);
  });

  it("accepts one pipeline exported twice (a named and a default export)", () => {
    const graph = LineageGraph.from({ cleaning, default: cleaning });
    expect(graph.problems()).toEqual([]);
    expect(graph.pipelines.map((p) => p.name)).toEqual(["cleaning"]);
    expect(LineageGraph.from([cleaning, cleaning]).problems()).toEqual([]);
  });

  it("lists every problem at once in problems()", () => {
    const one = at("a.parquet").transform(task("first")).to(at("out.parquet")).withName("same");
    const two = at("b.parquet").transform(task("second")).to(at("out.parquet")).withName("same");
    const problems = LineageGraph.from({ one, two }).problems();
    expect(problems.map((p) => p.code)).toEqual(["DUPLICATE_WRITER", "INVALID_NAME"]);
    for (const p of problems) expect(p).toBeInstanceOf(GlacierError);
  });
});

describe("stable ids", () => {
  it("do not change between graphs built from equal definitions", () => {
    const build = () => {
      const p = new Provider({ cloud: "aws", region: "eu-west-1" });
      const t = p.local().task((df: LazyDataFrame) => df, { name: "clean" });
      const out = p
        .bucket({ bucket: "acme-data", path: "raw.csv" })
        .transform(t)
        .to(p.bucket({ bucket: "acme-data", path: "out.parquet" }));
      return LineageGraph.from({ out }).toJSON();
    };
    expect(build()).toEqual(build());
    expect(build().steps.map((s) => s.id)).toEqual(["clean->acme-data/out.parquet"]);
  });
});

describe("outputs inside another step's dataset directory", () => {
  it("are refused: readers of the dataset would read them, its commit would replace them", () => {
    const daily = provider.bucket({ bucket: "acme-data", path: "out/", format: "parquet" });
    const nested = at("out/team-b/orders.parquet");
    const graph = LineageGraph.from({
      d: raw.transform(task("daily")).to(daily),
      n: raw.transform(task("teamB")).to(nested),
    });
    const [problem] = graph.problems();
    expect(problem?.code).toBe("LOCATION_OVERLAP");
    expect(failure(() => graph.validate())).toMatchInlineSnapshot(
      `"[LOCATION_OVERLAP] bucket "acme-data/out/": s3://acme-data/out/ (written by step "daily") contains s3://acme-data/out/team-b/orders.parquet (written by step "teamB"). A step owns its whole output location: give "acme-data/out/" a path no other bucket lives under, or move "acme-data/out/team-b/orders.parquet" out of it."`,
    );
  });

  it("leave siblings alone", () => {
    const daily = provider.bucket({ bucket: "acme-data", path: "out/", format: "parquet" });
    const graph = LineageGraph.from({
      d: raw.transform(task("daily")).to(daily),
      s: raw.transform(task("summary")).to(at("out-summary/orders.parquet")),
    });
    expect(graph.problems()).toEqual([]);
  });
});
