import { LineageGraph } from "@glacier/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  Admission,
  budgetOf,
  defaultMemoryBudget,
  DEFAULT_MEMORY_FRACTION,
  dispatchOrder,
  expectedMemory,
  HOLD_BACK_MS,
  largestStepBudget,
  MEMORY_PER_INPUT_BYTE,
  NO_HISTORY,
  OVERLAP_FLOOR_BYTES,
  stepCosts,
} from "../src/index.js";
import { freemem } from "node:os";
import { at, task } from "./fixtures/memory-driver.js";

/** Acquires and records the order in which steps are admitted. */
function recorder(admission: Admission) {
  const admitted: string[] = [];
  const ask = (id: string, rank: number, memory = 0) =>
    admission.acquire(id, rank, memory).then(() => admitted.push(id));
  return { admitted, ask };
}

afterEach(() => {
  vi.useRealTimers();
});

/** Lets every pending promise callback run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("Admission", () => {
  it("admits up to `concurrency` steps, then the best-ranked waiter as each one leaves", async () => {
    const admission = new Admission({ concurrency: 2 });
    const { admitted, ask } = recorder(admission);
    void ask("first", 5);
    void ask("second", 9);
    void ask("late-low", 7);
    void ask("late-high", 1);
    await settle();
    expect(admitted).toEqual(["first", "second"]);
    admission.release("first");
    await settle();
    expect(admitted).toEqual(["first", "second", "late-high"]);
    admission.release("second");
    await settle();
    expect(admitted).toEqual(["first", "second", "late-high", "late-low"]);
    expect(admission.running).toEqual(["late-high", "late-low"]);
  });

  it("holds lower-ranked steps back while a better-ranked step is deciding, until it asks or withdraws", async () => {
    const admission = new Admission({ concurrency: 1 });
    const { admitted, ask } = recorder(admission);
    admission.deciding("critical", 0);
    admission.deciding("skipped", 1);
    void ask("fast-decider", 2);
    await settle();
    expect(admitted).toEqual([]);
    void ask("critical", 0);
    await settle();
    expect(admitted).toEqual(["critical"]);
    admission.release("critical");
    await settle();
    // "skipped" (rank 1) still decides: rank 2 waits for it.
    expect(admitted).toEqual(["critical"]);
    admission.withdraw("skipped");
    await settle();
    expect(admitted).toEqual(["critical", "fast-decider"]);
  });

  it("holds lower-ranked steps back for at most HOLD_BACK_MS while a better-ranked one decides", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    const admission = new Admission({ concurrency: 1 });
    const { admitted, ask } = recorder(admission);
    admission.deciding("hashing-a-large-input", 0);
    void ask("ready", 1);
    const flush = async () => {
      for (let i = 0; i < 5; i++) await Promise.resolve();
    };
    await flush();
    vi.advanceTimersByTime(HOLD_BACK_MS - 1);
    await flush();
    expect(admitted).toEqual([]);
    vi.advanceTimersByTime(1);
    await flush();
    expect(admitted).toEqual(["ready"]);
  });

  it("admits steps while their expected memory fits the budget, and keeps the order when the next does not", async () => {
    const admission = new Admission({ concurrency: 4, memoryBudget: 10 });
    const { admitted, ask } = recorder(admission);
    void ask("a", 0, 6);
    void ask("b", 1, 6);
    void ask("c", 2, 1);
    await settle();
    // b does not fit beside a; c would, but it ranks below b and does not pass it.
    expect(admitted).toEqual(["a"]);
    expect(admission.memory).toBe(6);
    admission.release("a");
    await settle();
    expect(admitted).toEqual(["a", "b", "c"]);
    expect(admission.memory).toBe(7);
  });

  it("runs a step larger than the whole budget alone", async () => {
    const admission = new Admission({ concurrency: 2, memoryBudget: 10 });
    const { admitted, ask } = recorder(admission);
    void ask("small", 1, 2);
    await settle();
    void ask("huge", 0, 50);
    await settle();
    expect(admitted).toEqual(["small"]);
    admission.release("small");
    await settle();
    expect(admitted).toEqual(["small", "huge"]);
    void ask("after", 2, 1);
    await settle();
    expect(admitted).toEqual(["small", "huge"]);
  });

  it("has a default budget of a fraction of the memory available", () => {
    const budget = defaultMemoryBudget();
    expect(budget).toBeGreaterThan(0);
    // freemem moves between the two calls; a 20% margin covers it.
    expect(budget).toBeLessThanOrEqual(freemem() * DEFAULT_MEMORY_FRACTION * 1.2);
  });
});

const MiB = 2 ** 20;

/** Two heavy steps and two light ones, all reading raw (the shape of two heavy joins beside small aggregates). */
function mixed() {
  const raw = at("raw");
  return LineageGraph.from(
    ["heavyA", "heavyB", "lightC", "lightD"].map((name) => raw.transform(task(name)).to(at(name))),
  );
}

