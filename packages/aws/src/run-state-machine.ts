import { setTimeout as sleep } from "node:timers/promises";
import type * as Sfn from "@aws-sdk/client-sfn";
import type { HistoryEvent, SFNClient } from "@aws-sdk/client-sfn";
import { containerResultKey, type InfrastructurePlan, type StateMachinePlan } from "@glacier/aws-model";
import { GlacierError, type CheckResult, type ParamValue } from "@glacier/core";
import type { ColumnLineage, RunSession, StepRecord } from "@glacier/engine";
import type { AwsClients } from "./aws-clients.js";
import type { CloudPlan, CloudStepPlan } from "./cloud-plan.js";
import { isCheckResult, splitCheckResults } from "./check-results-wire.js";
import { readContainerResult } from "./dispatch-ecs.js";
import { isColumnLineage } from "./dispatch-lambda.js";
import { driverErrorCode, pollDelayMs, sparkCheckResults } from "./dispatch-emr.js";
import { markCancelled } from "./step-deadline.js";
import type { MachineFingerprints } from "./machine-fingerprints.js";
import { codeOfErrorType } from "./task-failure.js";

/** What following one execution needs. */
export interface StateMachineRun {
  readonly clients: AwsClients;
  readonly plan: CloudPlan;
  readonly machine: StateMachinePlan;
  readonly partition: string;
  readonly runId: string;
  readonly params: Readonly<Record<string, ParamValue>>;
  /** Every step is reported to the run's session (record, log, progress) as its task state ends. */
  readonly session: RunSession;
  readonly signal: AbortSignal;
  /**
   * A partitioned graph: the keys the execution runs (its `partitions` input, fanned out by the machine's Map
   * state). The plan's units of other keys are not the machine's: the caller's scheduler decides them.
   */
  readonly partitions?: readonly string[];
  /** Keeps the state of every step that succeeds, as a direct run does, so the next run can skip it. */
  readonly fingerprints?: MachineFingerprints;
}

/** The state machine a `--via stepfunctions` run starts: the pipeline's, which must be named when there are several. */
export function pipelineMachine(infra: InfrastructurePlan, pipeline: string | undefined): StateMachinePlan {
  const candidates =
    pipeline === undefined ? infra.stateMachines : infra.stateMachines.filter((m) => m.pipeline === pipeline);
  const [machine] = candidates;
  if (candidates.length !== 1 || !machine) {
    throw new GlacierError(
      "INVALID_OPTION",
      pipeline === undefined
        ? `--via stepfunctions starts one pipeline's state machine; this graph has ${infra.stateMachines.length}.`
        : `pipeline "${pipeline}" has no state machine: none of its steps runs on Lambda or EMR Serverless.`,
      {
        subject: { kind: "option", name: "via" },
        hint:
          pipeline === undefined
            ? `Pass --pipeline (${infra.stateMachines.map((m) => m.pipeline).join(", ")}).`
            : "Run it with --via direct.",
      },
    );
  }
  return machine;
}

/** State name → step id, from the `Comment: "step <id>"` generate puts on every task state (Parallel included). */
export function stateSteps(definition: Readonly<Record<string, unknown>>): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (
    states: Record<
      string,
      {
        Type?: string;
        Comment?: string;
        Branches?: { States: Record<string, never> }[];
        ItemProcessor?: { States: Record<string, never> };
      }
    >,
  ) => {
    for (const [name, state] of Object.entries(states)) {
      if (state.Type === "Task" && state.Comment?.startsWith("step "))
        found.set(name, state.Comment.slice("step ".length));
      for (const branch of state.Branches ?? []) walk(branch.States);
      if (state.ItemProcessor) walk(state.ItemProcessor.States);
    }
  };
  walk((definition["States"] ?? {}) as never);
  return found;
}

/** The task state an event belongs to: follow `previousEventId` back to its `TaskStateEntered`. */
function stateOf(event: HistoryEvent, byId: ReadonlyMap<number, HistoryEvent>): string | undefined {
  let current: HistoryEvent | undefined = event;
  while (current) {
    if (current.type === "TaskStateEntered") return current.stateEnteredEventDetails?.name;
    current = current.previousEventId === undefined ? undefined : byId.get(current.previousEventId);
  }
  return undefined;
}

