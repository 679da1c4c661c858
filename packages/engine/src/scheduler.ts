import { setTimeout as sleep } from "node:timers/promises";
import { checkResultsOf, type CheckResult, type LineageGraph, type StepNode } from "@glacier/core";
import { isRetryable, retryAttempts, retryDelayMs, stepInputs } from "@glacier/core/internal";
import { Admission, largestStepBudget } from "./admission.js";
import { dispatchOrder, stepCosts, type StepCost } from "./critical-path.js";
import { messageOf, withoutSubject } from "./message-of.js";
import { NO_HISTORY, readHistory } from "./run-history.js";
import type { RunRecord, StepNote, StepReason, StepRecord } from "./run-record.js";
import type { RunSession } from "./run-session.js";
import { readJson, writeJsonAtomic } from "./run-store.js";
import type { EvaluationContext, StepDriver, StepEvaluation } from "./step-driver.js";
import {
  checksComponent,
  decide,
  fingerprintOf,
  type Decision,
  type StepComponents,
  type StepState,
} from "./step-state.js";

/** How to schedule a run's steps. */
export interface Schedule {
  readonly graph: LineageGraph;
  readonly driver: StepDriver;
  /** Steps running at once (at least 1). */
  readonly concurrency: number;
  /**
   * Bytes of memory the running steps may be expected to hold together (see {@link Admission}): each step is
   * admitted against its peak in earlier runs, or an estimate from its input bytes. Absent: no memory limit
   * (steps that do not run in this process). The local executor passes `defaultMemoryBudget()`.
   */
  readonly memoryBudget?: number;
  /**
   * `"largest-step"`: the budget is {@link largestStepBudget} of the steps' expected peaks, at most
   * `memoryBudget` — running steps together then barely raises the run's peak above its largest step's (the
   * local executor's default when given neither a budget nor a concurrency). `"fixed"` (default): `memoryBudget`.
   */
  readonly memoryPolicy?: "fixed" | "largest-step";
  /** On the first failure, cancel running steps and start no more. */
  readonly failFast: boolean;
  /** Run every step, whatever its state. */
  readonly force: boolean;
  /** The run being resumed: what it completed is skipped, the rest reruns. */
  readonly resumed?: RunRecord;
  /** Cancels the run like Ctrl-C: running attempts are aborted, nothing new starts. */
  readonly signal?: AbortSignal;
  /**
   * Steps whose record is already settled by someone else (a Step Functions execution): not run, not
   * recorded again, but their status gates their consumers as a finished step's would.
   */
  readonly settled?: ReadonlyMap<string, StepRecord>;
  /** The jitter of retry waits (default `Math.random`); the retry policy itself is core's `RETRY_POLICY`. */
  readonly random?: () => number;
}

/** What a consumer needs to know of a step before it starts: whether the step's output is there to read. */
type Gate = Pick<StepRecord, "name" | "status">;

/** How a resumed run treats a step: the resumed run completed it (succeeded or skipped), or did not. */
export function resumeOf(stepId: string, resumed: RunRecord | undefined): "completed" | "rerun" | null {
  if (!resumed) return null;
  const earlier = resumed.steps.find((s) => s.id === stepId);
  return earlier?.status === "succeeded" || earlier?.status === "skipped" ? "completed" : "rerun";
}

/**
 * The driver's evaluation of a step, with the component every driver shares: the hash of its checks (see
 * {@link checksComponent}).
 */
export async function evaluateWithChecks(
  driver: StepDriver,
  step: StepNode,
  context: EvaluationContext,
): Promise<StepEvaluation> {
  const evaluation = await driver.evaluate(step, context);
  return { ...evaluation, components: { ...evaluation.components, ...checksComponent(step) } };
}

/** The step's last successful run in the driver's mode, or null. */
export async function lastState(
  session: { readonly store: RunSession["store"] },
  driver: StepDriver,
  stepId: string,
): Promise<StepState | null> {
  const stored = await readJson<StepState>(session.store.statePath(driver.mode, stepId));
  return stored?.stepId === stepId ? stored : null;
}

/**
 * The decision from a driver's evaluation: inputs are awaited only when nothing else decides. A resumed run
 * skips what the resumed run completed (when its output is still there) and reruns the rest, even up to date.
 *
 * @example
 * ```ts
 * await decideStep(evaluation, last, { force: false, resume: null });
 * // { run: true, reason: "input changed" }
 * ```
 */
