import { type Inputs, LineageGraph, Pipeline, Provider } from "@glacier/core";
import type pl from "nodejs-polars";
import { describe, expect, it } from "vitest";
import {
  type Diagram,
  type DiagramGroup,
  type DiagramNode,
  GROUP_HEADER,
  layoutGraph,
  REFERENCE_VIEW,
} from "../src/html/layout.js";
import { renderHtml } from "../src/html/render-html.js";
import { roundedPath } from "../src/html/svg.js";

const provider = new Provider({ cloud: "aws", region: "eu-west-1" });
const local = provider.local();
const lambda = provider.serverless({ memory: 1024 });
const spark = provider.spark({ workers: 2 });
const bucket = (name: string, path: string) => provider.bucket({ bucket: name, path });

const orders = bucket("acme-raw", "orders/*.parquet");
const customers = bucket("acme-raw", "customers.csv");
const joined = Pipeline({ orders, customers })
  .transform(
    lambda.task((inputs: Inputs<"orders" | "customers">) => inputs.orders, {
      name: "join",
      inputs: ["orders", "customers"],
    }),
  )
  .to(bucket("acme-lake", "joined/orders.parquet"));
const summary = joined
  .transform(spark.sql("summary", "SELECT COUNT(*) AS n FROM input"))
  .to(bucket("acme-lake", "out/summary.parquet"));
const top = joined
  .transform(local.task((df: pl.LazyDataFrame) => df, { name: "top" }))
  .to(bucket("acme-lake", "out/top.csv"));
const graph = LineageGraph.from({ summary, top });

describe("layoutGraph", () => {
  it("places every bucket and step without overlaps, left to right along the edges", async () => {
    const diagram = await layoutGraph(graph);
    expect(diagram.nodes.map((n) => n.title).sort()).toEqual(
      [
        "customers.csv",
        "join",
        "orders.parquet",
        "orders/*.parquet",
        "summary",
        "summary.parquet",
        "top",
        "top.csv",
      ].sort(),
    );
    const [a, b] = [diagram.nodes, diagram.nodes];
    for (const n of a) {
      for (const m of b) {
        if (n === m) continue;
        const apart =
          n.x + n.width <= m.x || m.x + m.width <= n.x || n.y + n.height <= m.y || m.y + m.height <= n.y;
        expect(apart, `${n.title} overlaps ${m.title}`).toBe(true);
      }
      expect(n.x + n.width).toBeLessThanOrEqual(diagram.width);
      expect(n.y + n.height).toBeLessThanOrEqual(diagram.height);
    }
    const at = new Map(diagram.nodes.map((n) => [n.id, n]));
    const along = diagram.direction === "RIGHT" ? "x" : "y";
    for (const edge of diagram.edges) {
      expect((at.get(edge.from)?.[along] ?? 0) < (at.get(edge.to)?.[along] ?? 0)).toBe(true);
      expect(edge.points.length).toBeGreaterThanOrEqual(2);
    }
  });

  it("draws a pipeline top to bottom when that fits a laptop screen larger", async () => {
    // Five layers of narrow nodes: left to right it is far wider than tall.
    const scale = (d: Diagram) => Math.min(REFERENCE_VIEW.width / d.width, REFERENCE_VIEW.height / d.height);
    const chosen = await layoutGraph(graph);
    const across = await layoutGraph(graph, { direction: "RIGHT" });
    expect(chosen.direction).toBe("DOWN");
    expect(scale(chosen)).toBeGreaterThan(scale(across));
  });

  it("boxes each pipeline's own steps and outputs, sources outside, boxes apart", async () => {
    const report = top
      .transform(local.task((df: pl.LazyDataFrame) => df, { name: "report" }))
      .to(bucket("acme-lake", "out/report.csv"))
      .withName("report");
    const diagram = await layoutGraph(LineageGraph.from({ summary, report }));
    const title = (id: string) => diagram.nodes.find((n) => n.id === id)?.title;
    expect(diagram.groups.map((g) => [g.name, g.members.map(title).sort()])).toEqual([
      // join is in both pipelines: it goes with the smaller.
      ["report", ["report", "report.csv", "top", "top.csv"]],
      ["summary", ["join", "orders.parquet", "summary", "summary.parquet"]],
    ]);
    const [a, b] = diagram.groups as [DiagramGroup, DiagramGroup];
    expect(
      a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y,
    ).toBe(true);
    for (const g of diagram.groups) {
      for (const id of g.members) {
        const n = diagram.nodes.find((m) => m.id === id) as DiagramNode;
        expect(n.x >= g.x && n.y >= g.y + GROUP_HEADER).toBe(true);
        expect(n.x + n.width <= g.x + g.width && n.y + n.height <= g.y + g.height).toBe(true);
      }
    }
  });

  it("draws no box for a single pipeline", async () => {
    expect((await layoutGraph(LineageGraph.from(top))).groups).toEqual([]);
  });

  it("labels the edges of a multi-source step with their input keys", async () => {
    const diagram = await layoutGraph(graph);
    expect(diagram.edges.flatMap((e) => (e.label ? [e.label.text] : [])).sort()).toEqual([
      "customers",
      "orders",
    ]);
  });

  it("shows the bucket name on nodes when the graph spans several buckets", async () => {
    const diagram = await layoutGraph(graph);
    expect(diagram.nodes.find((n) => n.title === "top.csv")?.sub).toBe("S3 · acme-lake/out/");
  });

  it("is deterministic", async () => {
    expect(await renderHtml(graph)).toBe(await renderHtml(graph));
  });
});

describe("the HTML page", () => {
  it("escapes user text and keeps the embedded data from closing its script element", async () => {
    const sneaky = provider.bucket({ bucket: "acme-raw", path: "in/x.csv" });
    const named = sneaky
      .transform(
        local.task((df: pl.LazyDataFrame) => df, { name: "t", description: "</script><b>bold</b> & co" }),
      )
      .to(bucket("acme-raw", "out/x.parquet"))
      .withName("p", "<img src=x onerror=alert(1)>");
    const html = await renderHtml(LineageGraph.from(named));
    expect(html).not.toContain("<img src=x");
    expect(html).not.toContain("</script><b>");
    expect(html).toContain("&#60;img src=x onerror=alert(1)&#62;");
    expect(html.match(/<\/script>/g)).toHaveLength(2);
  });

  it("escapes a run's error text and draws every overlay part as text, not markup", async () => {
    const step = graph.steps.find((s) => s.name === "top");
    if (!step) throw new Error("no step top");
    const html = await renderHtml(graph, {
      status: {
        [step.id]: { status: "failed", runId: "r1", error: '</script><img src=x onerror="alert(1)">' },
      },
      cost: { [step.id]: 0.0123 },
      resources: { [step.id]: 'function <fn "x">' },
    });
    expect(html).not.toContain("<img src=x");
    expect(html.match(/<\/script>/g)).toHaveLength(2);
    expect(html).toContain('data-status="failed"');
    expect(html).toContain("function &#60;fn &#34;x&#34;&#62;");
    expect(html).toContain(">$0.01</text>");
  });
});

describe("roundedPath", () => {
  it("rounds each bend of an orthogonal route", () => {
    expect(
      roundedPath([
        { x: 0, y: 0 },
        { x: 20, y: 0 },
        { x: 20, y: 30 },
      ]),
    ).toBe("M0,0 L14,0 Q20,0 20,6 L20,30");
  });
});
