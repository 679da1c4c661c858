import { check, LineageGraph, type CheckNode } from "@glacier/core";
import { afterEach, describe, expect, it } from "vitest";
import { planRun } from "../src/index.js";
import {
  at,
  branches,
  task,
  memoryDriver,
  MemoryWorld,
  runInMemory,
  tempProject,
} from "./fixtures/memory-driver.js";

let project: ReturnType<typeof tempProject>;
afterEach(() => project?.cleanup());

describe("the plan", () => {
  it("says what would run and why, serialisable, and runs and writes nothing", async () => {
    project = tempProject();
    const world = new MemoryWorld();
    world.data.set(at("raw").location, "raw-1");
    const graph = branches();
    await runInMemory(world, project.store, graph);
    world.data.set(at("raw").location, "raw-2");
    world.codeVersion = "v1";
    const before = new Map(world.data);
    const plan = await planRun({ graph, driver: memoryDriver(world), store: project.store, force: false });
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
    expect(plan.kind).toBe("plan");
    expect(plan.mode).toBe("local");
    expect(plan.steps.map((s) => [s.name, s.action, s.reason])).toEqual(
      graph
        .executionOrder()
        .map((s) => [s.name, "run", s.name === "aNext" ? "upstream will run" : "input changed"]),
    );
    // A step whose inputs are about to change has no fingerprint yet; the others do.
    expect(plan.steps.find((s) => s.name === "aNext")?.fingerprint).toBeUndefined();
    expect(plan.steps.find((s) => s.name === "b")?.fingerprint).toMatch(/^[0-9a-f]{24}$/);
    expect(world.events.filter((e) => e.event.startsWith("start:"))).toHaveLength(4);
    expect(world.data).toEqual(before);
  });

  it("decides a step downstream of one that would run by what it can see first", async () => {
    project = tempProject();
    const world = new MemoryWorld();
    world.data.set(at("raw").location, "raw-1");
    const graph = branches();
    await runInMemory(world, project.store, graph);
    world.codeVersion = "v2";
    const plan = await planRun({ graph, driver: memoryDriver(world), store: project.store, force: false });
    // Every step's code changed: that decides before "upstream will run" could.
    expect(plan.steps.map((s) => s.reason)).toEqual([
      "code changed",
      "code changed",
      "code changed",
      "code changed",
    ]);
    const forced = await planRun({ graph, driver: memoryDriver(world), store: project.store, force: true });
    expect(forced.steps.map((s) => s.reason)).toEqual(["forced", "forced", "forced", "forced"]);
  });
});

describe("changed checks", () => {
  const graph = (checks: readonly CheckNode[]) =>
    LineageGraph.from([
      at("raw")
        .transform(task("a"))
        .to(at("a"))
        .check(...checks),
    ]);

  it("rerun a step whose driver cannot recheck its stored output, and only when nothing else changed", async () => {
    project = tempProject();
    const world = new MemoryWorld();
    world.data.set(at("raw").location, "raw-1");
    await runInMemory(world, project.store, graph([check.notNull("id")]));
    const plan = (checks: Parameters<typeof graph>[0]) =>
      planRun({ graph: graph(checks), driver: memoryDriver(world), store: project.store, force: false });
    expect((await plan([check.notNull("id")])).steps.map((s) => [s.action, s.reason])).toEqual([
      ["skip", "up to date"],
    ]);
    // The memory driver has no recheck: the step runs, saying why.
    expect(
      (await plan([check.notNull("id"), check.unique("id")])).steps.map((s) => [s.action, s.reason]),
    ).toEqual([["run", "checks changed"]]);
    // An expression check's builder text is part of it.
    await runInMemory(world, project.store, graph([check.expr("positive", (pl) => pl.col("v").gt(0))]));
    const changed = [check.expr("positive", (pl) => pl.col("v").gt(1))];
    expect((await plan(changed)).steps.map((s) => s.reason)).toEqual(["checks changed"]);
    // Something else changed too: that reason decides.
    world.data.set(at("raw").location, "raw-2");
    expect((await plan([check.unique("id")])).steps.map((s) => s.reason)).toEqual(["input changed"]);
  });
});