export async function decideStep(
  evaluation: StepEvaluation,
  last: StepState | null,
  options: {
    readonly force: boolean;
    readonly resume: "completed" | "rerun" | null;
    /** How the step ended in the newest earlier run of this mode ({@link readHistory}). */
    readonly previous?: StepRecord["status"];
  },
): Promise<Decision> {
  const { components, inputs, output } = evaluation;
  if (options.resume === "completed" && output.exists && !options.force)
    return { run: false, reason: "resumed" };
  let decision = decide({ ...components, inputs: null }, last, output, options.force);
  if (decision.reason === "upstream will run" && inputs !== null) {
    decision = decide({ ...components, inputs: await inputs }, last, output, options.force);
  }
  if (options.resume === "rerun" && !decision.run) return { run: true, reason: "resumed" };
  // No successful run on record: say so precisely when the step did run before, and failed.
  if (decision.reason === "never ran" && options.previous === "failed") {
    return { run: true, reason: "failed last time" };
  }
  return decision;
}

/**
 * Runs the graph's steps through a driver: each in dependency order as soon as its inputs are ready, up to
 * `concurrency` at once and within `memoryBudget`, skipping those whose components match their last
 * successful run. Ready steps start by their remaining critical path (`critical-path.ts`): the longest chain
 * of durations from the step to the end of the graph, each step weighted by its duration in earlier runs or,
 * never run, an estimate from its input bytes; ties by name. A failed attempt is retried by core's retry
 * policy (attempts `retries + 1`, exponential backoff with full jitter, never for a non-retryable code). A failure marks
 * everything downstream "not-run" ("upstream failed") while independent branches finish — or, failing fast,
 * cancels running steps and starts no more. Every finished step is recorded at once (run record, log,
 * progress) and a succeeded one's state is written to `.glacier/state/<mode>/`.
 *
 * @example
 * ```ts
 * await runSchedule(session, { graph, driver, concurrency: 2, failFast: false, force: false });
 * // [{ name: "a", status: "failed", reason: "never ran", code: "TASK_FAILED", attempts: 3, … },
 * //  { name: "aNext", status: "not-run", reason: "upstream failed", error: 'not run: upstream step "a" failed.' },
 * //  { name: "b", status: "succeeded", reason: "never ran", rows: 5, … }]
 * ```
 */
