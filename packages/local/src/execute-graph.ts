import { GlacierError, type StepNode } from "@glacier/core";
import { evaluateStep, type Evaluation } from "./evaluate-step.js";
import { messageOf, withoutSubject } from "./errors.js";
import type { RunRecord, RunRecorder, StepNote, StepRecord } from "./run-record.js";
import { runStep, StepCancelled, type StepRunner } from "./run-step.js";
import { fingerprintOf, type StepComponents, type StepState } from "./step-fingerprint.js";
import { readJson, writeJsonAtomic } from "./project-store.js";
import { semaphore } from "./semaphore.js";
import { codeFingerprintNotes } from "./task-code-fingerprint.js";
import { describeLocation } from "./storage.js";

/** How to schedule a run's steps. */
export interface Schedule {
  readonly concurrency: number;
  readonly failFast: boolean;
  readonly force: boolean;
  readonly resumed?: RunRecord;
  readonly recorder: RunRecorder;
  /** Aborted on the first failure when failing fast. */
  readonly controller: AbortController;
}

/** What a consumer needs to know of a step before it starts: whether the step's output is there to read. */
type Gate = Pick<StepRecord, "name" | "status">;

/**
 * The components a step ran with, once its inputs are hashed. Without them (an input vanished meanwhile) the
 * step's output stands but no state is kept, so the next run reruns it.
 */
async function settledComponents(
  runner: StepRunner,
  step: StepNode,
  evaluation: Evaluation,
): Promise<StepComponents | null> {
  try {
    return (await evaluation.components) ?? null;
  } catch (error) {
    runner.log.write({
      level: "warn",
      step: step.name,
      message: `the inputs could not be fingerprinted, so the next run reruns this step: ${messageOf(error)}`,
    });
    return null;
  }
}

/** Says in the run log when a step's code fingerprint is weaker than it should be. */
function logCode(runner: StepRunner, step: StepNode, evaluation: Evaluation): void {
  if (evaluation.code === undefined) return;
  for (const note of codeFingerprintNotes(evaluation.code))
    runner.log.write({ level: note.level, step: step.name, message: note.message });
}

/**
 * Runs the graph's steps in dependency order, each as soon as its inputs are ready, up to `concurrency` at
 * once. A step whose fingerprint matches its last successful run is skipped. A failure marks everything
 * downstream "not-run" while independent branches finish — or, failing fast, cancels running steps and
 * starts no more. Every finished step is written to the run record and its state file at once.
 */
