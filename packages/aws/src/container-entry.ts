import { GlacierError, type ParamValue } from "@glacier/core";
import { AwsClients } from "./aws-clients.js";
import type { LambdaContext, StepEvent, StepResponse } from "./lambda-handler.js";

/**
 * `@glacier/aws/container-entry`: the container side of a container step. The bundle `glacier generate` builds
 * for a container step imports the user's module, builds the very handler a Lambda step runs
 * (`createLambdaHandler`) and hands it to {@link runContainerStep}, which the task's bootstrap imports:
 *
 * - the event comes from the environment: `GLACIER_STEP_ID` (the task definition's), `GLACIER_RUN_ID`,
 *   `GLACIER_PARAMS` (JSON), `GLACIER_DEADLINE` (epoch ms, optional) and `GLACIER_PARTITION` (a partitioned step's key) — RunTask's container overrides;
 * - the result document goes to `s3://<GLACIER_RESULT_BUCKET>/<GLACIER_RESULT_KEY>`:
 *   `{ "ok": true, "response": { stepId, rows, bytes, durationMs, outputFingerprint } }` or
 *   `{ "ok": false, "error": { "name": "GlacierError.<CODE>", "code", "message" } }`;
 * - the process exits 0 on success and 1 on failure, so Step Functions' `ecs:runTask.sync` fails the state.
 */

/** A container result document, as the task writes it and the cloud executor reads it. */
export type ContainerResult =
  | { readonly ok: true; readonly response: StepResponse }
  | {
      readonly ok: false;
      readonly error: { readonly name: string; readonly code: string; readonly message: string };
    };

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") {
    throw new GlacierError("INVALID_OPTION", `the container's environment has no ${name}.`, {
      subject: { kind: "step", name: process.env["GLACIER_STEP_ID"] ?? "(unknown)" },
      hint: "Start the task with glacier run --mode cloud or its state machine, which set it.",
    });
  }
  return value;
}

/** The handler's event from the container's environment. */
export function containerEvent(env: NodeJS.ProcessEnv = process.env): StepEvent {
  const params = env["GLACIER_PARAMS"];
  const deadline = env["GLACIER_DEADLINE"];
  const partition = env["GLACIER_PARTITION"];
  return {
    ...(env["GLACIER_STEP_ID"] ? { stepId: env["GLACIER_STEP_ID"] } : {}),
    runId: env["GLACIER_RUN_ID"] ?? "",
    params: params ? (JSON.parse(params) as Record<string, ParamValue>) : {},
    ...(deadline ? { deadline: Number(deadline) } : {}),
    ...(partition ? { partition } : {}),
  };
}

/** Runs the handler once with the environment's event, writes the result document and sets the exit code. */
export async function runContainerStep(
  handler: (event: StepEvent, context?: LambdaContext) => Promise<StepResponse>,
): Promise<ContainerResult> {
  const started = Date.now();
  const timeoutSeconds = Number(process.env["GLACIER_TIMEOUT_SECONDS"] ?? "0");
  const context: LambdaContext = {
    ...(process.env["GLACIER_LOG_GROUP"] ? { logGroupName: process.env["GLACIER_LOG_GROUP"] } : {}),
    ...(timeoutSeconds > 0
      ? { getRemainingTimeInMillis: () => started + timeoutSeconds * 1000 - Date.now() }
      : {}),
  };
  let result: ContainerResult;
  try {
    result = { ok: true, response: await handler(containerEvent(), context) };
  } catch (error) {
    const glacier = GlacierError.is(error) ? error : undefined;
    result = {
      ok: false,
      error: {
        name: (error as Error)?.name ?? "Error",
        code: glacier?.code ?? "TASK_FAILED",
        message: (error as Error)?.message ?? String(error),
      },
    };
    console.error(JSON.stringify({ level: "error", ...result.error }));
  }
  const { PutObjectCommand } = await import("@aws-sdk/client-s3");
  const clients = new AwsClients(process.env["AWS_REGION"] ?? "us-east-1");
  try {
    await (
      await clients.s3()
    ).send(
      new PutObjectCommand({
        Bucket: required("GLACIER_RESULT_BUCKET"),
        Key: required("GLACIER_RESULT_KEY"),
        Body: JSON.stringify(result),
        ContentType: "application/json",
      }),
    );
  } finally {
    await clients.destroy();
  }
  process.exitCode = result.ok ? 0 : 1;
  return result;
}
