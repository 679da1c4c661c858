import { GlacierError, type StepNode } from "@glacier/core";
import type { StepDriver } from "@glacier/engine";
import { asGlacierError, attemptStep, type StepRunner } from "./attempt-step.js";
import { messageOf, withoutSubject } from "./errors.js";
import { evaluateStep } from "./evaluate-step.js";
import { describeLocation } from "./storage.js";

/**
 * The local executor as an engine step driver: a step is fingerprinted from the content of its files
 * (`evaluate-step.ts`), runs as a polars plan in a worker thread (`attempt-step.ts`), and names the run's log
 * in its failure. Scheduling, decisions, retries and records are the engine's.
 *
 * @example
 * ```ts
 * const driver = localDriver({ ctx, runId, pool, log: session.log, files }, session.log.path);
 * await runSchedule(session, { graph, driver, concurrency: 4, failFast: false, force: false });
 * ```
 */
export function localDriver(runner: StepRunner, logPath: string | undefined): StepDriver {
  const { ctx } = runner;
  return {
    mode: "local",
    describe: (step) => ({
      id: step.id,
      name: step.name,
      output: describeLocation(ctx.location(step.output)),
      ...(typeof step.partition?.key === "string" ? { partition: step.partition.key } : {}),
    }),
    evaluate: (step, context) => evaluateStep(ctx, step, context, runner.log),
    // This step will run: start a worker thread (polars loads in it) while the slot and inputs are prepared.
    prepare: () => runner.pool.warm(),
    async execute(step: StepNode, attempt) {
      try {
        return await attemptStep(runner, step, attempt);
      } catch (error) {
        throw asGlacierError(error, step);
      }
    },
    failure: (step, error) => ({
      error: `step "${step.name}" failed: ${withoutSubject(messageOf(error), step.name)}${logPath ? ` (log: ${logPath})` : ""}`,
      ...(GlacierError.is(error) ? { code: error.code } : {}),
    }),
  };
}