export async function runSchedule(session: RunSession, schedule: Schedule): Promise<StepRecord[]> {
  const { graph, driver } = schedule;
  const order = graph.executionOrder();
  const controller = new AbortController();
  const signal = schedule.signal ? AbortSignal.any([controller.signal, schedule.signal]) : controller.signal;
  // Opened when a step's output is final: committed (its record may follow), skipped, failed or not run.
  const gates = new Map<string, Promise<Gate>>();
  const settle = (record: StepRecord) => session.settle(record);
  const history = readHistory(session.store, driver.mode, session.runId).catch(() => NO_HISTORY);
  const previous = history.then((h) => h.statuses);
  // Every step's cost and place in the dispatch order, known before the first one is admitted.
  const ranking = Promise.all([history, inputSizes(graph, driver)]).then(([known, sizes]) => {
    const costs = stepCosts(graph, known, sizes);
    const rank = new Map(dispatchOrder(graph, costs).map((step, i) => [step.id, i]));
    const memoryBudget = budgetOf(schedule, costs);
    if (schedule.memoryPolicy === "largest-step" && memoryBudget !== undefined) {
      session.log.write({
        level: "info",
        message: "memory budget: the largest step's expected peak plus a slack",
        fields: { memoryBudget },
      });
    }
    const admission = new Admission({
      concurrency: schedule.concurrency,
      ...(memoryBudget === undefined ? {} : { memoryBudget }),
    });
    return { costs, rank, admission };
  });

  const failed = (step: StepNode, error: unknown, fields: Partial<StepRecord> = {}): Promise<StepRecord> => {
    if (schedule.failFast) controller.abort();
    const failure = driver.failure(step, error);
    const checks = checkResultsOf(error);
    return settle({
      ...driver.describe(step),
      status: "failed",
      ...fields,
      ...(checks === undefined ? {} : { checks }),
      error: failure.error,
      ...(failure.code === undefined ? {} : { code: failure.code }),
      ...failure.details,
      ...(fields.startedAt === undefined ? {} : { finishedAt: new Date().toISOString() }),
    });
  };

  const run = async (step: StepNode, open: (gate: Gate) => void): Promise<StepRecord> => {
    const base = driver.describe(step);
    const upstream = await Promise.all(
      graph.dependenciesOf(step).map((d) => gates.get(d.id) as Promise<Gate>),
    );
    // A cancelled run cancels what waited for its inputs, whatever state they were left in.
    if (schedule.signal?.aborted) return settle({ ...base, status: "not-run", reason: "cancelled" });
    const blocked = upstream.find((r) => r.status === "failed" || r.status === "not-run");
    if (blocked) {
      return settle({
        ...base,
        status: "not-run",
        reason: "upstream failed",
        error: `not run: upstream step "${blocked.name}" ${blocked.status === "failed" ? "failed" : "did not run"}.`,
      });
    }
    if (signal.aborted) return settle({ ...base, status: "not-run", reason: "cancelled" });
    const { costs, rank, admission } = await ranking;
    const place = rank.get(step.id) ?? Number.MAX_SAFE_INTEGER;
    admission.deciding(step.id, place);
    try {
      return await decideAndRun(step, admission, place, costs.get(step.id), open);
    } finally {
      admission.withdraw(step.id);
    }
  };

  /** Decides whether the step runs; when it does, waits for admission and runs its attempts. */
  const decideAndRun = async (
    step: StepNode,
    admission: Admission,
    place: number,
    cost: StepCost | undefined,
    open: (gate: Gate) => void,
  ): Promise<StepRecord> => {
    const base = driver.describe(step);
    let evaluation: StepEvaluation;
    let last: StepState | null;
    let decision: Decision;
    try {
      last = await lastState(session, driver, step.id);
      evaluation = await evaluateWithChecks(driver, step, {
        last,
        force: schedule.force,
        upstreamWillRun: false,
      });
      // Awaited later (or never, when the step is skipped): a failure must not go unhandled meanwhile.
      evaluation.inputs?.catch(() => undefined);
      const previousStatus = (await previous).get(step.id);
      decision = await decideStep(evaluation, last, {
        force: schedule.force,
        resume: resumeOf(step.id, schedule.resumed),
        ...(previousStatus === undefined ? {} : { previous: previousStatus }),
      });
    } catch (error) {
      admission.withdraw(step.id);
      return failed(step, error);
    }
    // Only the checks changed: they run on the stored output (a driver that cannot do that reruns the step).
    if (decision.recheck && last) {
      if (driver.recheck) {
        await admission.acquire(step.id, place, 0);
        try {
          return await recheck(step, evaluation, last, driver.recheck.bind(driver));
        } finally {
          admission.release(step.id);
        }
      }
      decision = { run: true, reason: decision.reason };
    }
    if (!decision.run) {
      admission.withdraw(step.id);
      return settle({
        ...base,
        status: "skipped",
        reason: decision.reason,
        ...(last
          ? {
              ...(last.rows === undefined ? {} : { rows: last.rows }),
              ...(last.bytes === undefined ? {} : { bytes: last.bytes }),
              fingerprint: last.fingerprint,
              outputFingerprint: last.outputFingerprint,
            }
          : {}),
      });
    }
    driver.prepare?.(step);
    await admission.acquire(step.id, place, cost ? expectedMemory(schedule, cost) : 0);
    try {
      if (signal.aborted) return settle({ ...base, status: "not-run", reason: "cancelled" });
      // Its output committed, the step's slot is free: its fingerprint, state and record need no worker or
      // memory (held until they were written, the slot idled for the record's rewrite). Freed once the
      // consumers this commit lets start have said they are deciding (a few promise turns), so the slot goes
      // by rank between them and the steps already waiting, as it did when it was freed later.
      const committed = (gate: Gate): void => {
        open(gate);
        setImmediate(() => admission.release(step.id));
      };
      const recordedMs = cost?.source === "recorded" ? cost.durationMs : undefined;
      return await attempts(step, decision.reason, evaluation, committed, recordedMs);
    } finally {
      admission.release(step.id);
    }
  };

  /**
   * Runs a step's checks on its stored output, the step up to date but for them. Passed (warnings included):
   * skipped, with the results, and its state takes the new checks. A blocking failure fails the step with
   * CHECK_FAILED, so its consumers do not run; its state is left as it was, so the next run checks again.
   */
  const recheck = async (
    step: StepNode,
    evaluation: StepEvaluation,
    last: StepState,
    run: NonNullable<StepDriver["recheck"]>,
  ): Promise<StepRecord> => {
    const base = driver.describe(step);
    const startedAt = new Date().toISOString();
    const started = performance.now();
    const reason = "checks changed";
    let checks: readonly CheckResult[];
    try {
      checks = await run(step, signal);
    } catch (error) {
      if (signal.aborted) return settle({ ...base, status: "not-run", reason: "cancelled", startedAt });
      return failed(step, error, {
        reason,
        durationMs: Math.round(performance.now() - started),
        attempts: 1,
        startedAt,
      });
    }
    const finishedAt = new Date().toISOString();
    const components: StepComponents = { ...last.components };
    delete (components as { checks?: string }).checks;
    const rechecked: StepComponents = { ...components, ...pickChecks(evaluation.components) };
    const fingerprint = fingerprintOf(rechecked);
    await writeJsonAtomic(session.store.statePath(driver.mode, step.id), {
      ...last,
      fingerprint,
      components: rechecked,
      runId: session.runId,
      finishedAt,
    } satisfies StepState);
    return settle({
      ...base,
      status: "skipped",
      reason,
      ...(last.rows === undefined ? {} : { rows: last.rows }),
      ...(last.bytes === undefined ? {} : { bytes: last.bytes }),
      durationMs: Math.round(performance.now() - started),
      fingerprint,
      outputFingerprint: last.outputFingerprint,
      startedAt,
      finishedAt,
      checks,
    });
  };

  /** Runs a step's attempts, then settles it: succeeded, failed, or cancelled. */
  const attempts = async (
    step: StepNode,
    reason: StepReason,
    evaluation: StepEvaluation,
    open: (gate: Gate) => void,
    recordedMs: number | undefined,
  ): Promise<StepRecord> => {
    const base = driver.describe(step);
    const startedAt = new Date().toISOString();
    const started = performance.now();
    const of = retryAttempts(step.task.retries);
    // Every attempt runs the same task, so a note is shown and kept once, not per retry.
    const notes = new Map<string, StepNote>();
    const note = async (n: StepNote): Promise<void> => {
      if (notes.has(n.message)) return;
      notes.set(n.message, n);
      await session.progress.noted(step.id, n);
    };
    const kept = () => (notes.size > 0 ? { notes: [...notes.values()] } : {});
    const cancelled = () => settle({ ...base, status: "not-run", reason: "cancelled", startedAt });
    session.started(step, reason);
    for (let number = 1; ; number++) {
      let outcome;
      try {
        outcome = await driver.execute(step, {
          number,
          of,
          signal,
          note,
          ...(recordedMs === undefined ? {} : { recordedMs }),
        });
      } catch (error) {
        if (signal.aborted) return cancelled();
        const retrying = number < of && isRetryable(error);
        session.attemptFailed(
          step,
          { number, of },
          error,
          withoutSubject(messageOf(error), step.name),
          retrying,
        );
        if (!retrying) {
          return failed(step, error, {
            reason,
            durationMs: Math.round(performance.now() - started),
            attempts: number,
            startedAt,
            ...kept(),
          });
        }
        await sleep(retryDelayMs(number, schedule.random), undefined, { signal }).catch(() => undefined);
        if (signal.aborted) return cancelled();
        continue;
      }
      const finishedAt = new Date().toISOString();
      // The output is committed: consumers may start while its fingerprint and this step's record complete.
      open({ name: step.name, status: "succeeded" });
      const components = await settledComponents(session, step, evaluation, outcome.outputFingerprint);
      const fingerprint = components ? fingerprintOf(components.components) : undefined;
      if (components && fingerprint) {
        const state: StepState = {
          stepId: step.id,
          fingerprint,
          components: components.components,
          outputFingerprint: components.outputFingerprint,
          ...(outcome.rows === undefined ? {} : { rows: outcome.rows }),
          ...(outcome.bytes === undefined ? {} : { bytes: outcome.bytes }),
          runId: session.runId,
          finishedAt,
        };
        await writeJsonAtomic(session.store.statePath(driver.mode, step.id), state);
      }
      const succeeded: StepRecord = {
        ...base,
        status: "succeeded",
        reason,
        ...(outcome.rows === undefined ? {} : { rows: outcome.rows }),
        ...(outcome.bytes === undefined ? {} : { bytes: outcome.bytes }),
        durationMs: Math.round(performance.now() - started),
        ...(outcome.peakMemoryBytes === undefined ? {} : { peakMemoryBytes: outcome.peakMemoryBytes }),
        ...(components && fingerprint
          ? {
              fingerprint,
              components: components.components,
              outputFingerprint: components.outputFingerprint,
            }
          : {}),
        attempts: number,
        startedAt,
        finishedAt,
        ...outcome.details,
        ...kept(),
        ...(outcome.checks === undefined ? {} : { checks: outcome.checks }),
        ...(outcome.schema === undefined ? {} : { outputSchema: outcome.schema }),
        ...(outcome.columnLineage === undefined ? {} : { columnLineage: outcome.columnLineage }),
      };
      // Its consumers started at its commit and may finish first (a tiny step, while this one still hashes its
      // output): a step is recorded, logged and shown as succeeded only after the steps it read from.
      await Promise.all(graph.dependenciesOf(step).map((d) => records.get(d.id)));
      return settle(succeeded);
    }
  };

  const finished: Promise<StepRecord>[] = [];
  /** Each step's settled record, by id. */
  const records = new Map<string, Promise<StepRecord>>();
  for (const step of order) {
    let open!: (gate: Gate) => void;
    gates.set(step.id, new Promise<Gate>((resolve) => (open = resolve)));
    const settled = schedule.settled?.get(step.id);
    // A step that did not succeed opens its gate when it settles (a later call to `open` is ignored).
    const record = settled ? Promise.resolve(settled) : run(step, open);
    const done = record.then((r) => {
      open(r);
      return r;
    });
    records.set(step.id, done);
    finished.push(done);
  }
  return Promise.all(finished);
}

