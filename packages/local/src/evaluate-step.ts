import { stepInputs, type StepNode } from "@glacier/core";
import { taskParams } from "./execute-step.js";
import { readJson } from "./project-store.js";
import type { RunRecord } from "./run-record.js";
import type { RunContext } from "./run-context.js";
import {
  decide,
  optionsHash,
  type Decision,
  type OutputNow,
  type StepComponents,
  type StepState,
} from "./step-fingerprint.js";
import { taskCodeFingerprint, type TaskCode } from "./task-code-fingerprint.js";

/**
 * A step's decision, and the components it is fingerprinted by. The components may still be computing: a
 * decision that does not depend on the inputs (forced, never ran, code changed …) is returned at once while
 * the inputs are hashed in the background, and the step's state is written from them once it succeeded.
 */
export interface Evaluation extends Decision {
  /** Null when an input is yet to be written (plan mode) or the step is skipped as resumed. */
  readonly components: Promise<StepComponents> | null;
  /** The task's code fingerprint: what the run log says about it (a fallback, values it cannot see). */
  readonly code?: TaskCode;
}

/**
 * How a resumed run treats a step: the resumed run completed it (succeeded or skipped), or did not (it
 * failed, was not run, or was still running when the process died).
 */
function resumeReason(step: StepNode, resumed: RunRecord | undefined): "completed" | "rerun" | null {
  if (!resumed) return null;
  const earlier = resumed.steps.find((s) => s.id === step.id);
  return earlier?.status === "succeeded" || earlier?.status === "skipped" ? "completed" : "rerun";
}

/**
 * Decides whether a step runs and why. `upstreamWillRun` (plan mode) means an input is about to be
 * rewritten, so its content cannot be compared yet. A resumed run skips steps the resumed run completed
 * (reason "resumed") and reruns the ones it did not, even when they look up to date.
 */
export async function evaluateStep(
  ctx: RunContext,
  step: StepNode,
  options: { readonly force: boolean; readonly upstreamWillRun: boolean; readonly resumed?: RunRecord },
): Promise<Evaluation> {
  const output = await ctx.listing(step.output);
  const resume = resumeReason(step, options.resumed);
  if (resume === "completed" && output.exists && !options.force) {
    return { run: false, reason: "resumed", components: null };
  }
  const code = taskCodeFingerprint(step.task);
  const base = {
    code: code.code,
    ...(code.codeVersion === undefined ? {} : { codeVersion: code.codeVersion }),
    options: optionsHash(step, ctx.storage),
    params: taskParams(step, ctx.params),
  };
  const components: Promise<StepComponents> | null = options.upstreamWillRun
    ? null
    : (async () => {
        const inputs: Record<string, string> = {};
        for (const [key, bucket] of stepInputs(step)) inputs[key] = (await ctx.content(bucket)).fingerprint;
        return { ...base, inputs };
      })();
  // Awaited later (or never, when the step is skipped): a failure must not go unhandled meanwhile.
  components?.catch(() => undefined);
  const stored = await readJson<StepState>(ctx.store.statePath(step.id));
  const last = stored?.stepId === step.id ? stored : null;
  // The output's content is compared only when it could decide: an unchanged file costs a stat (its hash is
  // cached under its stat since the step wrote it), a changed one is hashed.
  const now: OutputNow =
    last && output.exists && !options.force
      ? { exists: true, fingerprint: (await ctx.content(step.output)).fingerprint }
      : { exists: output.exists };
  let decision = decide({ ...base, inputs: null }, last, now, options.force);
  if (decision.reason === "upstream will run" && components !== null) {
    decision = decide(await components, last, now, options.force);
  }
  if (resume === "rerun" && !decision.run) return { run: true, reason: "resumed", components, code };
  // No successful run on record: say so precisely when the step did run before, and failed.
  if (decision.reason === "never ran" && (await ctx.previousStatus(step.id)) === "failed") {
    decision = { run: true, reason: "failed last time" };
  }
  return { ...decision, components, code };
}
