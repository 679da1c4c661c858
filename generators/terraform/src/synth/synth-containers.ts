import { CloudwatchLogGroup } from "@cdktn/provider-aws/lib/cloudwatch-log-group/index.js";
import { DataAwsSecurityGroup } from "@cdktn/provider-aws/lib/data-aws-security-group/index.js";
import { DataAwsSubnets } from "@cdktn/provider-aws/lib/data-aws-subnets/index.js";
import { DataAwsVpc } from "@cdktn/provider-aws/lib/data-aws-vpc/index.js";
import { EcsCluster } from "@cdktn/provider-aws/lib/ecs-cluster/index.js";
import { EcsTaskDefinition } from "@cdktn/provider-aws/lib/ecs-task-definition/index.js";
import {
  CONTAINER_NETWORK_TAGS,
  containerCommand,
  ref,
  type ContainerTaskPlan,
  type ContainersPlan,
} from "@glacier/aws-model";
import { TerraformLocal, TerraformOutput, TerraformVariable } from "cdktn";
import type { SynthContext } from "./synth-context.js";

/**
 * Container steps: the ECS cluster, a log group and a Fargate task definition per step, and the networking the
 * tasks run in. Networking is three variables; left at their defaults, tasks run in the account's default VPC
 * (its subnets and its `default` security group) with a public IP (ENABLED), which lets them reach S3 and Amazon ECR
 * Public without a NAT gateway. Nothing here exists for a graph without container steps.
 */

function networking(ctx: SynthContext): void {
  const { stack } = ctx;
  new TerraformVariable(stack, "container_subnets", {
    type: "list(string)",
    default: [],
    description:
      "Subnets container steps run in. Default (empty): every subnet of the account's default VPC in the region.",
  });
  new TerraformVariable(stack, "container_security_groups", {
    type: "list(string)",
    default: [],
    description:
      "Security groups of container steps' tasks; they need outbound HTTPS (S3, ECR Public, CloudWatch Logs). Default (empty): the default VPC's `default` security group.",
  });
  new TerraformVariable(stack, "container_assign_public_ip", {
    type: "string",
    default: "ENABLED",
    description:
      "ENABLED gives container tasks a public IP: needed in public subnets without a NAT gateway (the default VPC). DISABLED in private subnets with a NAT gateway or VPC endpoints.",
    validation: [
      {
        condition: '${contains(["ENABLED", "DISABLED"], var.container_assign_public_ip)}',
        errorMessage: "container_assign_public_ip must be ENABLED or DISABLED.",
      },
    ],
  });
  const useDefault =
    "${length(var.container_subnets) == 0 || length(var.container_security_groups) == 0 ? 1 : 0}";
  const vpc = new DataAwsVpc(stack, "default_vpc", { default: true });
  vpc.addOverride("count", useDefault);
  const subnets = new DataAwsSubnets(stack, "default_subnets", {
    filter: [{ name: "vpc-id", values: ["${data.aws_vpc.default_vpc[0].id}"] }],
  });
  subnets.addOverride("count", useDefault);
  const group = new DataAwsSecurityGroup(stack, "default_security_group", {
    name: "default",
    vpcId: "${data.aws_vpc.default_vpc[0].id}",
  });
  group.addOverride("count", useDefault);
  new TerraformLocal(
    stack,
    "container_subnet_ids",
    "${length(var.container_subnets) > 0 ? var.container_subnets : data.aws_subnets.default_subnets[0].ids}",
  );
  new TerraformLocal(
    stack,
    "container_security_group_ids",
    "${length(var.container_security_groups) > 0 ? var.container_security_groups : [data.aws_security_group.default_security_group[0].id]}",
  );
}

