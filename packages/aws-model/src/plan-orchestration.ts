import type { LineageGraph, PipelineNode, StepNode } from "@glacier/core";
import type {
  ContainerTaskPlan,
  FunctionPlan,
  PipelinePlan,
  RolePlan,
  SchedulePlan,
  SparkJobPlan,
  StateMachinePlan,
} from "./plan-types.js";
import { ref, schedulerRole, stateMachineRole, type RoleContext } from "./plan-roles.js";
import { partitionedMachineDefinition } from "./plan-partition-machine.js";
import { stateMachineDefinition, type MachineStep } from "./plan-state-machine.js";
import { CONTAINER_RESULT_PREFIX, pipelineResourceNames, stepSuffix } from "./resource-names.js";

/**
 * One state machine per pipeline. Step Functions cannot run a `local` step (the cloud executor runs those
 * in-process), nor anything downstream of one (its input would be stale), so the machine runs the pipeline's
 * cloud steps up to the first local step and the plan says which steps it leaves out and why.
 */

interface OrchestrationInput {
  readonly prefix: string;
  readonly ctx: RoleContext;
  readonly functions: readonly FunctionPlan[];
  readonly sparkJobs: readonly SparkJobPlan[];
  readonly containerTasks?: readonly ContainerTaskPlan[];
}

/** Logical id of the ECS cluster container steps run on. */
export const CONTAINER_CLUSTER_ID = "containers";

interface Orchestration {
  readonly pipelines: PipelinePlan[];
  readonly stateMachines: StateMachinePlan[];
  readonly schedules: SchedulePlan[];
  readonly roles: RolePlan[];
}

/** Splits a pipeline's steps into those a state machine runs and those it cannot, with the reason. */
function partition(graph: LineageGraph, pipeline: PipelineNode) {
  const excluded = new Map<string, string>();
  const included: StepNode[] = [];
  for (const id of pipeline.steps) {
    const step = graph.step(id);
    if (step.task.executor.kind === "local") {
      excluded.set(id, "runs on the local executor: `glacier run --mode cloud` runs it in-process");
      continue;
    }
    const blocker = graph.dependenciesOf(step).find((d) => excluded.has(d.id));
    if (blocker) {
      excluded.set(id, `reads the output of "${blocker.name}", which the state machine cannot run`);
      continue;
    }
    included.push(step);
  }
  return { included, excluded: [...excluded].map(([stepId, reason]) => ({ stepId, reason })) };
}

function machineStep(
  step: StepNode,
  graph: LineageGraph,
  included: ReadonlySet<string>,
  input: OrchestrationInput,
): MachineStep {
  const common = {
    stepId: step.id,
    stateName: stepSuffix(step),
    dependsOn: graph
      .dependenciesOf(step)
      .map((d) => d.id)
      .filter((id) => included.has(id)),
    retries: step.task.retries,
    ...(step.task.timeout === undefined ? {} : { timeout: step.task.timeout }),
    ...(step.output.partitions === undefined ? {} : { perPartition: true }),
  };
  const fn = input.functions.find((f) => f.stepId === step.id);
  if (fn) return { kind: "lambda", ...common, functionArn: ref("aws_lambda_function", fn.logicalId, "arn") };
  const task = input.containerTasks?.find((t) => t.stepId === step.id);
  if (task) {
    return {
      kind: "ecs",
      ...common,
      timeout: task.timeout,
      clusterArn: ref("aws_ecs_cluster", CONTAINER_CLUSTER_ID, "arn"),
      taskDefinitionArn: ref("aws_ecs_task_definition", task.logicalId, "arn"),
      containerName: task.containerName,
      resultKeyBefore: CONTAINER_RESULT_PREFIX,
      resultKeyAfter: `/${stepSuffix(step)}.json`,
    };
  }
  const job = input.sparkJobs.find((j) => j.stepId === step.id) as SparkJobPlan;
  const artefacts = ref("aws_s3_bucket", "artefacts", "bucket");
  return {
    kind: "emr",
    ...common,
    applicationId: ref("aws_emrserverless_application", job.logicalId, "id"),
    executionRoleArn: ref("aws_iam_role", job.roleLogicalId, "arn"),
    entryPoint: `s3://${artefacts}/${job.scriptKey}`,
    logUri: `s3://${artefacts}/${job.logPrefix}`,
    sparkSubmitParameters: job.sparkSubmitParameters,
    ...(job.executionTimeoutMinutes === undefined
      ? {}
      : { executionTimeoutMinutes: job.executionTimeoutMinutes }),
  };
}

/** State machines, their roles, schedules and the pipeline summaries of a graph. */
export function planOrchestration(graph: LineageGraph, input: OrchestrationInput): Orchestration {
  const result: Orchestration = { pipelines: [], stateMachines: [], schedules: [], roles: [] };
  for (const pipeline of graph.pipelines) {
    const names = pipelineResourceNames(pipeline.name, input.prefix);
    const { included, excluded } = partition(graph, pipeline);
    const summary = {
      name: pipeline.name,
      ...(pipeline.description === undefined ? {} : { description: pipeline.description }),
      steps: pipeline.steps,
      ...(pipeline.schedule === undefined ? {} : { schedule: pipeline.schedule }),
    };
    if (included.length === 0) {
      result.pipelines.push({
        ...summary,
        stateMachineLogicalId: null,
        note: "every step runs in-process (local executor); run it with glacier run --mode cloud",
      });
      continue;
    }
    const ids = new Set(included.map((s) => s.id));
    const steps = included.map((step) => machineStep(step, graph, ids, input));
    const roleLogicalId = `${names.logicalId}_sfn`;
    result.stateMachines.push({
      pipeline: pipeline.name,
      logicalId: names.logicalId,
      name: names.stateMachineName,
      roleLogicalId,
      definition: steps.some((s) => s.perPartition)
        ? partitionedMachineDefinition(pipeline.name, steps, input.ctx.partition)
        : stateMachineDefinition(pipeline.name, steps, input.ctx.partition),
      steps: included.map((s) => s.id),
      excluded,
    });
    result.roles.push(
      stateMachineRole(
        pipeline.name,
        roleLogicalId,
        names.stateMachineRoleName,
        {
          functions: input.functions.filter((f) => ids.has(f.stepId)),
          sparkJobs: input.sparkJobs.filter((j) => ids.has(j.stepId)),
          ...(input.containerTasks?.some((t) => ids.has(t.stepId))
            ? {
                containers: {
                  cluster: CONTAINER_CLUSTER_ID,
                  tasks: input.containerTasks.filter((t) => ids.has(t.stepId)),
                },
              }
            : {}),
        },
        input.ctx,
      ),
    );
    result.pipelines.push({
      ...summary,
      stateMachineLogicalId: names.logicalId,
      ...(excluded.length === 0
        ? {}
        : {
            note: `the state machine runs ${included.length} of ${pipeline.steps.length} steps; see excluded`,
          }),
    });
    if (pipeline.schedule !== undefined) {
      const schedulerRoleId = `${names.logicalId}_scheduler`;
      result.schedules.push({
        pipeline: pipeline.name,
        logicalId: `${names.logicalId}_schedule`,
        name: names.scheduleName,
        expression: pipeline.schedule,
        roleLogicalId: schedulerRoleId,
        stateMachineLogicalId: names.logicalId,
        ...(pipeline.scheduledPartitions === undefined ? {} : { partitions: pipeline.scheduledPartitions }),
      });
      result.roles.push(
        schedulerRole(pipeline.name, schedulerRoleId, names.schedulerRoleName, names.logicalId, input.ctx),
      );
    }
  }
  return result;
}
