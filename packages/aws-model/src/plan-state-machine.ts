import {
  absurd,
  RETRY_POLICY,
  retryCeilingMs,
  shortHash,
  type RetryJitter,
  type RetryPolicy,
} from "@glacier/core/internal";

/**
 * Amazon States Language for one pipeline: its cloud steps in dependency levels (independent steps in Parallel
 * branches), Lambda invokes and EMR Serverless `startJobRun.sync` tasks, the task's retries as Retry blocks
 * (a Spark step's as states of its own, `retryStates`) and a Catch per step that ends the execution naming the
 * failed step.
 *
 * A Lambda step with a timeout passes it in its event (`timeoutSeconds`, the state's `TimeoutSeconds`). Step
 * Functions stops waiting for the attempt then, but cannot stop the function, so the handler itself refuses
 * to commit after the attempt's deadline (`@glacier/aws`'s `step-deadline.ts`). The deadline is counted by
 * the handler from the invocation's start: ASL has no clock arithmetic, and `$$.State.EnteredTime` is the
 * state's first entry, not the current retry's start, so it cannot date a retried attempt.
 */

/** What the state machine needs to know about one step. */
export type MachineStep =
  | {
      readonly kind: "lambda";
      readonly stepId: string;
      /** Its output is partitioned: it runs once per partition, inside the machine's Map state. */
      readonly perPartition?: boolean;
      readonly stateName: string;
      readonly dependsOn: readonly string[];
      readonly retries: number;
      readonly timeout?: number;
      /** Terraform reference to the function's ARN. */
      readonly functionArn: string;
    }
  | {
      readonly kind: "emr";
      readonly stepId: string;
      readonly perPartition?: boolean;
      readonly stateName: string;
      readonly dependsOn: readonly string[];
      readonly retries: number;
      readonly timeout?: number;
      readonly applicationId: string;
      readonly executionRoleArn: string;
      readonly entryPoint: string;
      readonly logUri: string;
      readonly sparkSubmitParameters: string;
      readonly executionTimeoutMinutes?: number;
    }
  | {
      readonly kind: "ecs";
      readonly stepId: string;
      readonly perPartition?: boolean;
      readonly stateName: string;
      readonly dependsOn: readonly string[];
      readonly retries: number;
      /** The container's own limit when the task sets none: ECS has no task timeout, the state machine stops it. */
      readonly timeout: number;
      /** Terraform references: the cluster's and the task definition's ARNs. */
      readonly clusterArn: string;
      readonly taskDefinitionArn: string;
      readonly containerName: string;
      /** The step's result document key: this text, the execution name, then `resultKeyAfter`. */
      readonly resultKeyBefore: string;
      readonly resultKeyAfter: string;
    };

/**
 * Placeholders in the ASL for Terraform expressions that are not strings (the networking variables' lists):
 * the synthesizer writes them unquoted into the definition's JSON, where Terraform renders `jsonencode(…)`.
 */
export const ASL_NETWORK = {
  subnets: "${jsonencode(local.container_subnet_ids)}",
  securityGroups: "${jsonencode(local.container_security_group_ids)}",
  assignPublicIp: "${var.container_assign_public_ip}",
} as const;

/**
 * Errors a rerun cannot fix (missing data, a schema or parameter mistake …): core's non-retryable codes as the
 * Lambda handler reports them, error type `GlacierError.<CODE>`. Never retried, whatever the task's `retries`.
 */
export const NON_RETRYABLE_ERRORS: readonly `GlacierError.${RetryPolicy["nonRetryable"][number]}`[] =
  Object.freeze(RETRY_POLICY.nonRetryable.map((code) => `GlacierError.${code}` as const));

/** AWS's longest state name. */
const STATE_NAME_LIMIT = 80;

/** Step Functions' name of each jitter of the retry policy. */
const JITTER_STRATEGY = { full: "FULL" } as const satisfies Record<RetryJitter, string>;

const LAMBDA_TRANSIENT = [
  "Lambda.ServiceException",
  "Lambda.AWSLambdaException",
  "Lambda.SdkClientException",
  "Lambda.TooManyRequestsException",
];
const EMR_TRANSIENT = ["EmrServerless.ThrottlingException", "EmrServerless.InternalServerException"];
const ECS_TRANSIENT = ["ECS.ServerException", "ECS.ThrottlingException", "ECS.LimitExceededException"];