/** The environment of a task's container: the plan's, and where its code and result documents are. */
function environment(ctx: SynthContext, task: ContainerTaskPlan, logGroup: string): Record<string, string> {
  const layer = `${task.layerLogicalId}_zip`;
  return {
    ...task.environment,
    AWS_REGION: ctx.plan.region,
    GLACIER_BUNDLE_S3: `s3://${ref("aws_s3_object", `${task.logicalId}_bundle`, "bucket")}/${ref("aws_s3_object", `${task.logicalId}_bundle`, "key")}`,
    GLACIER_LAYER_S3: `s3://${ref("aws_s3_object", layer, "bucket")}/${ref("aws_s3_object", layer, "key")}`,
    GLACIER_RESULT_BUCKET: ref("aws_s3_bucket", "artefacts", "bucket"),
    GLACIER_TIMEOUT_SECONDS: String(task.timeout),
    GLACIER_LOG_GROUP: logGroup,
  };
}

function taskDefinition(ctx: SynthContext, containers: ContainersPlan, task: ContainerTaskPlan): void {
  const logGroup = new CloudwatchLogGroup(ctx.stack, task.logGroupLogicalId, {
    name: `/ecs/${ctx.name(task.logGroupName.slice("/ecs/".length))}`,
    retentionInDays: ctx.logRetentionDays,
  });
  const container = {
    name: task.containerName,
    image: containers.image,
    essential: true,
    command: containerCommand(),
    environment: Object.entries(environment(ctx, task, logGroup.name))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([name, value]) => ({ name, value })),
    logConfiguration: {
      logDriver: "awslogs",
      options: {
        "awslogs-group": logGroup.name,
        "awslogs-region": ctx.plan.region,
        "awslogs-stream-prefix": "glacier",
      },
    },
  };
  new EcsTaskDefinition(ctx.stack, task.logicalId, {
    family: ctx.name(task.family),
    requiresCompatibilities: ["FARGATE"],
    networkMode: "awsvpc",
    cpu: task.cpuUnits,
    memory: task.memoryMib,
    runtimePlatform: {
      operatingSystemFamily: "LINUX",
      cpuArchitecture: task.architecture === "arm64" ? "ARM64" : "X86_64",
    },
    // Fargate gives 20 GiB without being asked; the setting takes 21–200.
    ...(task.ephemeralStorage > 20 ? { ephemeralStorage: { sizeInGib: task.ephemeralStorage } } : {}),
    taskRoleArn: ref("aws_iam_role", task.taskRoleLogicalId, "arn"),
    executionRoleArn: ref("aws_iam_role", task.executionRoleLogicalId, "arn"),
    containerDefinitions: JSON.stringify([container]),
  });
}

/** The cluster, task definitions, log groups and networking of the plan's container steps, if it has any. */
export function synthContainers(ctx: SynthContext): void {
  const containers = ctx.plan.containers;
  if (!containers) return;
  networking(ctx);
  // The networking, on the cluster: `glacier run --mode cloud` reads it there (DescribeClusters) to start
  // tasks as the state machine does. Space-separated: AWS tag values allow no commas.
  new EcsCluster(ctx.stack, containers.cluster.logicalId, {
    name: ctx.name(containers.cluster.name),
    tags: {
      [CONTAINER_NETWORK_TAGS.subnets]: '${join(" ", local.container_subnet_ids)}',
      [CONTAINER_NETWORK_TAGS.securityGroups]: '${join(" ", local.container_security_group_ids)}',
      [CONTAINER_NETWORK_TAGS.assignPublicIp]: "${var.container_assign_public_ip}",
    },
  });
  for (const task of containers.tasks) taskDefinition(ctx, containers, task);
  new TerraformOutput(ctx.stack, "ecs_cluster", {
    description: "The ECS cluster container steps run on.",
    value: ref("aws_ecs_cluster", containers.cluster.logicalId, "name"),
  });
  new TerraformOutput(ctx.stack, "container_task_definitions", {
    description: "ECS task definition ARN per container step id.",
    value: Object.fromEntries(
      containers.tasks.map((t) => [t.stepId, ref("aws_ecs_task_definition", t.logicalId, "arn")]),
    ),
  });
}
