import type { LineageGraph, PlannedStep as CorePlannedStep, RunPlan as CoreRunPlan } from "@glacier/core";
import type { RunRecord, StepReason } from "./run-record.js";
import type { RunStore } from "./run-store.js";
import { readHistory } from "./run-history.js";
import { decideStep, evaluateWithChecks, lastState, resumeOf } from "./scheduler.js";
import type { StepBase, StepDriver } from "./step-driver.js";
import { fingerprintOf } from "./step-state.js";

/** One step of a plan: whether it would run, and why. */
export interface PlannedStep extends StepBase, CorePlannedStep {
  readonly reason: StepReason;
  /** The step's fingerprint now, when its inputs could be fingerprinted (no upstream step will rewrite them). */
  readonly fingerprint?: string;
}

/** What a run would do, decided and serialisable, nothing run: what `glacier run --plan` prints. */
export interface RunPlan extends CoreRunPlan {
  readonly version: 1;
  readonly mode: StepDriver["mode"];
  /** In execution order. */
  readonly steps: readonly PlannedStep[];
}

/**
 * Decides every step as a run would, in execution order, running and writing nothing. A step downstream of
 * one that would run is decided without its inputs (they are about to be rewritten): "upstream will run",
 * unless something else already decides it.
 *
 * @example
 * ```ts
 * await planRun({ graph, driver, store, force: false });
 * // { kind: "plan", version: 1, mode: "local", steps: [
 * //   { name: "cleanSales", action: "run", reason: "code changed", … },
 * //   { name: "dailyRevenue", action: "run", reason: "upstream will run", … }] }
 * ```
 */
export async function planRun(input: {
  readonly graph: LineageGraph;
  readonly driver: StepDriver;
  readonly store: RunStore;
  readonly force: boolean;
  readonly resumed?: RunRecord;
}): Promise<RunPlan> {
  const { graph, driver } = input;
  const willRun = new Set<string>();
  const steps: PlannedStep[] = [];
  const previous = (await readHistory(input.store, driver.mode)).statuses;
  for (const step of graph.executionOrder()) {
    const upstreamWillRun = graph.dependenciesOf(step).some((d) => willRun.has(d.id));
    const last = await lastState(input, driver, step.id);
    const evaluation = await evaluateWithChecks(driver, step, { last, force: input.force, upstreamWillRun });
    evaluation.inputs?.catch(() => undefined);
    const previousStatus = previous.get(step.id);
    const decision = await decideStep(evaluation, last, {
      force: input.force,
      resume: resumeOf(step.id, input.resumed),
      ...(previousStatus === undefined ? {} : { previous: previousStatus }),
    });
    // A step whose checks alone changed is rechecked, and runs when its driver cannot recheck.
    const runs = decision.run || (decision.recheck === true && driver.recheck === undefined);
    if (runs) willRun.add(step.id);
    const inputs = evaluation.inputs === null ? null : await evaluation.inputs;
    steps.push({
      ...driver.describe(step),
      action: runs ? "run" : decision.recheck ? "check" : "skip",
      reason: decision.reason,
      ...(inputs === null ? {} : { fingerprint: fingerprintOf({ ...evaluation.components, inputs }) }),
    });
  }
  return { kind: "plan", version: 1, mode: driver.mode, steps };
}
