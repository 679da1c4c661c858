import type { ParamValue, StepNode } from "@glacier/core";
import { canonicalJson, shortHash, stepInputs } from "@glacier/core/internal";
import type { StepComponents } from "@glacier/engine";
import { taskParams } from "@glacier/local";
import { taskCodeFingerprint, type TaskCode } from "@glacier/task-code";
import type { AwsClients } from "./aws-clients.js";
import { s3Content } from "./s3-content.js";

/**
 * The components of a cloud step now, read from S3 metadata (no data is read): `code` is the task's code
 * fingerprint as local runs compute it (`onCode` receives it, so the caller can log what it could not see);
 * `options` says where it runs, reads and writes, in which formats; `inputs` holds each input's S3
 * fingerprint (ETag, size, version id).
 */
export async function componentsOf(
  clients: AwsClients,
  step: StepNode,
  runsOn: string,
  params: Readonly<Record<string, ParamValue>>,
  onCode?: (code: TaskCode) => void,
): Promise<StepComponents> {
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
    options: shortHash(
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
