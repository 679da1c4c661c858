import type { LineageGraph, ProviderNode, StepNode } from "@glacier/core";
import { absurd } from "@glacier/core/internal";
import { CONTAINER_CLUSTER_ID, planOrchestration } from "./plan-orchestration.js";
import { containerTaskPlan, functionPlan, layerPlan, sparkJobPlan } from "./plan-steps.js";
import type {
  Architecture,
  BucketPlan,
  ContainerTaskPlan,
  FunctionPlan,
  InfrastructurePlan,
  RolePlan,
  SparkJobPlan,
  StepPlacement,
} from "./plan-types.js";
import {
  containerExecutionRole,
  containerTaskRole,
  lambdaRole,
  sparkJobRole,
  type RoleContext,
} from "./plan-roles.js";
import {
  artefactsBucketName,
  bucketLogicalId,
  containerClusterName,
  containerResourceNames,
  DEFAULT_NAME_PREFIX,
  partitionOf,
  stepResourceNames,
} from "./resource-names.js";
import { checkNamePrefix, nameProblems } from "./validate-names.js";
import { graphProblems } from "./validate-graph.js";

/** Options of {@link planInfrastructure}. */
export interface PlanOptions {
  /** Prefix of every generated name; default `glacier`. Lowercase letters, digits and `-`. */
  readonly namePrefix?: string;
  /** Retention of the functions' log groups, in days. Default 30. */
  readonly logRetentionDays?: number;
}

/**
 * The image of every container step: Node 24 (Debian slim) from the Docker official images, served by Amazon
 * ECR Public so Fargate pulls it without Docker Hub's rate limits and without credentials. The tag follows Node
 * 24's patch releases; the bootstrap needs only Node's standard library.
 */
export const CONTAINER_IMAGE = "public.ecr.aws/docker/library/node:24-slim";

/** Terraform reference to the applying account, used where the Provider gives no `accountId`. */
export const ACCOUNT_REF = "${data.aws_caller_identity.current.account_id}";

type AwsProvider = Extract<ProviderNode, { cloud: "aws" }>;

function placement(step: StepNode, graph: LineageGraph, prefix: string): StepPlacement {
  const pipelines = graph.pipelines.filter((p) => p.steps.includes(step.id)).map((p) => p.name);
  const executor = step.task.executor;
  const names = stepResourceNames(step, prefix);
  const common = { stepId: step.id, name: step.name, executor: executor.kind, pipelines };
  switch (executor.kind) {
    case "local":
      return { ...common, runsOn: "in-process" };
    case "serverless":
      return { ...common, runsOn: "lambda", resourceName: names.functionName };
    case "spark":
      return { ...common, runsOn: "emr-serverless", resourceName: names.applicationName };
    case "container":
      return { ...common, runsOn: "ecs-fargate", resourceName: containerResourceNames(step, prefix).family };
    default:
      return absurd(executor, "executor");
  }
}

function bucketPlans(graph: LineageGraph): BucketPlan[] {
  const byName = new Map<string, { external: boolean; ids: string[]; kmsKeyArn?: string }>();
  for (const bucket of graph.buckets) {
    const entry = byName.get(bucket.bucket) ?? { external: bucket.external, ids: [] };
    entry.ids.push(bucket.id);
    // Validation has checked that every location of one bucket names the same key.
    if (bucket.kmsKeyArn !== undefined) entry.kmsKeyArn = bucket.kmsKeyArn;
    byName.set(bucket.bucket, entry);
  }
  return [...byName.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, { external, ids, kmsKeyArn }]) => ({
      name,
      logicalId: bucketLogicalId(name),
      managed: !external,
      locations: ids.sort(),
      ...(kmsKeyArn === undefined ? {} : { kmsKeyArn }),
    }));
}