/** The `checks` component alone (absent when the step declares no checks). */
function pickChecks(components: Omit<StepComponents, "inputs">): Pick<StepComponents, "checks"> {
  return components.checks === undefined ? {} : { checks: components.checks };
}

/**
 * The memory a step is admitted against. Its recorded peak is the rise of the process's RSS while it ran, which
 * undercounts a step that reused memory the allocator kept from an earlier one (in a serialised run, every
 * large step after the first): the largest-step policy takes the larger of that and the estimate from its
 * input bytes, so such a step is not mistaken for a small one on the next run.
 */
export function expectedMemory(
  schedule: Pick<Schedule, "memoryPolicy">,
  cost: Pick<StepCost, "memoryBytes" | "estimatedMemoryBytes">,
): number {
  return schedule.memoryPolicy === "largest-step"
    ? Math.max(cost.memoryBytes, cost.estimatedMemoryBytes)
    : cost.memoryBytes;
}

/** The memory budget steps are admitted against (undefined: none), by the schedule's policy. */
export function budgetOf(
  schedule: Pick<Schedule, "memoryBudget" | "memoryPolicy">,
  costs: ReadonlyMap<string, Pick<StepCost, "memoryBytes" | "estimatedMemoryBytes">>,
): number | undefined {
  if (schedule.memoryPolicy !== "largest-step") return schedule.memoryBudget;
  const expected = [...costs.values()].map((c) => expectedMemory(schedule, c));
  return largestStepBudget(expected, schedule.memoryBudget ?? Number.POSITIVE_INFINITY);
}

