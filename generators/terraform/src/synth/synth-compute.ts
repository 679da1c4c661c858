import { CloudwatchLogGroup } from "@cdktn/provider-aws/lib/cloudwatch-log-group/index.js";
import { EmrserverlessApplication } from "@cdktn/provider-aws/lib/emrserverless-application/index.js";
import { IamRole } from "@cdktn/provider-aws/lib/iam-role/index.js";
import { IamRolePolicy } from "@cdktn/provider-aws/lib/iam-role-policy/index.js";
import { LambdaFunction } from "@cdktn/provider-aws/lib/lambda-function/index.js";
import { LambdaLayerVersion } from "@cdktn/provider-aws/lib/lambda-layer-version/index.js";
import { ref, type PolicyStatement, type RolePlan, type WorkerCapacity } from "@glacier/aws-model";
import { synthContainers } from "./synth-containers.js";
import { modulePath, policyJson, type SynthContext } from "./synth-context.js";

/**
 * Compute and identity: IAM roles with their inline least-privilege policies, the functions' log groups, the
 * shared polars layers, Lambda functions and EMR Serverless applications.
 */

function statementJson(statement: PolicyStatement): Record<string, unknown> {
  return {
    Sid: statement.sid,
    Effect: "Allow",
    Action: statement.actions,
    Resource: statement.resources,
    ...(statement.condition === undefined ? {} : { Condition: statement.condition }),
  };
}

/** The role's trust policy: its service, with the plan's confused-deputy conditions. */
function trustPolicy(role: RolePlan): string {
  const condition = role.trustCondition === undefined ? {} : { Condition: role.trustCondition };
  return policyJson([
    { Effect: "Allow", Principal: { Service: role.service }, Action: "sts:AssumeRole", ...condition },
  ]);
}

function synthRoles(ctx: SynthContext): void {
  for (const role of ctx.plan.roles) {
    const resource = new IamRole(ctx.stack, role.logicalId, {
      name: ctx.name(role.name),
      description: role.purpose.slice(0, 1000),
      assumeRolePolicy: trustPolicy(role),
    });
    new IamRolePolicy(ctx.stack, `${role.logicalId}_policy`, {
      name: "glacier-least-privilege",
      role: resource.id,
      policy: policyJson(role.statements.map(statementJson)),
    });
  }
}

function synthFunctions(ctx: SynthContext): void {
  const { plan, stack } = ctx;
  for (const layer of plan.layers) {
    // A layer only container steps use is a zip in S3 for them, not a Lambda layer version.
    if (!plan.functions.some((f) => f.layerLogicalId === layer.logicalId)) continue;
    const asset = ctx.assets.layers[layer.logicalId];
    if (!asset) throw new Error(`no packaged zip for layer ${layer.logicalId}`);
    new LambdaLayerVersion(stack, layer.logicalId, {
      layerName: ctx.name(layer.name),
      description: `nodejs-polars ${asset.version} with ${layer.binaryPackage}, for Glacier steps`,
      s3Bucket: ref("aws_s3_object", `${layer.logicalId}_zip`, "bucket"),
      s3Key: ref("aws_s3_object", `${layer.logicalId}_zip`, "key"),
      sourceCodeHash: asset.sha256,
      // The runtimes of the functions using it (Lambda rejects a layer version for another runtime).
      compatibleRuntimes: [
        ...new Set(plan.functions.filter((f) => f.layerLogicalId === layer.logicalId).map((f) => f.runtime)),
      ].sort(),
      compatibleArchitectures: [layer.architecture],
    });
  }
  for (const group of plan.logGroups) {
    new CloudwatchLogGroup(stack, group.logicalId, {
      name: `/aws/lambda/${ctx.name(group.name.slice("/aws/lambda/".length))}`,
      retentionInDays: ctx.logRetentionDays,
    });
  }
  for (const fn of plan.functions) {
    const asset = ctx.assets.functions[fn.logicalId];
    if (!asset) throw new Error(`no packaged zip for function ${fn.logicalId}`);
    new LambdaFunction(stack, fn.logicalId, {
      functionName: ctx.name(fn.functionName),
      description: `Glacier step ${fn.stepId}`.slice(0, 256),
      role: ref("aws_iam_role", fn.roleLogicalId, "arn"),
      runtime: fn.runtime,
      handler: fn.handler,
      filename: modulePath(asset.path),
      sourceCodeHash: asset.sha256,
      memorySize: fn.memory,
      timeout: fn.timeout,
      ephemeralStorage: { size: fn.ephemeralStorage },
      architectures: [fn.architecture],
      layers: [ref("aws_lambda_layer_version", fn.layerLogicalId, "arn")],
      environment: { variables: { ...fn.environment } },
      ...(fn.reservedConcurrency === undefined
        ? {}
        : { reservedConcurrentExecutions: fn.reservedConcurrency }),
      loggingConfig: {
        logFormat: "Text",
        logGroup: ref("aws_cloudwatch_log_group", fn.logGroupLogicalId, "name"),
      },
    });
  }
}

function capacity(type: "Driver" | "Executor", worker: WorkerCapacity) {
  return {
    initialCapacityType: type,
    initialCapacityConfig: {
      workerCount: worker.workers,
      workerConfiguration: { cpu: `${worker.cpu} vCPU`, memory: `${worker.memory} GB` },
    },
  };
}

function synthSparkApplications(ctx: SynthContext): void {
  for (const job of ctx.plan.sparkJobs) {
    // Room for dynamic allocation to double the pre-initialised executors, never unbounded.
    const cpu = job.driver.cpu + 2 * job.executor.workers * job.executor.cpu;
    const memory = job.driver.memory + 2 * job.executor.workers * job.executor.memory;
    new EmrserverlessApplication(ctx.stack, job.logicalId, {
      name: ctx.name(job.applicationName),
      releaseLabel: job.releaseLabel,
      type: "spark",
      architecture: "X86_64",
      initialCapacity: [capacity("Driver", job.driver), capacity("Executor", job.executor)],
      maximumCapacity: { cpu: `${cpu} vCPU`, memory: `${memory} GB` },
      autoStartConfiguration: { enabled: true },
      autoStopConfiguration: { enabled: true, idleTimeoutMinutes: 15 },
    });
  }
}

/** Roles, log groups, layers, functions, EMR Serverless applications, the ECS cluster and task definitions. */
export function synthCompute(ctx: SynthContext): void {
  synthRoles(ctx);
  synthFunctions(ctx);
  synthSparkApplications(ctx);
  synthContainers(ctx);
}
