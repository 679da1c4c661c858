import { readdirSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { LineageGraph } from "@glacier/core";
import { retryCeilingMs } from "@glacier/core/internal";
import { afterEach, describe, expect, it } from "vitest";
import { readRun, type RecordedRunResult, type RunRecord } from "../src/index.js";
import {
  at,
  branches,
  fails,
  memoryDriver,
  MemoryWorld,
  runInMemory,
  task,
  tempProject,
} from "./fixtures/memory-driver.js";

let project: ReturnType<typeof tempProject>;
afterEach(() => project?.cleanup());

function fresh(): MemoryWorld {
  project = tempProject();
  const world = new MemoryWorld();
  world.data.set(at("raw").location, "raw-1");
  return world;
}

const statuses = (result: RecordedRunResult) => result.steps.map((s) => [s.name, s.status, s.reason]);

/** A promise and the function that resolves it. */
function latch(): { readonly promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe("order", () => {
  it("runs each step after the steps it reads from", async () => {
    const world = fresh();
    const s3 = at("raw")
      .transform(task("s1"))
      .to(at("s1"))
      .transform(task("s2"))
      .to(at("s2"))
      .transform(task("s3"))
      .to(at("s3"));
    const graph = LineageGraph.from([s3]);
    const result = await runInMemory(world, project.store, graph, { concurrency: 4 });
    expect(result.status).toBe("succeeded");
    expect(world.events.map((e) => e.event)).toEqual([
      "start:s1#1",
      "end:s1",
      "start:s2#1",
      "end:s2",
      "start:s3#1",
      "end:s3",
    ]);
  });

  it("starts equally weighted steps waiting for a slot in name order, whichever finished deciding first", async () => {
    const world = fresh();
    // raw → g → x1…x5: while g holds the only slot, every x decides and waits for it.
    const g = at("raw").transform(task("g")).to(at("g"));
    const names = ["x5", "x3", "x1", "x4", "x2"];
    const graph = LineageGraph.from(names.map((name) => g.transform(task(name)).to(at(name))));
    world.behaviours.set("g", () => sleep(50));
    const result = await runInMemory(world, project.store, graph, { concurrency: 1 });
    expect(result.status).toBe("succeeded");
    const started = world.names("start:").map((s) => s.replace(/#\d+$/, ""));
    expect(started).toEqual(graph.executionOrder().map((s) => s.name));
    // The result and the record list steps in execution order, whatever order they finished in.
    const record = await readRun(result.runId, { projectDir: project.dir });
    expect(record.steps.map((s) => s.name)).toEqual(graph.executionOrder().map((s) => s.name));
  });

  it("settles a step only after the steps it read from, though it finished while they still hashed", async () => {
    const world = fresh();
    const s2 = at("raw").transform(task("s1")).to(at("s1")).transform(task("s2")).to(at("s2"));
    const graph = LineageGraph.from([s2]);
    // s1's output hash completes only once s2 has run: s2 finishes first, and waits to be settled.
    const hashed = latch();
    world.fingerprintWaits.set("s1", hashed.promise);
    world.behaviours.set("s2", () => void setTimeout(() => hashed.open(), 50));
    const result = await runInMemory(world, project.store, graph);
    expect(result.status).toBe("succeeded");
    expect(world.names("end:")).toEqual(["s1", "s2"]);
    const record = await readRun(result.runId, { projectDir: project.dir });
    const lines = readFileSync(record.logPath, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.filter((l) => String(l["msg"]).startsWith("step succeeded")).map((l) => l["step"])).toEqual([
      "s1",
      "s2",
    ]);
  });

  it("records each finished step soon, before the run ends", async () => {
    const world = fresh();
    const graph = branches();
    let seen: RunRecord | undefined;
    // The record is rewritten a bounded share of the time (at most a second behind): a later step sees it.
    world.behaviours.set("aNext", async () => {
      for (let waited = 0; waited < 3000; waited += 20) {
        seen = JSON.parse(readFileSync(recordFile(project.dir), "utf8")) as RunRecord;
        if (seen.steps.some((s) => s.name === "a")) return;
        await sleep(20);
      }
    });
    await runInMemory(world, project.store, graph, { concurrency: 1 });
    expect(seen?.status).toBe("running");
    // Written as standard indented JSON, whatever the recorder does to write it fast.
    const text = readFileSync(recordFile(project.dir), "utf8");
    expect(text).toBe(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
    expect(seen?.steps.map((s) => [s.name, s.status])).toContainEqual(["a", "succeeded"]);
  });
});

/** The newest run record under a project. */
function recordFile(dir: string): string {
  const runs = `${dir}/.glacier/runs`;
  const newest = readdirSync(runs).sort().at(-1) as string;
  return `${runs}/${newest}/run.json`;
}

describe("concurrency", () => {
  it("never runs more than `concurrency` steps at once", async () => {
    const world = fresh();
    const raw = at("raw");
    const graph = LineageGraph.from(
      ["p1", "p2", "p3", "p4", "p5", "p6"].map((name) => raw.transform(task(name)).to(at(name))),
    );
    for (const name of ["p1", "p2", "p3", "p4", "p5", "p6"]) world.behaviours.set(name, () => sleep(20));
    const result = await runInMemory(world, project.store, graph, { concurrency: 2 });
    expect(result.status).toBe("succeeded");
    expect(world.maxRunning).toBe(2);
  });

  it("runs independent steps at the same time", async () => {
    const world = fresh();
    const secondStarted = latch();
    world.behaviours.set("b", () => secondStarted.promise);
    world.behaviours.set("c", () => secondStarted.open());
    const result = await runInMemory(world, project.store, branches(), { concurrency: 3 });
    expect(result.status).toBe("succeeded");
  });
});

describe("critical-path order", () => {
  /** raw → a, b, c, d (fast), raw → z (slow): name order starts the slow step last. */
  function fanWithSlowLast(world: MemoryWorld): LineageGraph {
    const raw = at("raw");
    for (const name of ["a", "b", "c", "d"]) world.behaviours.set(name, () => sleep(2));
    world.behaviours.set("z", () => sleep(40));
    return LineageGraph.from(["a", "b", "c", "d", "z"].map((name) => raw.transform(task(name)).to(at(name))));
  }
  const dispatched = (world: MemoryWorld) => world.names("start:").map((s) => s.replace(/#\d+$/, ""));

  it("starts the slowest step first once an earlier run recorded the durations", async () => {
    const world = fresh();
    const graph = fanWithSlowLast(world);
    // Never ran, nothing to tell the steps apart: name order.
    const first = await runInMemory(world, project.store, graph, { concurrency: 1 });
    expect(dispatched(world)).toEqual(["a", "b", "c", "d", "z"]);
    world.events.length = 0;
    const rerun = await runInMemory(world, project.store, graph, { concurrency: 1, force: true });
    expect(rerun.status).toBe("succeeded");
    // The first run's recorded durations decide, longest first (ties by name): z (40 ms of work) leads unless
    // the machine stalled a 2 ms step for longer, and the order follows the record either way.
    const recorded = (await readRun(first.runId, { projectDir: project.dir })).steps.map(
      (s) => [s.name, s.durationMs ?? 0] as const,
    );
    const expected = [...recorded]
      .sort(([an, ad], [bn, bd]) => bd - ad || (an < bn ? -1 : 1))
      .map(([name]) => name);
    expect(dispatched(world)).toEqual(expected);
    expect(expected).not.toEqual(["a", "b", "c", "d", "z"]);
  });

  it("on a first run, weighs steps by their input bytes and by the chain after them", async () => {
    const world = fresh();
    const small = at("small");
    const big = at("big");
    world.data.set(small.location, "s");
    world.data.set(big.location, "b");
    world.sizes.set(small.location, 1_000);
    world.sizes.set(big.location, 5_000_000_000);
    // a1 → a2 → a3 (a long chain of small steps) beside b (one big step) and c (one small step).
    const chain = small.transform(task("a1")).to(at("a1")).transform(task("a2")).to(at("a2"));
    const graph = LineageGraph.from([
      chain.transform(task("a3")).to(at("a3")),
      big.transform(task("b")).to(at("b")),
      small.transform(task("c")).to(at("c")),
    ]);
    await runInMemory(world, project.store, graph, { concurrency: 1 });
    // b: 20 ms + 5 GB at 100 MB/s = 50 s; a1: three 20 ms steps; c: one.
    expect(dispatched(world)).toEqual(["b", "a1", "a2", "a3", "c"]);
  });

  it("a step still deciding holds back lower-ranked steps, so it gets the slot", async () => {
    const world = fresh();
    // raw → a, b, c, d; raw → z → zNext → zLast: z ranks first by the chain after it (no history needed).
    const raw = at("raw");
    const z = raw.transform(task("z")).to(at("z")).transform(task("zNext")).to(at("z-next"));
    const graph = LineageGraph.from([
      ...["a", "b", "c", "d"].map((name) => raw.transform(task(name)).to(at(name))),
      z.transform(task("zLast")).to(at("z-last")),
    ]);
    // z takes long to decide (its inputs are hashed, say); the others decide at once.
    const driver = memoryDriver(world);
    const slowToDecide: typeof driver = {
      ...driver,
      async evaluate(step, context) {
        if (step.name === "z") await sleep(30);
        return driver.evaluate(step, context);
      },
    };
    const result = await runInMemory(world, project.store, graph, { concurrency: 1, driver: slowToDecide });
    expect(result.status).toBe("succeeded");
    // zNext still has a longer path than a…d; zLast ties with them (one step each) and loses on name.
    expect(dispatched(world)).toEqual(["z", "zNext", "a", "b", "c", "d", "zLast"]);
  });
});

describe("memory-aware admission", () => {
  it("admits steps against the memory budget by the peaks earlier runs recorded", async () => {
    const world = fresh();
    const raw = at("raw");
    const graph = LineageGraph.from(["m1", "m2", "m3"].map((name) => raw.transform(task(name)).to(at(name))));
    for (const name of ["m1", "m2", "m3"]) {
      // Long enough that all three overlap when nothing holds them back, even on a loaded machine.
      world.behaviours.set(name, () => sleep(100));
      world.peaks.set(name, 600);
    }
    // No peaks on record and no sizes: nothing to hold them back but concurrency.
    await runInMemory(world, project.store, graph, { concurrency: 3, memoryBudget: 1_000 });
    expect(world.maxRunning).toBe(3);
    world.maxRunning = 0;
    // 600 + 600 > 1,000: one at a time.
    const rerun = await runInMemory(world, project.store, graph, {
      concurrency: 3,
      memoryBudget: 1_000,
      force: true,
    });
    expect(rerun.status).toBe("succeeded");
    expect(world.maxRunning).toBe(1);
    const record = await readRun(rerun.runId, { projectDir: project.dir });
    expect(record.steps.map((s) => s.peakMemoryBytes)).toEqual([600, 600, 600]);
  });

  it("runs a step expected to exceed the whole budget alone rather than never", async () => {
    const world = fresh();
    const raw = at("raw");
    world.sizes.set(raw.location, 1_000_000);
    const graph = LineageGraph.from(["h1", "h2"].map((name) => raw.transform(task(name)).to(at(name))));
    // 4 bytes per input byte: 4 MB each against a 1 MB budget.
    const result = await runInMemory(world, project.store, graph, {
      concurrency: 2,
      memoryBudget: 1_000_000,
    });
    expect(statuses(result)).toEqual([
      ["h1", "succeeded", "never ran"],
      ["h2", "succeeded", "never ran"],
    ]);
    expect(world.maxRunning).toBe(1);
  });
});

describe("failures", () => {
  it("marks a failed step's downstream not-run (upstream failed) while independent branches finish", async () => {
    const world = fresh();
    world.behaviours.set("a", () => fails("TASK_FAILED", "boom"));
    const result = await runInMemory(world, project.store, branches());
    expect(result.status).toBe("failed");
    expect(Object.fromEntries(result.steps.map((s) => [s.name, [s.status, s.reason]]))).toEqual({
      a: ["failed", "never ran"],
      aNext: ["not-run", "upstream failed"],
      b: ["succeeded", "never ran"],
      c: ["succeeded", "never ran"],
    });
    const aNext = result.steps.find((s) => s.name === "aNext");
    expect(aNext?.error).toBe('not run: upstream step "a" failed.');
    expect(result.steps.find((s) => s.name === "a")).toMatchObject({ code: "TASK_FAILED", attempts: 1 });
  });

  it("fails fast: cancels running steps and starts no more", async () => {
    const world = fresh();
    const bStarted = latch();
    world.behaviours.set("a", async () => {
      await bStarted.promise;
      fails("TASK_FAILED");
    });
    // b runs until it is cancelled; c never gets a slot.
    world.behaviours.set("b", async (attempt) => {
      bStarted.open();
      await new Promise((resolve) => attempt.signal.addEventListener("abort", resolve));
      throw new Error("aborted");
    });
    const graph = branches();
    const result = await runInMemory(world, project.store, graph, { concurrency: 2, failFast: true });
    expect(Object.fromEntries(result.steps.map((s) => [s.name, [s.status, s.reason]]))).toMatchObject({
      a: ["failed", "never ran"],
      aNext: ["not-run", "upstream failed"],
      c: ["not-run", "cancelled"],
    });
    const b = result.steps.find((s) => s.name === "b");
    expect([b?.status, b?.reason]).toEqual(["not-run", "cancelled"]);
    expect(
      world
        .names("start:")
        .map((s) => s.replace(/#\d+$/, ""))
        .sort(),
    ).toEqual(["a", "b"]);
  });
});

describe("cancellation", () => {
  it("aborting the run's signal cancels running steps and starts no more", async () => {
    const world = fresh();
    const controller = new AbortController();
    world.behaviours.set("a", async (attempt) => {
      controller.abort();
      await sleep(10);
      if (attempt.signal.aborted) throw new Error("interrupted");
    });
    const result = await runInMemory(world, project.store, branches(), {
      concurrency: 1,
      signal: controller.signal,
    });
    expect(result.status).toBe("failed");
    expect(result.steps.map((s) => [s.name, s.status, s.reason])).toEqual(
      result.steps.map((s) => [s.name, "not-run", "cancelled"]),
    );
    expect(world.data.has(at("a").location)).toBe(false);
  });
});

describe("incremental decisions", () => {
  it("skips what is up to date, reruns what changed and what reads a changed output", async () => {
    const world = fresh();
    const graph = branches();
    expect(statuses(await runInMemory(world, project.store, graph))).toEqual(
      graph.executionOrder().map((s) => [s.name, "succeeded", "never ran"]),
    );
    const again = await runInMemory(world, project.store, graph);
    expect(statuses(again)).toEqual(graph.executionOrder().map((s) => [s.name, "skipped", "up to date"]));
    // Skipped steps carry what their last run wrote.
    expect(again.steps[0]).toMatchObject({ rows: 1, fingerprint: expect.stringMatching(/^[0-9a-f]{24}$/) });
    world.data.set(at("raw").location, "raw-2");
    const changed = await runInMemory(world, project.store, graph);
    expect(statuses(changed)).toEqual(
      graph.executionOrder().map((s) => [s.name, "succeeded", "input changed"]),
    );
    world.data.delete(at("b").location);
    world.data.set(at("c").location, "edited by hand");
    expect(
      Object.fromEntries(statuses(await runInMemory(world, project.store, graph)).map(([n, ...r]) => [n, r])),
    ).toEqual({
      a: ["skipped", "up to date"],
      aNext: ["skipped", "up to date"],
      b: ["succeeded", "output missing"],
      c: ["succeeded", "output changed"],
    });
    const forced = await runInMemory(world, project.store, graph, { force: true });
    expect(forced.steps.map((s) => s.reason)).toEqual(["forced", "forced", "forced", "forced"]);
  });
});

describe("resume", () => {
  it("reruns what failed or did not run, and what depends on it; skips what the resumed run completed", async () => {
    const world = fresh();
    const graph = branches();
    world.behaviours.set("a", () => fails("TASK_FAILED"));
    const first = await runInMemory(world, project.store, graph);
    expect(first.status).toBe("failed");
    world.behaviours.delete("a");
    const resumed = await readRun(first.runId, { projectDir: project.dir });
    const second = await runInMemory(world, project.store, graph, { resumed });
    expect(Object.fromEntries(statuses(second).map(([n, ...r]) => [n, r]))).toEqual({
      a: ["succeeded", "failed last time"],
      aNext: ["succeeded", "never ran"],
      b: ["skipped", "resumed"],
      c: ["skipped", "resumed"],
    });
    expect((await readRun(second.runId, { projectDir: project.dir })).resumeOf).toBe(first.runId);
  });

  it("reruns a step the resumed run did not complete even when it looks up to date", async () => {
    const world = fresh();
    const graph = branches();
    await runInMemory(world, project.store, graph);
    const done = await runInMemory(world, project.store, graph);
    const interrupted: RunRecord = {
      ...(await readRun(done.runId, { projectDir: project.dir })),
      steps: [],
    };
    const second = await runInMemory(world, project.store, graph, { resumed: interrupted });
    expect(second.steps.map((s) => [s.status, s.reason])).toEqual(
      graph.executionOrder().map(() => ["succeeded", "resumed"]),
    );
  });
});

describe("retries (core's retry policy)", () => {
  it("retries a retryable failure up to retries + 1 attempts, and records them", async () => {
    const world = fresh();
    let calls = 0;
    world.behaviours.set("a", () => {
      calls++;
      if (calls < 3) fails("STORAGE_ERROR", "connection reset");
    });
    const result = await runInMemory(world, project.store, branches({ a: 2 }));
    expect(result.steps.find((s) => s.name === "a")).toMatchObject({ status: "succeeded", attempts: 3 });
    expect(world.names("fail:")).toEqual(["a#1", "a#2"]);
  });

  it("gives up after retries + 1 attempts", async () => {
    const world = fresh();
    world.behaviours.set("a", () => fails("TASK_FAILED"));
    const result = await runInMemory(world, project.store, branches({ a: 1 }));
    expect(result.steps.find((s) => s.name === "a")).toMatchObject({ status: "failed", attempts: 2 });
  });

  it.each(["SCHEMA_MISMATCH", "SOURCE_MISSING", "TASK_RESULT_INVALID", "PARAM_INVALID"] as const)(
    "never retries %s, whatever the task's retries",
    async (code) => {
      const world = fresh();
      world.behaviours.set("a", () => fails(code));
      const result = await runInMemory(world, project.store, branches({ a: 3 }));
      expect(result.steps.find((s) => s.name === "a")).toMatchObject({ status: "failed", code, attempts: 1 });
      expect(world.names("start:")).toContain("a#1");
      expect(world.names("start:")).not.toContain("a#2");
    },
  );

  it("waits a jittered backoff below the policy's ceiling between attempts", async () => {
    const world = fresh();
    world.behaviours.set("a", (attempt) => {
      if (attempt.number === 1) fails("TASK_FAILED");
    });
    // The jitter's highest draw: the wait is (just under) the first retry's ceiling, 1 s.
    await runInMemory(world, project.store, branches({ a: 1 }), { random: () => 0.999 });
    const failedAt = world.events.find((e) => e.event === "fail:a#1")?.at as number;
    const retriedAt = world.events.find((e) => e.event === "start:a#2")?.at as number;
    expect(retriedAt - failedAt).toBeGreaterThanOrEqual(retryCeilingMs(1) * 0.999 - 5);
    expect(retriedAt - failedAt).toBeLessThan(retryCeilingMs(1) + 250);
  });

  it("stops waiting for a retry when the run is cancelled", async () => {
    const world = fresh();
    const controller = new AbortController();
    world.behaviours.set("a", () => {
      setTimeout(() => controller.abort(), 20);
      fails("TASK_FAILED");
    });
    const started = performance.now();
    const result = await runInMemory(world, project.store, branches({ a: 5 }), {
      concurrency: 1,
      signal: controller.signal,
      random: () => 0.999,
    });
    expect(performance.now() - started).toBeLessThan(900);
    expect(result.steps.find((s) => s.name === "a")).toMatchObject({
      status: "not-run",
      reason: "cancelled",
    });
  });
});
