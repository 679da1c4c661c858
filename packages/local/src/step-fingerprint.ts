import { createRequire } from "node:module";
import { canonicalJson, shortHash, stepInputs, type ParamValue, type StepNode } from "@glacier/core";
import { WRITER_SETTINGS } from "./materialize.js";
import { describeLocation, resolveLocation, type StorageOptions } from "./storage.js";

/** Why a step runs, or why it does not. */
export type StepReason =
  | "never ran"
  | "failed last time"
  | "code changed"
  | "input changed"
  | "output missing"
  | "output changed"
  | "parameters changed"
  | "options changed"
  | "forced"
  | "upstream will run"
  | "up to date"
  | "resumed";

/**
 * What a step's output depends on. Equal components mean an equal output, so the step can be skipped.
 *
 * - `code`: the task's language and code fingerprint: what its function can reach (see
 *   `taskCodeFingerprint`), or its SQL text;
 * - `codeVersion`: the task's `codeVersion` option, when set;
 * - `options`: everything else that shapes the output: input and output locations, formats and schemas, the
 *   writer settings and the polars version;
 * - `params`: the values of the parameters the task declared;
 * - `inputs`: the content fingerprint of each input (see {@link fingerprintContent}).
 */
export interface StepComponents {
  readonly code: string;
  readonly codeVersion?: string;
  readonly options: string;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly inputs: Readonly<Record<string, string>>;
}

let engine: string | undefined;

/** `nodejs-polars@<version>`: a polars upgrade may change output bytes, so it reruns every step. */
function engineVersion(): string {
  if (engine === undefined) {
    try {
      const require = createRequire(import.meta.url);
      engine = `nodejs-polars@${(require("nodejs-polars/package.json") as { version: string }).version}`;
    } catch {
      engine = "nodejs-polars@unknown";
    }
  }
  return engine;
}

/** The `options` component of a step: a hash of its storage bindings and writer settings. */
export function optionsHash(step: StepNode, storage?: StorageOptions): string {
  const bucket = (b: StepNode["output"]) => ({
    location: describeLocation(resolveLocation(b, storage)),
    format: b.format,
    dataset: b.dataset,
    schema: b.schema ?? null,
  });
  return shortHash(
    canonicalJson({
      inputs: Object.fromEntries(stepInputs(step).map(([key, b]) => [key, bucket(b)])),
      output: bucket(step.output),
      writer: WRITER_SETTINGS,
      engine: engineVersion(),
    }),
    16,
  );
}

/** The step's fingerprint: a hash of its components. */
export function fingerprintOf(components: StepComponents): string {
  return shortHash(canonicalJson(components), 24);
}

/** The last successful run of a step, kept in `.glacier/state/`. */
export interface StepState {
  readonly stepId: string;
  readonly fingerprint: string;
  readonly components: StepComponents;
  readonly outputFingerprint: string;
  readonly rows: number;
  readonly bytes: number;
  readonly runId: string;
  readonly finishedAt: string;
}

/** What to do with a step, and why. */
export interface Decision {
  readonly run: boolean;
  readonly reason: StepReason;
}

/** A step's output as it is now: whether it exists and, once known, its content fingerprint. */
export interface OutputNow {
  readonly exists: boolean;
  readonly fingerprint?: string;
}

/**
 * Decides whether a step runs, comparing its components now with its last successful run. The first
 * difference found names the reason, in this order: forced, never ran, output missing, output changed (its
 * content is not what the step wrote: edited, replaced, or lost to a crash), code changed, options changed,
 * parameters changed, input changed. `inputs: null` means an input is about to be rewritten by an upstream
 * step (plan mode), so the inputs cannot be compared yet.
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
  return { run: false, reason: "up to date" };
}