/** An admission under the default policy, and each step's rank and expected memory, as the scheduler has them. */
function underLargestStep(
  graph: LineageGraph,
  history: Parameters<typeof stepCosts>[1],
  sizes: ReadonlyMap<string, number>,
  cap = Number.POSITIVE_INFINITY,
) {
  const costs = stepCosts(graph, history, sizes);
  const budget = budgetOf({ memoryPolicy: "largest-step", memoryBudget: cap }, costs);
  const admission = new Admission({
    concurrency: 4,
    ...(budget === undefined ? {} : { memoryBudget: budget }),
  });
  const rank = new Map(dispatchOrder(graph, costs).map((step, i) => [step.id, i]));
  const { admitted, ask } = recorder(admission);
  const askFor = (name: string) => {
    const id = graph.step(name).id;
    const cost = costs.get(id);
    return ask(name, rank.get(id) ?? 0, cost ? expectedMemory({ memoryPolicy: "largest-step" }, cost) : 0);
  };
  return { admission, admitted, askFor, budget, id: (name: string) => graph.step(name).id };
}

describe("the default policy: the largest step's expected peak plus a slack", () => {
  it("is the largest expected peak plus 64 MiB, or 10% when that is more, never above the cap", () => {
    expect(largestStepBudget([245 * MiB, 233 * MiB, 25 * MiB], Number.POSITIVE_INFINITY)).toBe(309 * MiB);
    expect(largestStepBudget([2_000 * MiB, 10 * MiB], Number.POSITIVE_INFINITY)).toBe(2_200 * MiB);
    expect(largestStepBudget([2_000 * MiB], 1_000 * MiB)).toBe(1_000 * MiB);
    // Nothing expected to need memory (no sizes, no history): only the slack.
    expect(largestStepBudget([0, 0], Number.POSITIVE_INFINITY)).toBe(OVERLAP_FLOOR_BYTES);
  });

  it("runs the two heavy steps recorded by the last run one at a time, and the light ones beside them", async () => {
    const graph = mixed();
    const id = (name: string) => graph.step(name).id;
    const peaks = new Map([
      [id("heavyA"), 245 * MiB],
      [id("heavyB"), 233 * MiB],
      [id("lightC"), 25 * MiB],
      [id("lightD"), 1 * MiB],
    ]);
    const { admission, admitted, askFor, budget } = underLargestStep(
      graph,
      { durations: new Map(), peaks },
      new Map(),
    );
    expect(budget).toBe(309 * MiB);
    for (const name of ["heavyA", "heavyB", "lightC", "lightD"]) void askFor(name);
    await settle();
    // heavyB does not fit beside heavyA (478 MiB > 309 MiB), and the light steps rank below it: they wait.
    expect(admitted).toEqual(["heavyA"]);
    admission.release("heavyA");
    await settle();
    // heavyB (233) + lightC (25) + lightD (1) = 259 MiB fit.
    expect(admitted).toEqual(["heavyA", "heavyB", "lightC", "lightD"]);
    expect(admission.memory).toBe(259 * MiB);
  });

  it("lets light steps overlap with each other and with a heavy one when no heavy step waits before them", async () => {
    const graph = mixed();
    const id = (name: string) => graph.step(name).id;
    const peaks = new Map([
      [id("heavyA"), 800 * MiB],
      [id("heavyB"), 700 * MiB],
      [id("lightC"), 40 * MiB],
      [id("lightD"), 30 * MiB],
    ]);
    const { admitted, askFor, budget } = underLargestStep(graph, { durations: new Map(), peaks }, new Map());
    // 800 + max(64, 80) MiB.
    expect(budget).toBe(880 * MiB);
    void askFor("heavyA");
    void askFor("lightC");
    void askFor("lightD");
    await settle();
    // 800 + 40 + 30 = 870 MiB ≤ 880 MiB.
    expect(admitted).toEqual(["heavyA", "lightC", "lightD"]);
  });

  it("serialises heavy steps on a first run by their estimates from input bytes", async () => {
    const raw = at("raw");
    const small = at("small");
    const graph = LineageGraph.from([
      raw.transform(task("bigJoin")).to(at("bigJoin")),
      raw.transform(task("bigAgg")).to(at("bigAgg")),
      small.transform(task("tiny1")).to(at("tiny1")),
      small.transform(task("tiny2")).to(at("tiny2")),
    ]);
    const sizes = new Map([
      [raw.location, 100 * MiB],
      [small.location, 1 * MiB],
    ]);
    const { admission, admitted, askFor, budget } = underLargestStep(graph, NO_HISTORY, sizes);
    expect(budget).toBe(100 * MiB * MEMORY_PER_INPUT_BYTE + 64 * MiB);
    for (const name of ["bigAgg", "bigJoin", "tiny1", "tiny2"]) void askFor(name);
    await settle();
    expect(admitted).toEqual(["bigAgg"]);
    admission.release("bigAgg");
    await settle();
    // bigJoin (400 MiB) and both tiny steps (4 MiB each) fit in 464 MiB.
    expect(admitted).toEqual(["bigAgg", "bigJoin", "tiny1", "tiny2"]);
  });

  it("does not take a large step for a small one when its recorded peak undercounts (memory the allocator kept)", async () => {
    const graph = mixed();
    const id = (name: string) => graph.step(name).id;
    // heavyB ran right after heavyA and reused what heavyA freed: its RSS rose by 20 MiB only.
    const peaks = new Map([
      [id("heavyA"), 400 * MiB],
      [id("heavyB"), 20 * MiB],
    ]);
    const { admitted, askFor, budget } = underLargestStep(
      graph,
      { durations: new Map(), peaks },
      new Map([[at("raw").location, 100 * MiB]]),
    );
    expect(budget).toBe(400 * MiB + 64 * MiB);
    void askFor("heavyA");
    void askFor("heavyB");
    await settle();
    // heavyB is expected to need 4 × 100 MiB, as its input says: it waits.
    expect(admitted).toEqual(["heavyA"]);
  });

  it("lets tiny steps of equal size all overlap (the slack, not 2× the largest, bounds them)", async () => {
    const raw = at("raw");
    const names = ["t1", "t2", "t3", "t4"];
    const graph = LineageGraph.from(names.map((name) => raw.transform(task(name)).to(at(name))));
    const { admitted, askFor } = underLargestStep(graph, NO_HISTORY, new Map([[raw.location, 10_000]]));
    for (const name of names) void askFor(name);
    await settle();
    expect(admitted).toHaveLength(4);
  });

  it("keeps an explicit budget as given (the fixed policy)", () => {
    const costs = stepCosts(mixed(), NO_HISTORY, new Map([[at("raw").location, 100 * MiB]]));
    expect(budgetOf({ memoryBudget: 123 }, costs)).toBe(123);
    expect(budgetOf({ memoryPolicy: "fixed", memoryBudget: 123 }, costs)).toBe(123);
    expect(budgetOf({}, costs)).toBeUndefined();
    // The largest-step policy never exceeds the budget it is given as a cap.
    expect(budgetOf({ memoryPolicy: "largest-step", memoryBudget: 123 }, costs)).toBe(123);
  });
});
