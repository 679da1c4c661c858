import type {
  ContainerTaskPlan,
  FunctionPlan,
  PolicyCondition,
  PolicyStatement,
  RolePlan,
  SparkJobPlan,
} from "./plan-types.js";
import { kebab, stepSuffix } from "./resource-names.js";
import { kmsStatements, readStatements, writeStatements, writeTarget } from "./s3-access.js";

/**
 * The IAM roles of the plan, each with one inline policy that names exact resources: data ARNs from lineage,
 * other resources by Terraform reference (`${aws_lambda_function.x.arn}`). No `*` action; the only wildcard
 * resources are key patterns inside a step's own locations.
 */

/** Context every role needs: the partition and account for ARNs the plan builds itself. */
export interface RoleContext {
  readonly partition: string;
  readonly region: string;
  /** A literal account id or a Terraform reference to it. */
  readonly account: string;
}

/** `${type.name.attribute}`: a Terraform reference string. */
export function ref(type: string, logicalId: string, attribute: string): string {
  return `\${${type}.${logicalId}.${attribute}}`;
}

/**
 * The role of a Lambda step: read its inputs, write its output, write its own log group.
 *
 * @example
 * ```ts
 * lambdaRole(fn, roleName, ctx).statements.map((s) => s.sid)
 * // ["ReadInputs", "ListInputs", "WriteOutput", "StageOutput", "ListOutput", "WriteLogs"]
 * ```
 */
export function lambdaRole(fn: FunctionPlan, name: string, ctx: RoleContext): RolePlan {
  return {
    logicalId: fn.roleLogicalId,
    name,
    service: "lambda.amazonaws.com",
    purpose: `Lambda function ${fn.functionName} (step ${fn.stepId})`,
    statements: [
      ...readStatements(ctx.partition, fn.reads),
      ...writeStatements(ctx.partition, writeTarget(fn.stepId, fn.writes)),
      ...kmsStatements(ctx.partition, ctx.region, fn.reads, fn.writes),
      {
        sid: "WriteLogs",
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [`${ref("aws_cloudwatch_log_group", fn.logGroupLogicalId, "arn")}:*`],
      },
    ],
  };
}

/**
 * The job execution role of a Spark step: its data, its driver script, its log prefix. Only EMR Serverless
 * acting for this account's application of the step may assume it (the confused-deputy guard EMR Serverless
 * documents: `aws:SourceAccount` and `aws:SourceArn`).
 */
export function sparkJobRole(job: SparkJobPlan, name: string, ctx: RoleContext): RolePlan {
  const artefacts = ref("aws_s3_bucket", "artefacts", "arn");
  const application = ref("aws_emrserverless_application", job.logicalId, "arn");
  return {
    logicalId: job.roleLogicalId,
    name,
    service: "emr-serverless.amazonaws.com",
    purpose: `EMR Serverless job of step ${job.stepId}`,
    trustCondition: {
      StringEquals: { "aws:SourceAccount": [ctx.account] },
      ArnLike: { "aws:SourceArn": [application, `${application}/*`] },
    },
    statements: [
      ...readStatements(ctx.partition, job.reads),
      ...writeStatements(ctx.partition, writeTarget(job.stepId, job.writes), true),
      ...kmsStatements(ctx.partition, ctx.region, job.reads, job.writes),
      { sid: "ReadScript", actions: ["s3:GetObject"], resources: [`${artefacts}/${job.scriptKey}`] },
      { sid: "WriteJobLogs", actions: ["s3:PutObject"], resources: [`${artefacts}/${job.logPrefix}*`] },
    ],
  };
}

/** ECS's confused-deputy guard for roles its tasks assume: this account's ECS, in this region. */
function ecsTrust(ctx: RoleContext): PolicyCondition {
  return {
    StringEquals: { "aws:SourceAccount": [ctx.account] },
    ArnLike: { "aws:SourceArn": [`arn:${ctx.partition}:ecs:${ctx.region}:${ctx.account}:*`] },
  };
}

/**
 * The task role of a container step — what the step's code may do: read its inputs, write its output, fetch
 * its own bundle and the polars layer of its architecture, write its own result documents. Nothing else: the
 * same data grants as the Lambda role of a serverless step.
 *
 * @example
 * ```ts
 * containerTaskRole(task, roleName, ctx).statements.map((s) => s.sid)
 * // ["ReadInputs", "ListInputs", "WriteOutput", "StageOutput", "ListOutput", "ReadCode", "WriteResult"]
 * ```
 */
export function containerTaskRole(task: ContainerTaskPlan, name: string, ctx: RoleContext): RolePlan {
  const artefacts = ref("aws_s3_bucket", "artefacts", "arn");
  const suffix = stepSuffix({ id: task.stepId, name: task.stepName });
  return {
    logicalId: task.taskRoleLogicalId,
    name,
    service: "ecs-tasks.amazonaws.com",
    purpose: `ECS task ${task.family} (step ${task.stepId})`,
    trustCondition: ecsTrust(ctx),
    statements: [
      ...readStatements(ctx.partition, task.reads),
      ...writeStatements(ctx.partition, writeTarget(task.stepId, task.writes)),
      ...kmsStatements(ctx.partition, ctx.region, task.reads, task.writes),
      {
        sid: "ReadCode",
        actions: ["s3:GetObject"],
        resources: [
          `${artefacts}/${task.bundleKey}`,
          // The layer's key ends with its content hash (generate names it), so the role names its prefix.
          `${artefacts}/glacier/layers/nodejs-polars-${kebab(task.architecture)}-*`,
        ],
      },
      {
        sid: "WriteResult",
        actions: ["s3:PutObject"],
        resources: [`${artefacts}/${task.resultPrefix}*/${suffix}*`],
      },
    ],
  };
}

