import { fileURLToPath } from "node:url";
import type { LazyDataFrame } from "nodejs-polars";
import { describe, expect, it } from "vitest";
import {
  type Inputs,
  LineageGraph,
  Pipeline,
  Provider,
  visualize,
  VISUALIZE_FORMATS,
  type VisualizeFormat,
} from "@glacier/core";
import { stepInputs } from "@glacier/core/internal";
import * as complete from "../../../examples/complete/pipeline.js";
import * as multiSource from "../../../examples/multi-source/pipeline.js";
import * as simple from "../../../examples/simple/pipeline.js";
import { failure } from "./support.js";

/** A small graph with problems: a cycle across two pipelines and two writers of one location. */
function problemGraph(): LineageGraph {
  const provider = new Provider({ cloud: "local", basePath: "/srv/lake" });
  const local = provider.local();
  const lambda = provider.serverless({ memory: 512 });
  const a = provider.bucket({ bucket: "lake", path: "a.parquet" });
  const b = provider.bucket({ bucket: "lake", path: "b.parquet" });
  const out = provider.bucket({ bucket: "lake", path: "out.csv" });
  const forward = a
    .transform(local.task((df: LazyDataFrame) => df, { name: "toB" }))
    .to(b)
    .withName("forward");
  const backward = b
    .transform(lambda.task((df: LazyDataFrame) => df, { name: "toA" }))
    .to(a)
    .withName("backward");
  const first = a
    .transform(local.task((df: LazyDataFrame) => df, { name: "exportA" }))
    .to(out)
    .withName("first");
  const second = b
    .transform(local.task((df: LazyDataFrame) => df, { name: "exportB" }))
    .to(out)
    .withName("second");
  return LineageGraph.from({ forward, backward, first, second });
}

const graphs: Readonly<Record<string, LineageGraph>> = {
  simple: LineageGraph.from(simple),
  complete: LineageGraph.from(complete),
  "multi-source": LineageGraph.from(multiSource),
  problem: problemGraph(),
};
const EXTENSIONS: Readonly<Record<VisualizeFormat, string>> = {
  mermaid: "mmd",
  dot: "dot",
  json: "json",
  text: "txt",
};

/** The repository root: where a task or step is defined is an absolute path, shown from here. */
const REPO = fileURLToPath(new URL("../../../", import.meta.url));

/**
 * codeHash fingerprints a Polars function's source as the test transpiler emits it: pinned elsewhere, masked
 * here. Definition sites are kept, relative to the repository.
 */
const masked = (json: string): string =>
  json
    .replace(/"codeHash": "[0-9a-f]{16}"/g, '"codeHash": "<16 hex>"')
    .split(`"${REPO}`)
    .join('"');

describe("snapshots", () => {
  for (const [name, graph] of Object.entries(graphs)) {
    for (const format of VISUALIZE_FORMATS) {
      it(`${name} as ${format}`, async () => {
        const rendered = visualize(graph, format);
        await expect(format === "json" ? masked(rendered) : rendered).toMatchFileSnapshot(
          `./__snapshots__/${name}.${EXTENSIONS[format]}`,
        );
      });
    }
  }
});

describe("the examples' graphs", () => {
  it("are valid and connect their pipelines by location", () => {
    for (const graph of Object.values(graphs).slice(0, 3)) expect(graph.problems()).toEqual([]);
    expect(graphs["simple"]?.pipelines.map((p) => p.name)).toEqual(["sales"]);
    expect(graphs["complete"]?.pipelines.map((p) => [p.name, p.steps.length])).toEqual([
      ["cleanedCustomers", 1],
      ["cleanedOrders", 1],
      ["enrichment", 3],
      ["regional", 4],
      ["segments", 4],
      ["topSpenders", 4],
    ]);
    expect(graphs["multi-source"]?.executionLevels().map((level) => level.map((s) => s.name))).toEqual([
      ["joinCustomers"],
      ["joinProducts"],
      ["byCategory", "byCustomer", "byRegion"],
    ]);
  });
});

