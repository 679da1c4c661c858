import { describe, expect, it } from "vitest";
import { LineageGraph, Provider, toMermaid } from "@glacier/core";
import { PAGE_CSS } from "../src/html/page-style.js";

/** The HTML page's colour variables (`--spark: #7c3aed;` …), which its legend shows. */
function pageColours(): Map<string, string> {
  return new Map([...PAGE_CSS.matchAll(/--([a-z-]+):\s*(#[0-9a-f]{3,6})/gi)].map((m) => [m[1]!, m[2]!]));
}

/** A graph with one step on each executor kind, so every class is drawn. */
function everyKind(): LineageGraph {
  const provider = new Provider({ cloud: "aws", region: "eu-west-1" });
  const raw = provider.bucket({ bucket: "acme-colours", path: "raw.parquet" });
  const a = provider.bucket({ bucket: "acme-colours", path: "a.parquet" });
  const b = provider.bucket({ bucket: "acme-colours", path: "b.parquet" });
  const c = provider.bucket({ bucket: "acme-colours", path: "c.parquet" });
  const out = raw
    .transform(provider.local().sql("onLocal", "SELECT * FROM input"))
    .to(a)
    .transform(provider.serverless({ memory: 1024, timeout: 60 }).sql("onLambda", "SELECT * FROM input"))
    .to(b)
    .transform(provider.spark({ workers: 1 }).sql("onSpark", "SELECT * FROM input"))
    .to(c)
    .transform(provider.container({ cpu: 1, memory: 2 }).sql("onFargate", "SELECT * FROM input"))
    .to(provider.bucket({ bucket: "acme-colours", path: "d.parquet" }));
  return LineageGraph.from({ out });
}

describe("the Mermaid diagram's colours", () => {
  it("are the HTML legend's: the same fill and stroke for local, serverless, spark, container and storage", () => {
    const css = pageColours();
    const mermaid = toMermaid(everyKind());
    const classDef = (name: string) => {
      const line = mermaid.split("\n").find((l) => l.trim().startsWith(`classDef ${name} `));
      const style = Object.fromEntries(
        (line?.trim().split(" ")[2] ?? "").split(",").map((pair) => pair.split(":") as [string, string]),
      );
      return { fill: style.fill, stroke: style.stroke };
    };
    for (const [kind, variable] of [
      ["local", "local"],
      ["serverless", "serverless"],
      ["spark", "spark"],
      ["container", "container"],
      ["storage", "store"],
    ] as const) {
      expect(classDef(kind), kind).toEqual({ fill: css.get(`${variable}-bg`), stroke: css.get(variable) });
    }
  });
});