function parsed(text: string | undefined): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text ?? "{}");
    return value !== null && typeof value === "object" ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * The partition key a task event belongs to (a Map iteration's), or undefined outside the Map: follow
 * `previousEventId` back to the attempt's `TaskScheduled` (its parameters: the Lambda payload's `partition`, a
 * container's `GLACIER_PARTITION`) or the state's `TaskStateEntered` (its input: the iteration's `partition`).
 */
function partitionOf(event: HistoryEvent, byId: ReadonlyMap<number, HistoryEvent>): string | undefined {
  let current: HistoryEvent | undefined = event;
  while (current) {
    if (current.type === "TaskScheduled") {
      const parameters = parsed(current.taskScheduledEventDetails?.parameters) as {
        Payload?: { partition?: unknown };
        Overrides?: { ContainerOverrides?: { Environment?: { Name?: string; Value?: unknown }[] }[] };
      };
      const key =
        parameters.Payload?.partition ??
        parameters.Overrides?.ContainerOverrides?.flatMap((c) => c.Environment ?? []).find(
          (e) => e.Name === "GLACIER_PARTITION",
        )?.Value;
      return typeof key === "string" ? key : undefined;
    }
    if (current.type === "TaskStateEntered") {
      const key = parsed(current.stateEnteredEventDetails?.input)["partition"];
      return typeof key === "string" ? key : undefined;
    }
    current = current.previousEventId === undefined ? undefined : byId.get(current.previousEventId);
  }
  return undefined;
}

/** A plan step's key among the units: its declared step and its partition. */
const unitKey = (stepId: string, partition: string | undefined) => `${stepId}\u0000${partition ?? ""}`;

/** `s3://bucket/path` → its bucket and path. */
function outputOf(step: CloudStepPlan): { readonly bucket: string; readonly path: string } {
  const [, bucket = "", path = ""] = /^s3:\/\/([^/]+)\/(.*)$/.exec(step.writes) ?? [];
  return { bucket, path };
}

/** Events that end an execution. `ExecutionRedriven` is not one: a redriven execution runs again. */
const ENDS = new Set(["ExecutionSucceeded", "ExecutionFailed", "ExecutionAborted", "ExecutionTimedOut"]);

/** The page size asked for; AWS allows up to 1000 and may answer with fewer. */
const HISTORY_PAGE = 100;

/**
 * The events added to an execution's history since `known` (the highest event id already read), oldest first.
 * GetExecutionHistory gives no token for events that do not exist yet, so each poll reads newest first
 * (`reverseOrder`) and stops at the first page reaching a known event: one request per poll while nothing
 * happens, and every event read about once, where re-reading from the first page grows with the history.
 */
async function newEvents(
  sfn: SFNClient,
  sdk: typeof Sfn,
  executionArn: string,
  known: number,
): Promise<HistoryEvent[]> {
  const fresh: HistoryEvent[] = [];
  let token: string | undefined;
  do {
    const page = await sfn.send(
      new sdk.GetExecutionHistoryCommand({
        executionArn,
        reverseOrder: true,
        maxResults: HISTORY_PAGE,
        ...(token === undefined ? {} : { nextToken: token }),
      }),
    );
    const events = page.events ?? [];
    fresh.push(...events.filter((e) => (e.id ?? 0) > known));
    token = events.some((e) => (e.id ?? 0) <= known) ? undefined : page.nextToken;
  } while (token !== undefined);
  return fresh.sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
}

/** A child execution of a Distributed Map run: the events of its history read so far. */
interface ChildHistory {
  readonly byId: Map<number, HistoryEvent>;
  known: number;
  ended: boolean;
}

/**
 * Reads the child executions of each Distributed Map run — a Distributed Map runs each iteration as a child
 * execution whose events are in its own history, not the parent's: ListExecutions({ mapRunArn }) finds new
 * children (newest first, so paging stops at the first page reaching a known one), GetExecutionHistory reads
 * the new events of each child that has not ended, and each event is handled in order with its own history.
 */
async function readChildren(
  sfn: SFNClient,
  sdk: typeof Sfn,
  mapRuns: ReadonlyMap<string, Map<string, ChildHistory>>,
  handle: (event: HistoryEvent, byId: ReadonlyMap<number, HistoryEvent>) => Promise<void>,
): Promise<void> {
  for (const [mapRunArn, children] of mapRuns) {
    let token: string | undefined;
    do {
      const page = await sfn.send(
        new sdk.ListExecutionsCommand({ mapRunArn, ...(token === undefined ? {} : { nextToken: token }) }),
      );
      const listed = (page.executions ?? []).flatMap((e) => e.executionArn ?? []);
      const reachedKnown = listed.some((arn) => children.has(arn));
      for (const arn of listed) {
        if (!children.has(arn)) children.set(arn, { byId: new Map(), known: 0, ended: false });
      }
      token = reachedKnown ? undefined : page.nextToken;
    } while (token !== undefined);
    for (const [arn, child] of children) {
      if (child.ended) continue;
      for (const event of await newEvents(sfn, sdk, arn, child.known)) {
        if (event.id === undefined || child.byId.has(event.id)) continue;
        child.byId.set(event.id, event);
        child.known = Math.max(child.known, event.id);
        if (ENDS.has(event.type ?? "")) child.ended = true;
        await handle(event, child.byId);
      }
    }
  }
}

/**
 * What a Lambda task's output (the function's reply, in `Payload`) says it committed: rows, bytes, the output's
 * fingerprint, check results and the task's column lineage.
 */
function metrics(output: string | undefined): {
  rows?: number;
  bytes?: number;
  outputFingerprint?: string;
  checks?: readonly CheckResult[];
  columnLineage?: ColumnLineage;
} {
  const payload = parsed(output)["Payload"] as
    | {
        rows?: unknown;
        bytes?: unknown;
        outputFingerprint?: unknown;
        checks?: unknown;
        columnLineage?: unknown;
      }
    | undefined;
  const checks = payload?.checks;
  return {
    ...(typeof payload?.rows === "number" ? { rows: payload.rows } : {}),
    ...(typeof payload?.bytes === "number" ? { bytes: payload.bytes } : {}),
    ...(typeof payload?.outputFingerprint === "string"
      ? { outputFingerprint: payload.outputFingerprint }
      : {}),
    ...(Array.isArray(checks) && checks.every(isCheckResult) ? { checks } : {}),
    ...(isColumnLineage(payload?.columnLineage) ? { columnLineage: payload.columnLineage } : {}),
  };
}

/**
 * A TaskFailed cause as recorded: a Lambda error payload's (`{ errorType, errorMessage, trace }`) message
 * without the check results it may end with, and those results; any other cause as it is.
 */
function lambdaCause(cause: string | undefined): { cause: string; checks?: readonly CheckResult[] } {
  let payload: { errorMessage?: unknown } | null = null;
  try {
    payload = JSON.parse(cause ?? "") as { errorMessage?: unknown } | null;
  } catch {
    return { cause: cause ?? "" };
  }
  if (typeof payload?.errorMessage !== "string") return { cause: cause ?? "" };
  const { message, checks } = splitCheckResults(payload.errorMessage);
  if (checks === undefined) return { cause: cause ?? "" };
  return { cause: JSON.stringify({ ...payload, errorMessage: message }), checks };
}

/**
 * `--via stepfunctions`: starts the pipeline's generated state machine (execution name = run id, input
 * `{ params }`) and follows its execution history, reporting each step as its task state starts, retries,
 * succeeds or fails. AWS schedules and retries these steps (the Retry blocks follow core's retry policy);
 * this only reports them. A partition range large enough for the machine's Distributed Map runs each
 * partition as a child execution: those are found through the map run the history names (MapRunStarted) and
 * read the same way. It returns the records of the steps the state machine runs; the ones it cannot
 * (local executor) are left to the engine's scheduler, which the caller runs with these records settled.
 * Ctrl-C stops the execution (StopExecution): steps it did not reach are `cancelled`.
 *
 * @example
 * ```ts
 * await sales.run({ mode: "cloud", via: "stepfunctions" });
 * // [{ name: "cleanSales", status: "succeeded", reason: "state machine", rows: 3616, runsOn: "lambda" }]
 * ```
 */
export async function runStateMachine(run: StateMachineRun): Promise<StepRecord[]> {
  const sfn = await run.clients.sfn();
  const sdk = await import("@aws-sdk/client-sfn");
  const arn = `arn:${run.partition}:states:${run.plan.region}:${run.plan.accountId}:stateMachine:${run.machine.name}`;
  try {
    await sfn.send(new sdk.DescribeStateMachineCommand({ stateMachineArn: arn }));
  } catch (error) {
    throw new GlacierError(
      "CLOUD_ERROR",
      `state machine ${run.machine.name} does not exist in ${run.plan.region}.`,
      {
        subject: { kind: "mode", name: "cloud" },
        hint: "Run `glacier generate` and apply it first (terraform init && terraform apply).",
        cause: error,
      },
    );
  }
  const { executionArn } = await sfn.send(
    new sdk.StartExecutionCommand({
      stateMachineArn: arn,
      name: run.runId,
      input: JSON.stringify({
        params: run.params,
        ...(run.partitions === undefined ? {} : { partitions: run.partitions }),
      }),
    }),
  );
  const steps = new Map(run.plan.steps.map((s) => [s.id, s]));
  const units = new Map(run.plan.steps.map((s) => [unitKey(s.stepId, s.partition), s]));
  const names = stateSteps(run.machine.definition);
  const records = new Map<string, StepRecord>();
  const started = new Map<string, number>();
  const byId = new Map<number, HistoryEvent>();
  const base = (step: CloudStepPlan) => ({
    id: step.id,
    name: step.name,
    output: step.writes,
    runsOn: step.dispatch.kind,
    ...(step.dispatch.kind === "lambda" ? { resource: step.dispatch.functionName } : {}),
    ...(step.dispatch.kind === "emr" ? { resource: step.dispatch.applicationName } : {}),
    ...(step.partition === undefined ? {} : { partition: step.partition }),
  });
  /** The check results a Spark step's job wrote (its driver's `_glacier_checks.json`), read and removed. */
  const jobChecks = (step: CloudStepPlan) =>
    sparkCheckResults(run.clients, outputOf(step).bucket, step.stepId, run.runId).catch(() => undefined);
  /** A container step's result document (its metrics, or its own error): a task's output only says it exited. */
  const containerDocument = (step: CloudStepPlan) =>
    step.dispatch.kind === "ecs"
      ? readContainerResult(run.clients, run.plan.artefactsBucket, containerResultKey(run.runId, step)).catch(
          () => undefined,
        )
      : Promise.resolve(undefined);
  /** Reports one task event of the execution's history, or of a child execution's (a Distributed Map's). */
  const handle = async (event: HistoryEvent, byId: ReadonlyMap<number, HistoryEvent>): Promise<void> => {
    const stepId = names.get(stateOf(event, byId) ?? "");
    const step = stepId === undefined ? undefined : units.get(unitKey(stepId, partitionOf(event, byId)));
    if (!step) return;
    // A Spark step with retries enters its task state again for each retry (its retry states, not a Retry block).
    if ((event.type === "TaskStateEntered" || event.type === "TaskScheduled") && !started.has(step.id)) {
      started.set(step.id, event.timestamp?.getTime() ?? Date.now());
      run.session.started(step, "state machine");
    } else if (event.type === "TaskSucceeded") {
      // A container step's metrics are in the result document its task wrote, not in the task's output.
      const document = await containerDocument(step);
      const { outputFingerprint, ...measured } = document?.ok
        ? document.response
        : metrics(event.taskSucceededEventDetails?.output);
      // A Spark job's check results are in the file its driver wrote (the task's output is the job run).
      const sparkChecks = step.dispatch.kind === "emr" ? await jobChecks(step) : undefined;
      const counts = {
        ...(measured.rows === undefined ? {} : { rows: measured.rows }),
        ...(measured.bytes === undefined ? {} : { bytes: measured.bytes }),
      };
      const checks = sparkChecks ?? ("checks" in measured ? measured.checks : undefined);
      const reported = {
        ...(checks === undefined ? {} : { checks }),
        ...(isColumnLineage(measured.columnLineage) ? { columnLineage: measured.columnLineage } : {}),
      };
      const fingerprints = await run.fingerprints?.succeeded(step, outputFingerprint, counts);
      const record: StepRecord = {
        ...base(step),
        status: "succeeded",
        reason: "state machine",
        ...counts,
        ...reported,
        durationMs: (event.timestamp?.getTime() ?? Date.now()) - (started.get(step.id) ?? Date.now()),
        ...fingerprints,
      };
      records.set(step.id, record);
      await run.session.settle(record);
    } else if (event.type === "TaskTimedOut") {
      // The state's TimeoutSeconds passed. The function runs on, but will not commit (step-deadline.ts).
      const seconds = Math.ceil(step.timeoutSeconds ?? 0);
      const record: StepRecord = {
        ...base(step),
        status: "failed",
        reason: "state machine",
        code: "TASK_FAILED",
        error: `step "${step.name}" failed in the state machine: the task timed out after ${seconds} s (States.Timeout). Raise its timeout option.`,
      };
      records.set(step.id, record);
      run.session.attemptFailed(step, { number: 1, of: 1 }, record.error, record.error ?? "", false);
    } else if (event.type === "TaskFailed") {
      const details = event.taskFailedEventDetails;
      // A container step's own error (code, message) is in its result document; the state only says it exited 1.
      const document = await containerDocument(step);
      const failure = document && !document.ok ? document.error : undefined;
      // A function's CHECK_FAILED cause ends with its check results (check-results-wire.ts).
      // A Spark job's are in the file its driver wrote before it failed.
      const { cause, checks: lambdaChecks } = lambdaCause(details?.cause);
      const checks = step.dispatch.kind === "emr" ? await jobChecks(step) : lambdaChecks;
      const record: StepRecord = {
        ...base(step),
        status: "failed",
        reason: "state machine",
        code: failure
          ? codeOfErrorType(failure.name)
          : details?.error?.startsWith("GlacierError.")
            ? codeOfErrorType(details.error)
            : (driverErrorCode(cause) ?? "TASK_FAILED"),
        error: failure
          ? `step "${step.name}" failed in the state machine: ${failure.message}`
          : `step "${step.name}" failed in the state machine: ${details?.error ?? "error"}: ${cause}`,
        ...(checks === undefined ? {} : { checks }),
      };
      records.set(step.id, record);
      run.session.attemptFailed(step, { number: 1, of: 1 }, record.error, record.error ?? "", false);
    }
  };
  // Distributed Map runs (from the history's MapRunStarted): their child executions, each read as it grows.
  const mapRuns = new Map<string, Map<string, ChildHistory>>();
  let known = 0;
  let outcome: string | undefined;
  let stoppedAt: number | undefined;
  for (let poll = 0; outcome === undefined; poll++) {
    if (run.signal.aborted && stoppedAt === undefined) {
      // Stop, then keep reading the history to its end: steps that finished meanwhile are reported as such.
      stoppedAt = poll;
      await sfn
        .send(new sdk.StopExecutionCommand({ executionArn, cause: "cancelled by the user (Ctrl-C)" }))
        .catch(() => undefined);
      // Stopping the execution does not stop a function it invoked: keep those from committing.
      await Promise.all(
        [...started.keys()]
          .filter((id) => !records.has(id) && steps.get(id)?.dispatch.kind === "lambda")
          .map((id) =>
            markCancelled(run.clients, id, outputOf(steps.get(id)!), run.runId).catch(() => undefined),
          ),
      );
    }
    if (stoppedAt !== undefined && poll - stoppedAt > 20) {
      outcome = "ExecutionAborted";
      break;
    }
    for (const event of await newEvents(sfn, sdk, executionArn as string, known)) {
      if (event.id === undefined || byId.has(event.id)) continue;
      byId.set(event.id, event);
      known = Math.max(known, event.id);
      if (ENDS.has(event.type ?? "")) outcome = event.type;
      else if (event.type === "ExecutionRedriven") outcome = undefined;
      const mapRunArn = event.mapRunStartedEventDetails?.mapRunArn;
      if (event.type === "MapRunStarted" && mapRunArn !== undefined) mapRuns.set(mapRunArn, new Map());
      await handle(event, byId);
    }
    // After the parent's events: a child ends before its Map state does, so once the execution has ended,
    // this reads every child's last events.
    await readChildren(sfn, sdk, mapRuns, handle);
    if (outcome === undefined) {
      const delay = stoppedAt === undefined ? pollDelayMs(poll) : 100;
      await sleep(delay, undefined, stoppedAt === undefined ? { signal: run.signal } : {}).catch(
        () => undefined,
      );
    }
  }
  const outside = new Set(run.machine.excluded.map((e) => e.stepId));
  const given = run.partitions === undefined ? undefined : new Set(run.partitions);
  const result: StepRecord[] = [];
  for (const step of run.plan.steps.filter(
    (s) => !outside.has(s.stepId) && (s.partition === undefined || given?.has(s.partition) !== false),
  )) {
    const record = records.get(step.id);
    if (record) {
      if (record.status === "failed") await run.session.settle(record);
      result.push(record);
      continue;
    }
    const notRun: StepRecord =
      outcome === "ExecutionAborted"
        ? { ...base(step), status: "not-run", reason: "cancelled" }
        : {
            ...base(step),
            status: "not-run",
            reason: "upstream failed",
            error: `not run: the state machine's execution ended (${outcome ?? "unknown"}) before it.`,
          };
    await run.session.settle(notRun);
    result.push(notRun);
  }
  return result;
}