/**
 * The task execution role of a container step: what ECS itself does to start the task — write the container's
 * log stream. The image is public (Amazon ECR Public), pulled anonymously, so no registry permission is needed.
 */
export function containerExecutionRole(task: ContainerTaskPlan, name: string, ctx: RoleContext): RolePlan {
  return {
    logicalId: task.executionRoleLogicalId,
    name,
    service: "ecs-tasks.amazonaws.com",
    purpose: `ECS task execution of ${task.family} (step ${task.stepId})`,
    trustCondition: ecsTrust(ctx),
    statements: [
      {
        sid: "WriteLogs",
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [`${ref("aws_cloudwatch_log_group", task.logGroupLogicalId, "arn")}:*`],
      },
    ],
  };
}

/** What a state machine invokes. */
export interface MachineTargets {
  readonly functions: readonly FunctionPlan[];
  readonly sparkJobs: readonly SparkJobPlan[];
  /** Container steps, with the logical id of the cluster they run on. */
  readonly containers?: { readonly cluster: string; readonly tasks: readonly ContainerTaskPlan[] };
}

/**
 * The role of a pipeline's state machine: invoke its functions, run and watch its EMR jobs (the `.sync`
 * integration manages one EventBridge rule of a fixed name), pass its job roles to EMR Serverless only.
 */
export function stateMachineRole(
  pipeline: string,
  logicalId: string,
  name: string,
  targets: MachineTargets,
  ctx: RoleContext,
): RolePlan {
  const statements: PolicyStatement[] = [];
  if (targets.functions.length > 0) {
    const arns = targets.functions.map((f) => ref("aws_lambda_function", f.logicalId, "arn"));
    statements.push({
      sid: "InvokeFunctions",
      actions: ["lambda:InvokeFunction"],
      resources: arns.flatMap((arn) => [arn, `${arn}:*`]),
    });
  }
  if (targets.sparkJobs.length > 0) {
    const apps = targets.sparkJobs.map((j) => ref("aws_emrserverless_application", j.logicalId, "arn"));
    statements.push(
      { sid: "StartJobRuns", actions: ["emr-serverless:StartJobRun"], resources: apps },
      {
        sid: "WatchJobRuns",
        actions: ["emr-serverless:CancelJobRun", "emr-serverless:GetJobRun"],
        resources: apps.map((app) => `${app}/jobruns/*`),
      },
      {
        sid: "PassJobRoles",
        actions: ["iam:PassRole"],
        resources: targets.sparkJobs.map((j) => ref("aws_iam_role", j.roleLogicalId, "arn")),
        condition: { StringEquals: { "iam:PassedToService": ["emr-serverless.amazonaws.com"] } },
      },
      {
        sid: "ManageSyncRule",
        actions: ["events:DescribeRule", "events:PutRule", "events:PutTargets"],
        resources: [
          `arn:${ctx.partition}:events:${ctx.region}:${ctx.account}:rule/StepFunctionsGetEventsForEMRServerlessJobRule`,
        ],
      },
    );
  }
  const containers = targets.containers;
  if (containers && containers.tasks.length > 0) {
    const ecs = `arn:${ctx.partition}:ecs:${ctx.region}:${ctx.account}`;
    statements.push(
      {
        sid: "RunTasks",
        actions: ["ecs:RunTask"],
        resources: containers.tasks.map(
          (t) => `${ref("aws_ecs_task_definition", t.logicalId, "arn_without_revision")}:*`,
        ),
        condition: { ArnEquals: { "ecs:cluster": [ref("aws_ecs_cluster", containers.cluster, "arn")] } },
      },
      {
        sid: "WatchTasks",
        actions: ["ecs:StopTask", "ecs:DescribeTasks"],
        resources: [`${ecs}:task/${ref("aws_ecs_cluster", containers.cluster, "name")}/*`],
      },
      {
        sid: "PassTaskRoles",
        actions: ["iam:PassRole"],
        resources: containers.tasks.flatMap((t) => [
          ref("aws_iam_role", t.taskRoleLogicalId, "arn"),
          ref("aws_iam_role", t.executionRoleLogicalId, "arn"),
        ]),
        condition: { StringEquals: { "iam:PassedToService": ["ecs-tasks.amazonaws.com"] } },
      },
      {
        sid: "ManageEcsSyncRule",
        actions: ["events:DescribeRule", "events:PutRule", "events:PutTargets"],
        resources: [
          `arn:${ctx.partition}:events:${ctx.region}:${ctx.account}:rule/StepFunctionsGetEventsForECSTaskRule`,
        ],
      },
    );
  }
  return {
    logicalId,
    name,
    service: "states.amazonaws.com",
    purpose: `Step Functions state machine of pipeline ${pipeline}`,
    statements,
  };
}

/** The role EventBridge Scheduler assumes to start one state machine, for schedules of this account only. */
export function schedulerRole(
  pipeline: string,
  logicalId: string,
  name: string,
  stateMachineLogicalId: string,
  ctx: RoleContext,
): RolePlan {
  return {
    logicalId,
    name,
    service: "scheduler.amazonaws.com",
    purpose: `EventBridge Scheduler schedule of pipeline ${pipeline}`,
    trustCondition: { StringEquals: { "aws:SourceAccount": [ctx.account] } },
    statements: [
      {
        sid: "StartPipeline",
        actions: ["states:StartExecution"],
        resources: [ref("aws_sfn_state_machine", stateMachineLogicalId, "arn")],
      },
    ],
  };
}