export async function executeGraph(runner: StepRunner, schedule: Schedule): Promise<StepRecord[]> {
  const { ctx } = runner;
  const slots = semaphore(schedule.concurrency);
  const finished = new Map<string, Promise<StepRecord>>();
  // Opened when a step's output is final: committed (the record may follow), skipped, failed or not run.
  const gates = new Map<string, Promise<Gate>>();
  const logPath = schedule.recorder.record.logPath;

  const settle = async (record: StepRecord): Promise<StepRecord> => {
    runner.log.write({
      level: record.status === "failed" ? "error" : "info",
      step: record.name,
      message: `step ${record.status}${record.reason ? ` (${record.reason})` : ""}`,
      fields: {
        ...(record.rows === undefined ? {} : { rows: record.rows }),
        ...(record.bytes === undefined ? {} : { bytes: record.bytes }),
        ...(record.durationMs === undefined ? {} : { durationMs: record.durationMs }),
        ...(record.error === undefined ? {} : { error: record.error }),
      },
    });
    await schedule.recorder.step(record);
    runner.progress.finished(record);
    return record;
  };

  const run = async (step: StepNode, open: (gate: Gate) => void): Promise<StepRecord> => {
    const base = { id: step.id, name: step.name, output: describeLocation(ctx.location(step.output)) };
    const upstream = await Promise.all(
      ctx.graph.dependenciesOf(step).map((d) => gates.get(d.id) as Promise<Gate>),
    );
    const blocked = upstream.find((r) => r.status === "failed" || r.status === "not-run");
    if (blocked) {
      return settle({
        ...base,
        status: "not-run",
        reason: "upstream failed",
        error: `not run: upstream step "${blocked.name}" ${blocked.status === "failed" ? "failed" : "did not run"}.`,
      });
    }
    if (schedule.controller.signal.aborted)
      return settle({ ...base, status: "not-run", reason: "cancelled" });
    const failed = (
      error: unknown,
      started: number,
      startedAt?: string,
      reason?: string,
    ): Promise<StepRecord> => {
      if (schedule.failFast) schedule.controller.abort();
      const message = withoutSubject(messageOf(error), step.name);
      const notes = (error as { notes?: readonly StepNote[] }).notes ?? [];
      return settle({
        ...base,
        status: "failed",
        ...(reason === undefined ? {} : { reason }),
        error: `step "${step.name}" failed: ${message} (log: ${logPath})`,
        ...(GlacierError.is(error) ? { code: error.code } : {}),
        durationMs: Math.round(performance.now() - started),
        attempts: (error as { attempts?: number }).attempts ?? 1,
        ...(startedAt === undefined ? {} : { startedAt }),
        finishedAt: new Date().toISOString(),
        ...(notes.length > 0 ? { notes } : {}),
      });
    };
    let evaluation: Evaluation;
    try {
      evaluation = await evaluateStep(ctx, step, {
        force: schedule.force,
        upstreamWillRun: false,
        ...(schedule.resumed ? { resumed: schedule.resumed } : {}),
      });
    } catch (error) {
      return failed(error, performance.now());
    }
    logCode(runner, step, evaluation);
    if (!evaluation.run) {
      const last = await readJson<StepState>(ctx.store.statePath(step.id));
      return settle({
        ...base,
        status: "skipped",
        reason: evaluation.reason,
        ...(last
          ? {
              rows: last.rows,
              bytes: last.bytes,
              fingerprint: last.fingerprint,
              outputFingerprint: last.outputFingerprint,
            }
          : {}),
      });
    }
    // This step will run: start a worker thread (polars loads in it) while the slot and inputs are prepared.
    runner.pool.warm();
    await slots.acquire();
    const startedAt = new Date().toISOString();
    const started = performance.now();
    try {
      if (schedule.controller.signal.aborted)
        return settle({ ...base, status: "not-run", reason: "cancelled" });
      runner.progress.started(step.id);
      runner.log.write({ level: "info", step: step.name, message: `step started (${evaluation.reason})` });
      const outcome = await runStep(runner, step);
      const finishedAt = new Date().toISOString();
      // The output is committed: consumers may start while its hash and this step's record are completed.
      open({ name: step.name, status: "succeeded" });
      const outputFingerprint = await outcome.outputFingerprint.catch((error: unknown) => {
        runner.log.write({
          level: "warn",
          step: step.name,
          message: `the output could not be fingerprinted, so the next run reruns this step: ${messageOf(error)}`,
        });
        return null;
      });
      const components =
        outputFingerprint === null ? null : await settledComponents(runner, step, evaluation);
      const fingerprint = components ? fingerprintOf(components) : undefined;
      if (components && fingerprint && outputFingerprint !== null) {
        const state: StepState = {
          stepId: step.id,
          fingerprint,
          components,
          outputFingerprint,
          rows: outcome.rows,
          bytes: outcome.bytes,
          runId: runner.runId,
          finishedAt,
        };
        await writeJsonAtomic(ctx.store.statePath(step.id), state);
      }
      return settle({
        ...base,
        status: "succeeded",
        reason: evaluation.reason,
        rows: outcome.rows,
        bytes: outcome.bytes,
        durationMs: Math.round(performance.now() - started),
        ...(fingerprint ? { fingerprint } : {}),
        ...(components ? { components } : {}),
        ...(outputFingerprint === null ? {} : { outputFingerprint }),
        attempts: outcome.attempts,
        startedAt,
        finishedAt,
        ...(outcome.notes.length > 0 ? { notes: outcome.notes } : {}),
      });
    } catch (error) {
      if (error instanceof StepCancelled) {
        return settle({ ...base, status: "not-run", reason: "cancelled", startedAt });
      }
      return failed(error, started, startedAt, evaluation.reason);
    } finally {
      slots.release();
    }
  };

  for (const step of ctx.graph.executionOrder()) {
    let open!: (gate: Gate) => void;
    gates.set(step.id, new Promise<Gate>((resolve) => (open = resolve)));
    // A step that did not succeed opens its gate when it settles (a later call to `open` is ignored).
    finished.set(
      step.id,
      run(step, open).then((record) => {
        open(record);
        return record;
      }),
    );
  }
  return Promise.all([...finished.values()]);
}
