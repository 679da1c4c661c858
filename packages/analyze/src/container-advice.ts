import { FARGATE_SIZES, fargateMemoryChoices, type ServerlessExecutorNode } from "@glacier/core";
import type { StepAnalysis } from "./analysis-report.js";
import { estimatedMemoryMb, LAMBDA_MAX_MEMORY_MB, LAMBDA_MAX_TIMEOUT_SECONDS } from "./model-defaults.js";

/**
 * When a serverless step outgrows Lambda — its estimated memory above Lambda's 10,240 MB or its estimated
 * duration above 900 s — the same task runs unchanged on `provider.container()`. This names the smallest
 * Fargate size that holds the estimate.
 */

/** The smallest Fargate size (vCPU, GB) with at least `memoryMb` of memory; the largest when none is. */
export function fargateSizeFor(memoryMb: number): { readonly cpu: number; readonly memory: number } {
  const gb = memoryMb / 1024;
  for (const { cpu } of FARGATE_SIZES) {
    const memory = fargateMemoryChoices(cpu).find((m) => m >= gb);
    if (memory !== undefined) return { cpu, memory };
  }
  const largest = FARGATE_SIZES.at(-1) as (typeof FARGATE_SIZES)[number];
  return { cpu: largest.cpu, memory: largest.memory[1] };
}

/**
 * The advice for one serverless step, or null when its estimate fits Lambda (or is unknown).
 *
 * @example
 * ```ts
 * containerAdvice(step, executor) // 40 GB of Parquet in
 * // "bigJoin: estimated 156,555 MB of memory exceeds Lambda's 10,240 MB — run it on provider.container({ cpu: 16, memory: 120 }) (ECS on Fargate): the task needs no change."
 * ```
 */
export function containerAdvice(step: StepAnalysis, executor: ServerlessExecutorNode): string | null {
  if (step.inputBytes === null) return null;
  const memoryMb = estimatedMemoryMb(step.inputBytes);
  const seconds = step.duration.seconds;
  const reasons: string[] = [];
  if (memoryMb > LAMBDA_MAX_MEMORY_MB) {
    reasons.push(
      `estimated ${memoryMb.toLocaleString("en-US")} MB of memory exceeds Lambda's ${LAMBDA_MAX_MEMORY_MB.toLocaleString("en-US")} MB`,
    );
  }
  if (seconds !== null && seconds > LAMBDA_MAX_TIMEOUT_SECONDS) {
    reasons.push(`estimated ${Math.round(seconds)} s exceeds Lambda's ${LAMBDA_MAX_TIMEOUT_SECONDS} s limit`);
  }
  if (reasons.length === 0) return null;
  // Memory at least the estimate and at least what the function has now.
  const size = fargateSizeFor(Math.max(memoryMb, executor.memory));
  return `${step.name}: ${reasons.join(" and ")} — run it on provider.container({ cpu: ${size.cpu}, memory: ${size.memory} }) (ECS on Fargate): the task needs no change.`;
}