/**
 * The size of every bucket the graph's steps read, as the driver sees it now (undefined: absent, unknown, or
 * the driver cannot tell): what first-run estimates are made of.
 */
async function inputSizes(
  graph: LineageGraph,
  driver: StepDriver,
): Promise<ReadonlyMap<string, number | undefined>> {
  const sizes = new Map<string, number | undefined>();
  const sizeOf = driver.sizeOf?.bind(driver);
  if (!sizeOf) return sizes;
  const buckets = new Map(graph.steps.flatMap((s) => stepInputs(s).map(([, b]) => [b.location, b] as const)));
  await Promise.all(
    [...buckets.values()].map(async (bucket) => {
      sizes.set(bucket.location, await sizeOf(bucket).catch(() => undefined));
    }),
  );
  return sizes;
}

/**
 * The components a step ran with and the output it wrote, once both are fingerprinted. Without either (an
 * input vanished meanwhile, the output could not be read back) the step's output stands but no state is
 * kept, so the next run reruns it.
 */
async function settledComponents(
  session: RunSession,
  step: StepNode,
  evaluation: StepEvaluation,
  output: string | Promise<string>,
): Promise<{ readonly components: StepComponents; readonly outputFingerprint: string } | null> {
  const warn = (what: string, error: unknown) =>
    session.log.write({
      level: "warn",
      step: step.name,
      message: `the ${what} could not be fingerprinted, so the next run reruns this step: ${messageOf(error)}`,
    });
  let outputFingerprint: string;
  try {
    outputFingerprint = await output;
  } catch (error) {
    warn("output", error);
    return null;
  }
  if (evaluation.inputs === null) return null;
  try {
    return { components: { ...evaluation.components, inputs: await evaluation.inputs }, outputFingerprint };
  } catch (error) {
    warn("inputs", error);
    return null;
  }
}
