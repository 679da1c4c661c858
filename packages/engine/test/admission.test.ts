import { afterEach, describe, expect, it, vi } from "vitest";
import { Admission, defaultMemoryBudget, DEFAULT_MEMORY_FRACTION, HOLD_BACK_MS } from "../src/index.js";
import { freemem } from "node:os";

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