/** Errors of each integration that are the service's, not the task's: retried whatever the task's `retries`. */
const TRANSIENT = {
  lambda: LAMBDA_TRANSIENT,
  emr: EMR_TRANSIENT,
  ecs: ECS_TRANSIENT,
} as const satisfies Record<MachineStep["kind"], readonly string[]>;

type State = Record<string, unknown>;

/** Escapes literal text inside an intrinsic function string (`'`, `{`, `}` and `\` are special there). */
function escapeIntrinsic(text: string): string {
  return text.replace(/[\\'{}]/g, (c) => `\\${c}`);
}

/** `States.Format('<before>{}', <path>)`: literal text followed by one JSONPath value. */
function formatAfter(before: string, path: string): string {
  return `States.Format('${escapeIntrinsic(before)}{}', ${path})`;
}

/** @internal The Retry blocks of a step: transient AWS errors, never the non-retryable codes, then core's policy. */
export function retries(step: MachineStep): State[] {
  const transient = TRANSIENT[step.kind];
  const retry: State[] = [
    { ErrorEquals: transient, IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2, JitterStrategy: "FULL" },
    { ErrorEquals: [...NON_RETRYABLE_ERRORS], MaxAttempts: 0 },
  ];
  if (step.retries > 0 && !retriedByLoop(step)) {
    // The task's retries, by core's retry policy: the same waits a local or direct cloud run makes.
    retry.push({
      ErrorEquals: ["States.ALL"],
      IntervalSeconds: RETRY_POLICY.baseSeconds,
      MaxAttempts: step.retries,
      BackoffRate: RETRY_POLICY.factor,
      MaxDelaySeconds: RETRY_POLICY.maxDelaySeconds,
      JitterStrategy: JITTER_STRATEGY[RETRY_POLICY.jitter],
    });
  }
  return retry;
}

/**
 * A Spark step with retries is retried by its own states, not by a Retry block: EMR Serverless reports every
 * failed job run as `States.TaskFailed` (the job's `stateDetails` in the Cause), so a Retry on the error name
 * cannot tell the driver's permanent failures (`GlacierStepError: CHECK_FAILED: …`) from a lost executor.
 */
function retriedByLoop(step: MachineStep): boolean {
  return step.kind === "emr" && step.retries > 0;
}

/** @internal The state a step's Catch goes to: its retry decision when it has one, else `failNext`. */
function catchName(step: MachineStep, failNext: string): string {
  return retriedByLoop(step) ? helperName(step.stateName, "permanent?") : failNext;
}

/**
 * `<state> <label>`, a step's helper state, within AWS's 80 characters: a state name too long for the label is
 * cut and told apart by its hash (`<cut>~<6 hex> <label>`).
 */
function helperName(task: string, label: string): string {
  return task.length + 1 + label.length <= STATE_NAME_LIMIT
    ? `${task} ${label}`
    : `${task.slice(0, STATE_NAME_LIMIT - label.length - 8)}~${shortHash(task, 6)} ${label}`;
}

/**
 * @internal The states that retry a Spark step (see `retriedByLoop`): its Catch → a Choice matching the Cause
 * against each non-retryable code of the driver (`*GlacierStepError: <CODE>:*`) → a Pass naming the error
 * `GlacierError.<CODE>` → `failNext`; any other failure, while the attempt counter (under
 * `$.glacier_retries_<state>`) is below the step's retries, waits the retry policy's ceiling for that retry
 * (ASL cannot draw the jitter below it) and runs the task again; else `failNext`, keeping the last error and cause.
 */
export function retryStates(step: MachineStep, failNext: string): Record<string, State> {
  if (!retriedByLoop(step)) return {};
  const task = step.stateName;
  const named = (label: string) => helperName(task, label);
  const counter = `$.glacier_retries_${task.replace(/[^A-Za-z0-9_]/g, "_")}`;
  const waits = Array.from({ length: step.retries }, (_, i) => retryCeilingMs(i + 1) / 1000);
  const codes = RETRY_POLICY.nonRetryable;
  const states: Record<string, State> = {
    [named("permanent?")]: {
      Type: "Choice",
      Comment: `step ${step.stepId}: a failure the driver names as non-retryable ends the step`,
      Choices: codes.map((code) => ({
        Variable: "$.failure.Cause",
        StringMatches: `*GlacierStepError: ${code}:*`,
        Next: named(code),
      })),
      Default: named("retried?"),
    },
    // Two Choice states: a comparison on a missing path is an error. (`IsPresent: true`, not `false`:
    // aws-local-stepfunctions never matches `IsPresent: false`.)
    [named("retried?")]: {
      Type: "Choice",
      Choices: [{ Variable: counter, IsPresent: true, Next: named("retries left?") }],
      Default: named("retry 1"),
    },
    [named("retries left?")]: {
      Type: "Choice",
      Choices: [{ Variable: `${counter}.n`, NumericLessThan: step.retries, Next: named("retry n") }],
      Default: failNext,
    },
    [named("retry 1")]: {
      Type: "Pass",
      Result: { n: 1, wait: waits[0], waits },
      ResultPath: counter,
      Next: named("backoff"),
    },
    [named("retry n")]: {
      Type: "Pass",
      Parameters: {
        "n.$": `States.MathAdd(${counter}.n, 1)`,
        "wait.$": `States.ArrayGetItem(${counter}.waits, ${counter}.n)`,
        "waits.$": `${counter}.waits`,
      },
      ResultPath: counter,
      Next: named("backoff"),
    },
    [named("backoff")]: { Type: "Wait", SecondsPath: `${counter}.wait`, Next: task },
  };
  for (const code of codes) {
    states[named(code)] = {
      Type: "Pass",
      Result: `GlacierError.${code}`,
      ResultPath: "$.failure.Error",
      Next: failNext,
    };
  }
  return states;
}

/** @internal One step's Task state; `failNext` is where its Catch goes (its own Fail state by default). */
export function taskState(step: MachineStep, partition: string, failNext: string = failName(step)): State {
  // A partition's iteration gets the run id from its Map state's ItemSelector: in a Distributed Map each
  // iteration is a child execution, whose `$$.Execution.Name` is its own, not the run's.
  const runId = step.perPartition ? "$.runId" : "$$.Execution.Name";
  const common = {
    Comment: `step ${step.stepId}`,
    ResultPath: null,
    ...(step.timeout === undefined ? {} : { TimeoutSeconds: Math.ceil(step.timeout) }),
    Retry: retries(step),
    Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.failure", Next: catchName(step, failNext) }],
  };
  switch (step.kind) {
    case "lambda":
      return {
        Type: "Task",
        Resource: `arn:${partition}:states:::lambda:invoke`,
        Parameters: {
          FunctionName: step.functionArn,
          Payload: {
            stepId: step.stepId,
            "runId.$": runId,
            "params.$": "$.params",
            // The attempt's timeout: the handler does not commit after it (Step Functions has given up by then).
            ...(step.timeout === undefined ? {} : { timeoutSeconds: Math.ceil(step.timeout) }),
            ...(step.perPartition ? { "partition.$": "$.partition" } : {}),
          },
        },
        ...common,
      };
    case "emr":
      return {
        Type: "Task",
        Resource: `arn:${partition}:states:::emr-serverless:startJobRun.sync`,
        Parameters: {
          ApplicationId: step.applicationId,
          ExecutionRoleArn: step.executionRoleArn,
          "Name.$": formatAfter(`${step.stateName}-`, runId),
          "ClientToken.$": "States.UUID()",
          JobDriver: {
            SparkSubmit: {
              EntryPoint: step.entryPoint,
              "EntryPointArguments.$": `States.Array('--run-id', ${runId}, '--params', States.JsonToString($.params))`,
              SparkSubmitParameters: step.sparkSubmitParameters,
            },
          },
          ConfigurationOverrides: {
            MonitoringConfiguration: { S3MonitoringConfiguration: { LogUri: step.logUri } },
          },
          ...(step.executionTimeoutMinutes === undefined
            ? {}
            : { ExecutionTimeoutMinutes: step.executionTimeoutMinutes }),
        },
        ...common,
      };
    case "ecs":
      return {
        Type: "Task",
        Resource: `arn:${partition}:states:::ecs:runTask.sync`,
        Parameters: {
          LaunchType: "FARGATE",
          Cluster: step.clusterArn,
          TaskDefinition: step.taskDefinitionArn,
          NetworkConfiguration: {
            AwsvpcConfiguration: {
              Subnets: ASL_NETWORK.subnets,
              SecurityGroups: ASL_NETWORK.securityGroups,
              AssignPublicIp: ASL_NETWORK.assignPublicIp,
            },
          },
          Overrides: {
            ContainerOverrides: [
              {
                Name: step.containerName,
                Environment: [
                  { Name: "GLACIER_RUN_ID", "Value.$": runId },
                  { Name: "GLACIER_PARAMS", "Value.$": "States.JsonToString($.params)" },
                  ...(step.perPartition ? [{ Name: "GLACIER_PARTITION", "Value.$": "$.partition" }] : []),
                  {
                    Name: "GLACIER_RESULT_KEY",
                    "Value.$": `States.Format('${escapeIntrinsic(step.resultKeyBefore)}{}${escapeIntrinsic(step.resultKeyAfter)}', ${runId})`,
                  },
                ],
              },
            ],
          },
        },
        ...common,
        TimeoutSeconds: Math.ceil(step.timeout),
      };
    default:
      return absurd(step, "step kind");
  }
}

/** @internal */
export function failName(step: MachineStep): string {
  return helperName(step.stateName, "failed");
}

/** @internal */
export function failState(step: MachineStep): State {
  return {
    Type: "Fail",
    Comment: `step ${step.stepId} failed`,
    ErrorPath: "$.failure.Error",
    CausePath: formatAfter(`step ${step.stepId} failed: `, "$.failure.Cause"),
  };
}

/** Groups steps into levels: a step runs after every step it depends on. */
export function machineLevels(steps: readonly MachineStep[]): MachineStep[][] {
  const level = new Map<string, number>();
  const levels: MachineStep[][] = [];
  for (const step of steps) {
    const n = Math.max(-1, ...step.dependsOn.map((d) => level.get(d) ?? -1)) + 1;
    level.set(step.stepId, n);
    (levels[n] ??= []).push(step);
  }
  return levels;
}

/**
 * The ASL of one pipeline. `steps` are in execution order; `dependsOn` names steps among them.
 *
 * @example
 * ```ts
 * stateMachineDefinition("sales", [clean, daily], "aws")
 * // { Comment: "Glacier pipeline sales", StartAt: "Params given?", States: {
 * //     "clean-sales-3f2a9c": { Type: "Task", Resource: "arn:aws:states:::lambda:invoke", Next: "daily-…" }, … } }
 * ```
 */
export function stateMachineDefinition(
  pipeline: string,
  steps: readonly MachineStep[],
  partition: string,
): Readonly<Record<string, unknown>> {
  const levels = machineLevels(steps);
  const names = levels.map((level, i) =>
    level.length === 1
      ? (level[0] as MachineStep).stateName
      : `Level ${i + 1}: ${level.length} steps in parallel`,
  );
  const states: Record<string, State> = {};
  states["Params given?"] = {
    Type: "Choice",
    Comment: "Executions may omit params; the tasks read $.params.",
    Choices: [{ Variable: "$.params", IsPresent: true, Next: names[0] }],
    Default: "Default params",
  };
  states["Default params"] = { Type: "Pass", Result: {}, ResultPath: "$.params", Next: names[0] };
  levels.forEach((level, i) => {
    const next = i + 1 < levels.length ? { Next: names[i + 1] } : { End: true };
    if (level.length === 1) {
      const step = level[0] as MachineStep;
      states[step.stateName] = { ...taskState(step, partition), ...next };
      Object.assign(states, retryStates(step, failName(step)));
      states[failName(step)] = failState(step);
      return;
    }
    states[names[i] as string] = {
      Type: "Parallel",
      Branches: level.map((step) => ({
        StartAt: step.stateName,
        States: {
          [step.stateName]: { ...taskState(step, partition), End: true },
          ...retryStates(step, failName(step)),
          [failName(step)]: failState(step),
        },
      })),
      ResultPath: null,
      ...next,
    };
  });
  return { Comment: `Glacier pipeline ${pipeline}`, StartAt: "Params given?", States: states };
}
