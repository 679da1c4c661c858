import type { StepNode } from "@glacier/core";
import { stepInputs } from "@glacier/core/internal";
import type { EvaluationContext, OutputNow, StepComponents, StepEvaluation } from "@glacier/engine";
import { taskParams } from "./execute-step.js";
import type { RunContext } from "./run-context.js";
import { optionsHash } from "./step-fingerprint.js";
import { codeFingerprintNotes } from "@glacier/task-code";

/** Where {@link evaluateStep} says when a step's code fingerprint is weaker than it should be. */
export interface CodeNoteLog {
  write(entry: { readonly level: "warn" | "info"; readonly step: string; readonly message: string }): void;
}

/**
 * A local step's decision inputs (the engine decides from them). The inputs' fingerprints may still be
 * computing: a decision that does not depend on them (forced, never ran, code changed …) is taken at once
 * while the inputs are hashed in the background, and the step's state is written from them once it
 * succeeded. `upstreamWillRun` (plan mode) means an input is about to be rewritten, so it is not hashed.
 */
export async function evaluateStep(
  ctx: RunContext,
  step: StepNode,
  context: EvaluationContext,
  log?: CodeNoteLog,
): Promise<StepEvaluation> {
  const output = await ctx.listing(step.output);
  const code = ctx.codeOf(step.task);
  for (const note of codeFingerprintNotes(code)) log?.write({ ...note, step: step.name });
  const base = {
    code: code.code,
    ...(code.codeVersion === undefined ? {} : { codeVersion: code.codeVersion }),
    options: optionsHash(step, ctx.storage),
    params: taskParams(step, ctx.params),
  };
  const inputs: Promise<StepComponents["inputs"]> | null = context.upstreamWillRun
    ? null
    : (async () => {
        const inputs: Record<string, string> = {};
        for (const [key, bucket] of stepInputs(step)) inputs[key] = (await ctx.content(bucket)).fingerprint;
        return inputs;
      })();
  // Awaited later (or never, when the step is skipped): a failure must not go unhandled meanwhile.
  inputs?.catch(() => undefined);
  // The output's content is compared only when it could decide: an unchanged file costs a stat (its hash is
  // cached under its stat since the step wrote it), a changed one is hashed.
  const now: OutputNow =
    context.last && output.exists && !context.force
      ? { exists: true, fingerprint: (await ctx.content(step.output)).fingerprint }
      : { exists: output.exists };
  return { components: base, inputs, output: now };
}
