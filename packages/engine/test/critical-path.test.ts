import { LineageGraph } from "@glacier/core";
import { describe, expect, it } from "vitest";
import {
  dispatchOrder,
  ESTIMATE_BYTES_PER_MS,
  ESTIMATE_FIXED_MS,
  MEMORY_PER_INPUT_BYTE,
  NO_HISTORY,
  stepCosts,
} from "../src/index.js";
import { at, task } from "./fixtures/memory-driver.js";

/** q1, q10, q2 and q9 read raw; q9 feeds report: name order (q1, q10, q2, q9) is the worst order. */
function queries() {
  const raw = at("raw");
  const q9 = raw.transform(task("q9")).to(at("q9"));
  return LineageGraph.from([
    ...["q1", "q10", "q2"].map((name) => raw.transform(task(name)).to(at(name))),
    q9.transform(task("report")).to(at("report")),
  ]);
}

describe("stepCosts and dispatchOrder", () => {
  it("weighs steps by their recorded durations and adds the chain after them", () => {
    const graph = queries();
    const id = (name: string) => graph.step(name).id;
    const durations = new Map([
      [id("q1"), 100],
      [id("q10"), 300],
      [id("q2"), 200],
      [id("q9"), 900],
      [id("report"), 50],
    ]);
    const costs = stepCosts(graph, { durations, peaks: new Map() }, new Map());
    expect(costs.get(id("q9"))).toMatchObject({ durationMs: 900, source: "recorded", remainingMs: 950 });
    expect(costs.get(id("report"))?.remainingMs).toBe(50);
    expect(dispatchOrder(graph, costs).map((s) => s.name)).toEqual(["q9", "q10", "q2", "q1", "report"]);
  });

  it("ranks a chain of shorter steps above one longer step when the chain is longer in all", () => {
    // raw → a (800 ms); raw → z1 → z2 → z3 (300 ms each): z1 is the shorter step but leads the longer path.
    const raw = at("raw");
    const z1 = raw.transform(task("z1")).to(at("z1"));
    const z2 = z1.transform(task("z2")).to(at("z2"));
    const graph = LineageGraph.from([
      raw.transform(task("a")).to(at("a")),
      z2.transform(task("z3")).to(at("z3")),
    ]);
    const id = (name: string) => graph.step(name).id;
    const durations = new Map([
      [id("a"), 800],
      [id("z1"), 300],
      [id("z2"), 300],
      [id("z3"), 300],
    ]);
    const costs = stepCosts(graph, { durations, peaks: new Map() }, new Map());
    expect(costs.get(id("z1"))?.remainingMs).toBe(900);
    expect(costs.get(id("z2"))?.remainingMs).toBe(600);
    expect(dispatchOrder(graph, costs).map((s) => s.name)).toEqual(["z1", "a", "z2", "z3"]);
  });

  it("estimates a step that never ran from its input bytes, counting a not-yet-written input as its producer's", () => {
    const graph = queries();
    const raw = at("raw").location;
    const costs = stepCosts(graph, NO_HISTORY, new Map([[raw, 2_000_000]]));
    const q9 = costs.get(graph.step("q9").id);
    const estimate = ESTIMATE_FIXED_MS + 2_000_000 / ESTIMATE_BYTES_PER_MS;
    expect(q9).toMatchObject({
      source: "estimated",
      inputBytes: 2_000_000,
      durationMs: estimate,
      memoryBytes: 2_000_000 * MEMORY_PER_INPUT_BYTE,
      remainingMs: 2 * estimate,
    });
    // report reads q9's output, absent yet: assumed as large as q9's input.
    expect(costs.get(graph.step("report").id)?.inputBytes).toBe(2_000_000);
    // Equal estimates: the chain goes first, then name order.
    expect(dispatchOrder(graph, costs).map((s) => s.name)).toEqual(["q9", "q1", "q10", "q2", "report"]);
  });

  it("prefers a recorded peak to the estimate from input bytes", () => {
    const graph = queries();
    const q1 = graph.step("q1").id;
    const costs = stepCosts(
      graph,
      { durations: new Map(), peaks: new Map([[q1, 123]]) },
      new Map([[at("raw").location, 1_000]]),
    );
    expect(costs.get(q1)?.memoryBytes).toBe(123);
    expect(costs.get(graph.step("q2").id)?.memoryBytes).toBe(1_000 * MEMORY_PER_INPUT_BYTE);
  });
});