describe("mermaid", () => {
  for (const [name, graph] of Object.entries(graphs)) {
    it(`${name}: graph LR, storage as cylinders, each step labelled with its executor kind`, () => {
      const mermaid = visualize(graph, "mermaid");
      const lines = mermaid.trimEnd().split("\n");
      expect(lines[0]).toBe("graph LR");
      const cylinders = lines.filter((l) => /^ {2}b_\w+\[\(".*"\)\]$/.test(l));
      expect(cylinders).toHaveLength(graph.buckets.length);
      for (const bucket of graph.buckets)
        expect(cylinders.some((l) => l.includes(`"${bucket.id}"`))).toBe(true);
      for (const step of graph.steps) {
        const node = lines.find((l) => new RegExp(`^ {2}s_\\w+\\("${step.name}<br/>`).test(l));
        expect(node, step.name).toContain(step.task.executor.kind);
      }
      const edges = lines.filter((l) => l.includes("-->"));
      const expected = graph.steps.reduce((n, s) => n + stepInputs(s).length + 1, 0);
      expect(edges).toHaveLength(expected);
    });
  }

  it("labels multi-source edges with their Pipeline keys", () => {
    expect(visualize(graphs["multi-source"]!, "mermaid")).toMatch(/ -- orders --> s_joinCustomers$/m);
  });

  it("is what bucket.visualize() returns by default", () => {
    expect(simple.sales.visualize()).toBe(visualize(LineageGraph.from(simple.sales), "mermaid"));
  });
});

