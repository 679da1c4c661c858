import { checkJson, stepChecks, type StepNode } from "@glacier/core";
import { canonicalJson, shortHash } from "@glacier/core/internal";
import type { StepComponents, StepReason } from "./run-record.js";

export type { StepComponents };

/** The step's fingerprint: a hash of its components (24 hex digits). */
export function fingerprintOf(components: StepComponents): string {
  return shortHash(canonicalJson(components), 24);
}

/** The last successful run of a step in one mode, kept in `.glacier/state/<mode>/`. */
export interface StepState {
  readonly stepId: string;
  readonly fingerprint: string;
  readonly components: StepComponents;
  /** The content fingerprint of the output it wrote. */
  readonly outputFingerprint: string;
  readonly rows?: number;
  readonly bytes?: number;
  readonly runId: string;
  readonly finishedAt: string;
}

/** A step's output as it is now: whether it exists and, when it could decide, its content fingerprint. */
export interface OutputNow {
  readonly exists: boolean;
  readonly fingerprint?: string;
}

/** What to do with a step, and why. */
export interface Decision {
  readonly run: boolean;
  readonly reason: StepReason;
  /** Not run, but its checks run on the stored output: they are all that changed ("checks changed"). */
  readonly recheck?: boolean;
}

/**
 * The `checks` component of a step: a hash of its checks as JSON (an expression check's builder text
 * included), absent when it declares none, so the fingerprints of steps without checks are unchanged.
 *
 * @example
 * ```ts
 * checksComponent(step) // { checks: "9f3a…" } — or {} for a step without checks
 * ```
 */
export function checksComponent(step: StepNode): Pick<StepComponents, "checks"> {
  const checks = stepChecks(step);
  return checks.length === 0 ? {} : { checks: shortHash(canonicalJson(checks.map(checkJson)), 24) };
}

/**
 * Decides whether a step runs, comparing its components now with its last successful run. The first
 * difference found names the reason, in this order: forced, never ran, output missing, output changed (its
 * content is not what the step wrote: edited, replaced, or lost to a crash), code changed, options changed,
 * parameters changed, input changed. When only the checks changed, the step does not run but is rechecked:
 * its checks run on its stored output (`recheck`). `inputs: null` means an input is about to be rewritten by an upstream
 * step (plan mode), so the inputs cannot be compared yet.
 *
 * @example
 * ```ts
 * decide({ ...last.components, params: { min: 5 } }, last, { exists: true }, false);
 * // { run: true, reason: "parameters changed" }
 * ```
 */
export function decide(
  now: Omit<StepComponents, "inputs"> & { readonly inputs: StepComponents["inputs"] | null },
  last: StepState | null,
  output: OutputNow,
  force: boolean,
): Decision {
  if (force) return { run: true, reason: "forced" };
  if (!last) return { run: true, reason: "never ran" };
  if (!output.exists) return { run: true, reason: "output missing" };
  if (output.fingerprint !== undefined && output.fingerprint !== last.outputFingerprint) {
    return { run: true, reason: "output changed" };
  }
  if (last.components.code !== now.code || last.components.codeVersion !== now.codeVersion) {
    return { run: true, reason: "code changed" };
  }
  if (last.components.options !== now.options) return { run: true, reason: "options changed" };
  if (canonicalJson(last.components.params) !== canonicalJson(now.params)) {
    return { run: true, reason: "parameters changed" };
  }
  if (now.inputs === null) return { run: true, reason: "upstream will run" };
  if (canonicalJson(last.components.inputs) !== canonicalJson(now.inputs)) {
    return { run: true, reason: "input changed" };
  }
  if (last.components.checks !== now.checks) return { run: false, recheck: true, reason: "checks changed" };
  return { run: false, reason: "up to date" };
}
