import { GlacierError, type StepNode } from "@glacier/core";
import type { StepDriver } from "@glacier/engine";
import { asGlacierError, attemptStep, poolFor, type StepRunner } from "./attempt-step.js";
import { checkCommittedOutput } from "./check-output.js";
import { messageOf, withoutSubject } from "./errors.js";
import { evaluateStep } from "./evaluate-step.js";
import { watchMemory } from "./memory-watch.js";
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
    // A listing (stat or HEAD), memoised for the run: first-run estimates of duration and memory.
    sizeOf: async (bucket) => {
      const content = await ctx.listing(bucket);
      return content.exists ? content.bytes : undefined;
    },
    // This step will run: start a worker thread (polars loads in it) while the slot and inputs are prepared.
    prepare: (step) => poolFor(runner, step).warm(),
    async execute(step: StepNode, attempt) {
      const memory = watchMemory();
      try {
        const outcome = await attemptStep(runner, step, attempt);
        return { ...outcome, peakMemoryBytes: memory.stop() };
      } catch (error) {
        memory.stop();
        throw asGlacierError(error, step);
      }
    },
    // Only the checks changed since the output was committed: they run on it as stored, nothing is written.
    recheck: (step) => checkCommittedOutput(step, ctx.storage),
    failure: (step, error) => ({
      error: `step "${step.name}" failed: ${withoutSubject(messageOf(error), step.name)}${logPath ? ` (log: ${logPath})` : ""}`,
      ...(GlacierError.is(error) ? { code: error.code } : {}),
    }),
  };
}
