import { artefactsBucketName, stepResourceNames, type InfrastructurePlan } from "@glacier/aws-model";
import type { ExecutorKind, LineageGraph } from "@glacier/core";
import { absurd, stagingStepId, stepInputs } from "@glacier/core/internal";

/** How one step is dispatched. */
export type Dispatch =
  | { readonly kind: "lambda"; readonly functionName: string; readonly functionTimeoutSeconds: number }
  | {
      readonly kind: "emr";
      readonly applicationName: string;
      readonly executionRoleArn: string;
      readonly entryPoint: string;
      readonly logUri: string;
      readonly sparkSubmitParameters: string;
      readonly executionTimeoutMinutes?: number;
    }
  | {
      readonly kind: "ecs";
      readonly cluster: string;
      /** The task definition family: RunTask starts its latest ACTIVE revision. */
      readonly taskDefinition: string;
      readonly containerName: string;
      readonly logGroup: string;
      /** The container's own limit, used when the task sets no timeout. */
      readonly containerTimeoutSeconds: number;
    }
  | { readonly kind: "in-process" };

/** One step of a cloud run: what runs it, what it waits for, what it reads and writes. */
export interface CloudStepPlan {
  readonly id: string;
  readonly name: string;
  readonly executor: ExecutorKind;
  readonly dispatch: Dispatch;
  /** Ids of the steps whose outputs it reads. */
  readonly dependsOn: readonly string[];
  readonly retries: number;
  readonly timeoutSeconds?: number;
  readonly reads: readonly string[];
  readonly writes: string;
  /** The partition key of a per-partition unit: sent to its function, which runs that partition. */
  readonly partition?: string;
  /** The declared step this one is a unit of (its infrastructure and staging prefix); its own id otherwise. */
  readonly stepId: string;
}

/** Everything a cloud run will do, before it does any of it: serialisable, printed by `--plan`. */
export interface CloudPlan {
  readonly version: 1;
  readonly region: string;
  readonly accountId: string;
  readonly namePrefix: string;
  /** Where run records go (`_glacier/runs/<id>.json`). */
  readonly artefactsBucket: string;
  /** Source buckets checked by preflight: `s3://…` locations. */
  readonly sources: readonly string[];
  readonly steps: readonly CloudStepPlan[];
}

/**
 * Turns a graph and the infrastructure plan generate deployed for it into a dispatch plan.
 *
 * @example
 * ```ts
 * cloudPlan(LineageGraph.from({ sales }), planInfrastructure(graph), "123456789012");
 * // { region: "eu-west-1", artefactsBucket: "glacier-artefacts-123456789012-eu-west-1", steps: [
 * //   { name: "cleanSales", dispatch: { kind: "lambda", functionName: "glacier-clean-sales-f7e1d6" }, … },
 * //   { name: "dailyRevenue", dispatch: { kind: "in-process" }, dependsOn: ["cleanSales->…"], … }] }
 * ```
 */
export function cloudPlan(graph: LineageGraph, infra: InfrastructurePlan, accountId: string): CloudPlan {
  const artefactsBucket = artefactsBucketName(accountId, infra.region, infra.namePrefix);
  const steps = graph.executionOrder().map((step): CloudStepPlan => {
    // A partition unit runs on its declared step's function, job and role.
    const declared = stagingStepId(step);
    const fn = infra.functions.find((f) => f.stepId === declared);
    const job = infra.sparkJobs.find((j) => j.stepId === declared);
    let dispatch: Dispatch;
    const kind = step.task.executor.kind;
    switch (kind) {
      case "serverless":
        if (!fn) throw new Error(`the infrastructure plan has no function for ${step.id}`);
        dispatch = { kind: "lambda", functionName: fn.functionName, functionTimeoutSeconds: fn.timeout };
        break;
      case "spark": {
        if (!job) throw new Error(`the infrastructure plan has no Spark job for ${step.id}`);
        const role = stepResourceNames(
          step.partition ? { ...step, id: step.partition.stepId, name: step.partition.stepName } : step,
          infra.namePrefix,
        ).jobRoleName;
        dispatch = {
          kind: "emr",
          applicationName: job.applicationName,
          executionRoleArn: `arn:${infra.partition}:iam::${accountId}:role/${role}`,
          entryPoint: `s3://${artefactsBucket}/${job.scriptKey}`,
          logUri: `s3://${artefactsBucket}/${job.logPrefix}`,
          sparkSubmitParameters: job.sparkSubmitParameters,
          ...(job.executionTimeoutMinutes === undefined
            ? {}
            : { executionTimeoutMinutes: job.executionTimeoutMinutes }),
        };
        break;
      }
      case "container": {
        const task = infra.containers?.tasks.find((t) => t.stepId === step.id);
        if (!task || !infra.containers)
          throw new Error(`the infrastructure plan has no container task for ${step.id}`);
        dispatch = {
          kind: "ecs",
          cluster: infra.containers.cluster.name,
          taskDefinition: task.family,
          containerName: task.containerName,
          logGroup: task.logGroupName,
          containerTimeoutSeconds: task.timeout,
        };
        break;
      }
      case "local":
        dispatch = { kind: "in-process" };
        break;
      default:
        return absurd(kind, "executor");
    }
    return {
      id: step.id,
      name: step.name,
      executor: kind,
      dispatch,
      dependsOn: graph.dependenciesOf(step).map((d) => d.id),
      retries: step.task.retries,
      ...(step.task.timeout === undefined ? {} : { timeoutSeconds: step.task.timeout }),
      reads: stepInputs(step).map(([, b]) => b.location),
      writes: step.output.location,
      ...(typeof step.partition?.key === "string" ? { partition: step.partition.key } : {}),
      stepId: declared,
    };
  });
  return {
    version: 1,
    region: infra.region,
    accountId,
    namePrefix: infra.namePrefix,
    artefactsBucket,
    sources: graph.sources().map((b) => b.location),
    steps,
  };
}
