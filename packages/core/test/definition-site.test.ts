import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { LazyDataFrame } from "nodejs-polars";
import { describe, expect, it } from "vitest";
import { LineageGraph, Provider, type TaskNode } from "@glacier/core";
import { stepKey } from "@glacier/core/internal";
import { failure } from "./support.js";

const HERE = fileURLToPath(import.meta.url);
const provider = new Provider({ cloud: "aws", region: "eu-west-1" });
const local = provider.local();
const lambda = provider.serverless({ timeout: 120 });
const raw = provider.bucket({ bucket: "acme-data", path: "raw/sales.parquet" });
const out = provider.bucket({ bucket: "acme-data", path: "clean/sales.parquet" });

/** The 1-based line and column of the first `text` in this file after the line holding `after`. */
function positionOf(text: string, after: string): { line: number; column: number } {
  const lines = readFileSync(HERE, "utf8").split("\n");
  const from = lines.findIndex((l) => l.includes(after));
  const line = lines.findIndex((l, i) => i >= from && l.includes(text));
  return { line: line + 1, column: (lines[line] as string).indexOf(text) + 1 };
}

const clean = local.task(function clean(df: LazyDataFrame) {
  return df;
});
const daily = lambda.sql("daily", "SELECT day, SUM(amount) AS total FROM input GROUP BY day");
const cleaned = raw
  .transform(clean)
  .to(out) // marks the step
  .withName("sales");

describe("where a definition is written", () => {
  it("is recorded on a task: the file, and the line and column of `task` in `local.task(`", () => {
    expect(clean.definedAt).toEqual({ file: HERE, ...positionOf("task(function clean", "const clean =") });
  });

  it("is recorded on a SQL task", () => {
    expect(daily.definedAt).toEqual({ file: HERE, ...positionOf("sql(", "const daily =") });
  });

  it("is recorded on a step: where `.to(` was called", () => {
    const [step] = cleaned.lineage;
    expect(step?.definedAt).toEqual({ file: HERE, ...positionOf("to(out) // marks", "const cleaned =") });
  });

  it("is plain, frozen data that survives JSON", () => {
    expect(Object.isFrozen(clean.definedAt)).toBe(true);
    const json = JSON.parse(JSON.stringify(cleaned.lineage)) as { definedAt: unknown; task: TaskNode }[];
    expect(json[0]?.definedAt).toEqual(cleaned.lineage[0]?.definedAt);
    expect(json[0]?.task.definedAt).toEqual(clean.definedAt);
  });

  it("is in the graph's JSON for every step, with the task's", () => {
    const [step] = LineageGraph.from(cleaned).toJSON().steps;
    expect(step).toMatchObject({
      id: "clean->acme-data/clean/sales.parquet",
      definedAt: cleaned.lineage[0]?.definedAt,
      taskDefinedAt: clean.definedAt,
    });
  });

  it("is not part of any id or key: the same definition on another line is the same step", () => {
    const fn = (df: LazyDataFrame): LazyDataFrame => df;
    const first = local.task(fn, { name: "copy" });
    const second = local.task(fn, { name: "copy" });
    expect(first.definedAt?.line).not.toBe(second.definedAt?.line);
    const a = raw.transform(first).to(out);
    const b = raw.transform(second).to(out);
    expect(a.lineage[0]?.definedAt?.line).not.toBe(b.lineage[0]?.definedAt?.line);
    expect(a.lineage[0]?.id).toBe(b.lineage[0]?.id);
    expect(stepKey(a.lineage[0]!)).toBe(stepKey(b.lineage[0]!));
    const graph = LineageGraph.from({ a, b });
    expect(graph.steps).toHaveLength(1);
    expect(graph.problems()).toEqual([]);
  });
});

describe("codeVersion", () => {
  it("is recorded on the task and in the graph's JSON", () => {
    const versioned = local.task(
      function rates(df: LazyDataFrame) {
        return df;
      },
      { codeVersion: "eur-2024-06" },
    );
    expect(versioned.codeVersion).toBe("eur-2024-06");
    expect(lambda.sql("q", "SELECT 1", { codeVersion: "2" }).codeVersion).toBe("2");
    const [step] = LineageGraph.from(raw.transform(versioned).to(out)).toJSON().steps;
    expect(step?.codeVersion).toBe("eur-2024-06");
  });

  it("is absent unless given", () => {
    expect(clean).not.toHaveProperty("codeVersion");
  });

  it("must be a non-empty string, checked where the task is defined", () => {
    const task = (codeVersion: unknown) => () =>
      local.task(
        function rates(df: LazyDataFrame) {
          return df;
        },
        { codeVersion: codeVersion as string },
      );
    expect(failure(task(""))).toMatchInlineSnapshot(
      `"[INVALID_OPTION] task "rates": codeVersion "" is not a non-empty string. Set codeVersion to a label you change with the code, e.g. codeVersion: "2", or leave it out."`,
    );
    expect(failure(task("  "))).toMatch(/^\[INVALID_OPTION\] task "rates": codeVersion " {2}" is not/);
    expect(failure(task(2))).toMatch(/^\[INVALID_OPTION\] task "rates": codeVersion 2 is not/);
    expect(failure(() => lambda.sql("q", "SELECT 1", { codeVersion: "" }))).toMatch(
      /^\[INVALID_OPTION\] task "q": codeVersion "" is not/,
    );
  });

  it("changes the step's key: another version is another definition", () => {
    const v1 = local.task((df: LazyDataFrame) => df, { name: "copy", codeVersion: "1" });
    const v2 = local.task((df: LazyDataFrame) => df, { name: "copy", codeVersion: "2" });
    expect(stepKey(raw.transform(v1).to(out).lineage[0]!)).not.toBe(
      stepKey(raw.transform(v2).to(out).lineage[0]!),
    );
  });
});
