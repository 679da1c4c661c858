import { cancelMarkerKey } from "@glacier/aws-model";
import { GlacierError, type StepNode } from "@glacier/core";
import { stagingStepId } from "@glacier/core/internal";
import { AwsClients } from "./aws-clients.js";

/**
 * When a Lambda step may still commit its output. Lambda cannot stop an invocation from outside: once the
 * executor gives up on one (its timeout, Ctrl-C, a fail-fast failure elsewhere), the function runs on. So the
 * handler decides, right before its commit, whether the caller still wants the output:
 *
 * - the attempt's deadline has not passed, less {@link COMMIT_MARGIN_MS}: the event's `deadline` (epoch ms) from
 *   the direct executor, or its `timeoutSeconds` from the state machine counted from the invocation's start
 *   ({@link attemptDeadline});
 * - Lambda leaves it at least {@link COMMIT_MARGIN_MS} (`context.getRemainingTimeInMillis()`), so the commit
 *   is not cut in half;
 * - the run was not cancelled: the executor writes a marker ({@link cancelMarkerKey}) under the output's
 *   staging prefix when it cancels, and the handler looks for it.
 *
 * The executor in turn waits {@link CANCEL_GRACE_MS} after giving up for an answer, and reports what it got:
 * a function that committed just before is reported as succeeded, never as cancelled.
 */

/** Time a commit (an S3 server-side copy) is given to finish before the deadline. */
export const COMMIT_MARGIN_MS = 1_000;
/** How long the executor waits for an invocation's answer after its deadline or a cancellation. */
export const CANCEL_GRACE_MS = 2_000;

/** What the handler knows of the invocation. */
interface Invocation {
  readonly runId: string;
  readonly deadline?: number;
}

/**
 * When this attempt began, as early as the function can see it. A warm invocation: now. The first invocation
 * of an on-demand execution environment: the process's start, for Lambda started the runtime (and ran the
 * module's init, loading polars) for this invocation, after the caller had started its clock. Provisioned
 * concurrency and SnapStart initialise ahead of any invocation, so there it is now as well.
 */
export function invocationStart(first: boolean, env: NodeJS.ProcessEnv = process.env): number {
  const now = Date.now();
  const onDemand = (env["AWS_LAMBDA_INITIALIZATION_TYPE"] ?? "on-demand") === "on-demand";
  return first && onDemand ? now - process.uptime() * 1000 : now;
}

/**
 * The attempt's deadline (epoch ms): the event's `deadline` (the direct executor's own clock), or the
 * invocation's start plus the event's `timeoutSeconds` (the state machine's, which has no clock arithmetic to
 * pass an instant), whichever is earlier. The second is later than Step Functions' own deadline by the time
 * the invoke took to reach the function, which {@link COMMIT_MARGIN_MS} covers for a warm or an on-demand
 * cold start.
 *
 * @example
 * ```ts
 * attemptDeadline({ runId: "r1", timeoutSeconds: 30 }, 1_700_000_000_000) // 1_700_000_030_000
 * attemptDeadline({ runId: "r1", deadline: 1_700_000_010_000, timeoutSeconds: 30 }, 1_700_000_000_000) // 1_700_000_010_000
 * ```
 */
export function attemptDeadline(
  event: { readonly deadline?: unknown; readonly timeoutSeconds?: unknown },
  startedAt: number,
): number | undefined {
  const limits: number[] = [];
  if (typeof event.deadline === "number" && Number.isFinite(event.deadline)) limits.push(event.deadline);
  if (typeof event.timeoutSeconds === "number" && event.timeoutSeconds > 0)
    limits.push(startedAt + event.timeoutSeconds * 1000);
  return limits.length === 0 ? undefined : Math.min(...limits);
}

function refused(step: StepNode, why: string): GlacierError {
  return new GlacierError("TASK_FAILED", `${why}; the output was not committed and is unchanged.`, {
    subject: { kind: "step", name: step.name },
    hint: "The run gave up on this attempt (timeout or cancellation); nothing to fix here.",
  });
}

/**
 * The handler's check before its commit (executeStep's `beforeCommit`): throws, so the written output is
 * discarded, when the deadline passed, Lambda is about to stop, or the run was cancelled.
 */
export function commitGuard(
  step: StepNode,
  event: Invocation,
  context: { getRemainingTimeInMillis?(): number } | undefined,
): () => Promise<void> {
  return async () => {
    if (event.deadline !== undefined && Date.now() > event.deadline - COMMIT_MARGIN_MS) {
      throw refused(step, `the attempt's deadline (${new Date(event.deadline).toISOString()}) passed`);
    }
    const remaining = context?.getRemainingTimeInMillis?.();
    if (remaining !== undefined && remaining < COMMIT_MARGIN_MS) {
      throw refused(step, `Lambda ends this invocation in ${remaining} ms`);
    }
    if (step.output.location.startsWith("s3://") && (await cancelled(step, event.runId))) {
      throw refused(step, `run ${event.runId} was cancelled`);
    }
  };
}

async function cancelled(step: StepNode, runId: string): Promise<boolean> {
  const { HeadObjectCommand } = await import("@aws-sdk/client-s3");
  const clients = new AwsClients(process.env["AWS_REGION"] ?? "us-east-1");
  const { bucket, path } = step.output;
  try {
    await (
      await clients.s3()
    ).send(new HeadObjectCommand({ Bucket: bucket, Key: cancelMarkerKey(stagingStepId(step), runId, path) }));
    return true;
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    // No marker. S3 answers 403 rather than 404 for a missing key when the role may not list that prefix
    // (the role may read the marker's key, so a 403 never hides one that exists).
    if (status === 404 || status === 403) return false;
    throw error;
  } finally {
    await clients.destroy();
  }
}

/** The executor's side: marks the run cancelled for a Lambda step still running (writes the marker). */
export async function markCancelled(
  clients: AwsClients,
  stepId: string,
  writes: { readonly bucket: string; readonly path: string },
  runId: string,
): Promise<void> {
  const { PutObjectCommand } = await import("@aws-sdk/client-s3");
  const { bucket, path } = writes;
  await (
    await clients.s3()
  ).send(new PutObjectCommand({ Bucket: bucket, Key: cancelMarkerKey(stepId, runId, path), Body: runId }));
}