function mergedTags(providers: readonly AwsProvider[]): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const provider of providers) for (const [k, v] of Object.entries(provider.tags)) tags[k] ??= v;
  return Object.fromEntries(Object.entries(tags).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * Plans every AWS resource a graph needs, validating first: a {@link GlacierError} names the first problem
 * (local provider, Polars on Spark, an external bucket written, Lambda limits, AWS name limits …).
 * Pure and fast: no cdktn, no file system, no network.
 *
 * @example
 * ```ts
 * const plan = planInfrastructure(LineageGraph.from({ sales }));
 * plan.functions.map((f) => f.functionName);        // ["glacier-clean-sales-3f2a9c"]
 * plan.steps.map((s) => [s.name, s.runsOn]);        // [["cleanSales", "lambda"], ["dailyRevenue", "in-process"]]
 * plan.stateMachines[0]?.definition.StartAt;        // "Params given?"
 * ```
 */
export function planInfrastructure(graph: LineageGraph, options: PlanOptions = {}): InfrastructurePlan {
  const [problem] = graphProblems(graph);
  if (problem) throw problem;
  const prefix = checkNamePrefix(options.namePrefix ?? DEFAULT_NAME_PREFIX);
  const providers = graph.buckets.map((b) => b.provider as AwsProvider);
  const region = (providers[0] as AwsProvider).region;
  const accountId = providers.find((p) => p.accountId)?.accountId ?? null;
  const ctx: RoleContext = { partition: partitionOf(region), region, account: accountId ?? ACCOUNT_REF };
  const order = graph.executionOrder();

  const functions: FunctionPlan[] = [];
  const sparkJobs: SparkJobPlan[] = [];
  const roles: RolePlan[] = [];
  const containerTasks: ContainerTaskPlan[] = [];
  for (const step of order) {
    const executor = step.task.executor;
    const names = stepResourceNames(step, prefix);
    if (executor.kind === "serverless") {
      const fn = functionPlan(step, executor, prefix);
      functions.push(fn);
      roles.push(lambdaRole(fn, names.functionRoleName, ctx));
    } else if (executor.kind === "spark") {
      const job = sparkJobPlan(step, executor, prefix);
      sparkJobs.push(job);
      roles.push(sparkJobRole(job, names.jobRoleName, ctx));
    } else if (executor.kind === "container") {
      const task = containerTaskPlan(step, executor, prefix);
      const container = containerResourceNames(step, prefix);
      containerTasks.push(task);
      roles.push(
        containerTaskRole(task, container.taskRoleName, ctx),
        containerExecutionRole(task, container.executionRoleName, ctx),
      );
    }
  }
  const architectures = [
    ...new Set([...functions, ...containerTasks].map((f) => f.architecture)),
  ].sort() as Architecture[];
  const retentionDays = options.logRetentionDays ?? 30;
  const orchestration = planOrchestration(graph, { prefix, ctx, functions, sparkJobs, containerTasks });

  const plan: InfrastructurePlan = {
    version: 1,
    region,
    partition: ctx.partition,
    accountId,
    namePrefix: prefix,
    maxNamePrefixLength: 0,
    logRetentionDays: retentionDays,
    tags: mergedTags(providers),
    steps: order.map((step) => placement(step, graph, prefix)),
    pipelines: orchestration.pipelines,
    buckets: bucketPlans(graph),
    artefacts: {
      logicalId: "artefacts",
      name: artefactsBucketName(accountId ?? ACCOUNT_REF, region, prefix),
    },
    layers: architectures.map((arch) => layerPlan(arch, prefix)),
    functions,
    logGroups: functions.map((f) => ({
      logicalId: f.logGroupLogicalId,
      name: `/aws/lambda/${f.functionName}`,
      retentionDays,
    })),
    sparkJobs,
    roles: [...roles, ...orchestration.roles],
    stateMachines: orchestration.stateMachines,
    schedules: orchestration.schedules,
    ...(containerTasks.length === 0
      ? {}
      : {
          containers: {
            cluster: { logicalId: CONTAINER_CLUSTER_ID, name: containerClusterName(prefix) },
            image: CONTAINER_IMAGE,
            tasks: containerTasks,
          },
        }),
  };
  const { problems, maxPrefixLength } = nameProblems(plan);
  const [nameProblem] = problems;
  if (nameProblem) throw nameProblem;
  return { ...plan, maxNamePrefixLength: maxPrefixLength };
}