describe("dot", () => {
  for (const [name, graph] of Object.entries(graphs)) {
    it(`${name}: one statement per line, balanced braces and quotes, every node declared`, () => {
      const dot = visualize(graph, "dot");
      expect(dot.startsWith("digraph glacier {\n")).toBe(true);
      expect(dot.endsWith("}\n")).toBe(true);
      // Outside quoted strings, braces and brackets balance; inside, quotes are escaped.
      const unquoted = dot.replace(/"(?:[^"\\]|\\.)*"/g, '""');
      expect((unquoted.match(/\{/g) ?? []).length).toBe((unquoted.match(/\}/g) ?? []).length);
      expect((unquoted.match(/\[/g) ?? []).length).toBe((unquoted.match(/\]/g) ?? []).length);
      const body = dot.trimEnd().split("\n").slice(1, -1);
      for (const line of body) {
        expect(line, line).toMatch(/;$/);
        expect((line.replace(/\\./g, "").match(/"/g) ?? []).length % 2, line).toBe(0);
      }
      expect(body.filter((l) => l.includes("shape=cylinder"))).toHaveLength(graph.buckets.length);
      const declared = new Set(body.map((l) => /^ {2}(\w+) \[/.exec(l)?.[1]).filter(Boolean));
      for (const line of body.filter((l) => l.includes(" -> "))) {
        const [, from, to] = /^ {2}(\w+) -> (\w+)/.exec(line) ?? [];
        expect(declared.has(from) && declared.has(to), line).toBe(true);
      }
    });
  }

  it("writes a label's line break as the \\n escape", () => {
    expect(visualize(graphs["simple"]!, "dot")).toContain('label="cleanSales\\nserverless · Lambda 2048 MB"');
  });
});

describe("json", () => {
  for (const [name, graph] of Object.entries(graphs)) {
    it(`${name}: round-trips to toJSON(), as plain data`, () => {
      const parsed: unknown = JSON.parse(visualize(graph, "json"));
      expect(parsed).toEqual(JSON.parse(JSON.stringify(graph.toJSON())));
      expect(parsed).toMatchObject({
        pipelines: expect.any(Array),
        buckets: expect.any(Array),
        steps: expect.any(Array),
      });
    });
  }
});

describe("text", () => {
  it("summarises the graph and lists its problems", () => {
    const text = visualize(graphs["problem"]!, "text");
    expect(text.split("\n")[0]).toBe("4 pipelines, 4 steps, 3 buckets");
    expect(text).toContain("[CYCLE]");
    expect(text).toContain("[DUPLICATE_WRITER]");
  });
});

describe("rendering", () => {
  it("is deterministic: the same graph built in another order renders the same", () => {
    const reordered = LineageGraph.from(Object.fromEntries(Object.entries(complete).reverse()));
    for (const format of VISUALIZE_FORMATS)
      expect(visualize(reordered, format)).toBe(visualize(graphs["complete"]!, format));
  });

  it("escapes quotes in labels", () => {
    const provider = new Provider({ cloud: "local", basePath: "/tmp" });
    const odd = provider.bucket({ bucket: "lake", path: 'raw/"odd".csv' });
    const join = provider.local().task(function join({ left, right }: Inputs<"left" | "right">) {
      return left.join(right, { on: "id" });
    });
    const graph = Pipeline({ left: odd, right: provider.bucket({ bucket: "lake", path: "b.csv" }) })
      .transform(join)
      .to(provider.bucket({ bucket: "lake", path: "out.csv" }))
      .graph();
    expect(visualize(graph, "mermaid")).toContain('[("lake/raw/#quot;odd#quot;.csv")]');
    expect(visualize(graph, "dot")).toContain('label="lake/raw/\\"odd\\".csv"');
  });

  it("gives colliding slugs distinct, stable diagram ids", () => {
    const provider = new Provider({ cloud: "local", basePath: "/tmp" });
    const copy = provider.local().task((df: LazyDataFrame) => df, { name: "copy" });
    const graph = LineageGraph.from([
      provider
        .bucket({ bucket: "lake", path: "a-b.csv" })
        .transform(copy)
        .to(provider.bucket({ bucket: "lake", path: "x.csv" })),
      provider
        .bucket({ bucket: "lake", path: "a_b.csv" })
        .transform(copy)
        .to(provider.bucket({ bucket: "lake", path: "y.csv" })),
    ]);
    const mermaid = visualize(graph, "mermaid");
    expect(mermaid).toContain('b_lake_a_b_csv[("lake/a-b.csv")]');
    expect(mermaid).toContain('b_lake_a_b_csv_2[("lake/a_b.csv")]');
    expect(mermaid).toContain("b_lake_a_b_csv --> s_copy\n");
    expect(mermaid).toContain("b_lake_a_b_csv_2 --> s_copy_2\n");
  });

  it("rejects an unknown format", () => {
    expect(failure(() => visualize(graphs["simple"]!, "svg" as VisualizeFormat))).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "format": "svg" is not a visualize format. Use one of: mermaid, dot, json, text."`,
    );
  });
});

describe("step notes (the infrastructure overlay)", () => {
  const graph = LineageGraph.from(simple);
  const [first, second] = graph.executionOrder();
  const stepNotes = { [first?.id ?? ""]: 'Lambda fn-1 · "quoted"' };

  it("adds the note to the noted step only, in every format", () => {
    const mermaid = visualize(graph, "mermaid", { stepNotes });
    expect(mermaid).toContain("<br/><small>Lambda fn-1 · #quot;quoted#quot;</small>");
    expect(mermaid.match(/fn-1/g)).toHaveLength(1);
    expect(visualize(graph, "dot", { stepNotes })).toContain('\\nLambda fn-1 · \\"quoted\\""');
    const text = visualize(graph, "text", { stepNotes });
    expect(text).toContain('     runs on Lambda fn-1 · "quoted"');
    expect(text.match(/runs on/g)).toHaveLength(1);
    const json = JSON.parse(visualize(graph, "json", { stepNotes })) as { stepNotes: Record<string, string> };
    expect(json.stepNotes).toEqual(stepNotes);
    expect(second).toBeDefined();
  });

  it("renders exactly as without notes when none are given", () => {
    for (const format of ["mermaid", "dot", "json", "text"] as const) {
      expect(visualize(graph, format, {})).toBe(visualize(graph, format));
    }
  });
});

describe("labels are text, never markup or statements", () => {
  const provider = new Provider({ cloud: "aws", region: "eu-west-1" });
  const raw = provider.bucket({ bucket: "acme-data", path: 'raw/<img src=x onerror=alert(1)>#"q"&.csv' });
  const out = provider.bucket({ bucket: "acme-data", path: "out/a&b<c>.parquet" });
  const graph = raw
    .transform(provider.local().task((df: LazyDataFrame) => df, { name: "copy" }))
    .to(out)
    .graph();

  it("mermaid writes every user character that means something to it as an entity code", () => {
    const text = visualize(graph, "mermaid");
    expect(text).not.toContain("<img");
    expect(text).not.toContain('"q"');
    expect(text.split("\n").filter((l) => l.includes("raw/"))).toMatchInlineSnapshot(`
      [
        "  b_acme_data_raw_img_src_x_onerror_alert_1_q_csv[("acme-data/raw/#60;img src=x onerror=alert(1)#62;#35;#quot;q#quot;#38;.csv")]",
      ]
    `);
  });

  it("dot keeps every label one quoted string", () => {
    const text = visualize(graph, "dot");
    expect(text.split("\n").filter((l) => l.includes("raw/"))).toMatchInlineSnapshot(`
      [
        "  b_acme_data_raw_img_src_x_onerror_alert_1_q_csv [shape=cylinder, style=filled, fillcolor="#eef4fb", label="acme-data/raw/<img src=x onerror=alert(1)>#\\"q\\"&.csv"];",
      ]
    `);
  });
});
