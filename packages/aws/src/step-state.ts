import { createHash } from "node:crypto";
import { join, resolve } from "node:path";
import { canonicalJson, stepInputs, type ParamValue, type StepNode } from "@glacier/core";
import { taskCodeFingerprint, taskParams, type TaskCode } from "@glacier/local";
import type { AwsClients } from "./aws-clients.js";
import { s3Content } from "./s3-content.js";

/** What a cloud step's output depends on; equal components mean the step can be skipped. */
export interface CloudComponents {
  /** The task's code fingerprint, as local runs compute it (see `taskCodeFingerprint` in `@glacier/local`). */
  readonly code: string;
  /** The task's `codeVersion`, when set. */
  readonly codeVersion?: string;
  /** Where it runs, reads and writes, and in which formats. */
  readonly options: string;
  readonly params: Readonly<Record<string, ParamValue>>;
  /** S3 fingerprint (ETag, size, version id) of each input. */
  readonly inputs: Readonly<Record<string, string>>;
}

/** The last successful cloud run of a step, in `.glacier/cloud-state/`. */
export interface CloudStepState {
  readonly stepId: string;
  readonly fingerprint: string;
  readonly components: CloudComponents;
  readonly outputFingerprint: string;
  readonly rows?: number;
  readonly bytes?: number;
  readonly runId: string;
}

/** Why a step runs or is skipped; the same words as local runs. */
export type CloudReason =
  | "never ran"
  | "forced"
  | "output missing"
  | "output changed"
  | "code changed"
  | "options changed"
  | "parameters changed"
  | "input changed"
  | "up to date"
  | "upstream will run"
  | "resumed";

function hash(text: string, length: number): string {
  return createHash("sha256").update(text).digest("hex").slice(0, length);
}

/** The state file of a step under the project directory. */
export function statePath(projectDir: string | undefined, stepId: string): string {
  const slug = stepId.replace(/[^A-Za-z0-9._-]+/g, "_").slice(-60);
  return join(
    resolve(projectDir ?? process.cwd()),
    ".glacier",
    "cloud-state",
    `${slug}-${hash(stepId, 12)}.json`,
  );
}

/**
 * The components of a step now, read from S3 metadata (no data is read). `onCode` receives the task's code
 * fingerprint, so the caller can log what it could not see.
 */
export async function componentsOf(
  clients: AwsClients,
  step: StepNode,
  runsOn: string,
  params: Readonly<Record<string, ParamValue>>,
  onCode?: (code: TaskCode) => void,
): Promise<CloudComponents> {
  const code = taskCodeFingerprint(step.task);
  onCode?.(code);
  const s3 = await clients.s3();
  const inputs: Record<string, string> = {};
  for (const [key, bucket] of stepInputs(step)) inputs[key] = (await s3Content(s3, bucket)).fingerprint;
  const where = (b: StepNode["output"]) => ({
    location: b.location,
    format: b.format,
    schema: b.schema ?? null,
  });
  return {
    code: code.code,
    ...(code.codeVersion === undefined ? {} : { codeVersion: code.codeVersion }),
    options: hash(
      canonicalJson({
        runsOn,
        output: where(step.output),
        inputs: Object.fromEntries(stepInputs(step).map(([k, b]) => [k, where(b)])),
      }),
      16,
    ),
    params: taskParams(step, params),
    inputs,
  };
}

/** The step's fingerprint: a hash of its components (24 hex digits). */
export function fingerprintOf(components: CloudComponents): string {
  return hash(canonicalJson(components), 24);
}

/** The handler reports `etag:<etag>:<size>`; a versioned bucket's HEAD adds the version id. */
function withoutVersion(fingerprint: string): string {
  return fingerprint.replace(/:v=[^:]*$/, "");
}

/**
 * Whether a step runs, comparing its components with its last successful cloud run. The output must still be
 * the object that run wrote (same ETag): an output rewritten by someone else is rebuilt.
 */
export function decide(
  now: CloudComponents,
  last: CloudStepState | null,
  output: { readonly exists: boolean; readonly fingerprint: string },
  force: boolean,
): { readonly run: boolean; readonly reason: CloudReason } {
  if (force) return { run: true, reason: "forced" };
  if (!last) return { run: true, reason: "never ran" };
  if (!output.exists) return { run: true, reason: "output missing" };
  if (
    last.outputFingerprint !== "" &&
    withoutVersion(last.outputFingerprint) !== withoutVersion(output.fingerprint)
  ) {
    return { run: true, reason: "output changed" };
  }
  if (last.components.code !== now.code || last.components.codeVersion !== now.codeVersion) {
    return { run: true, reason: "code changed" };
  }
  if (last.components.options !== now.options) return { run: true, reason: "options changed" };
  if (canonicalJson(last.components.params) !== canonicalJson(now.params)) {
    return { run: true, reason: "parameters changed" };
  }
  if (canonicalJson(last.components.inputs) !== canonicalJson(now.inputs))
    return { run: true, reason: "input changed" };
  return { run: false, reason: "up to date" };
}
