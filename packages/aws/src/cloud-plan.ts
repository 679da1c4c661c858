import { artefactsBucketName, stepResourceNames, type InfrastructurePlan } from "@glacier/aws-model";
import { type ExecutorKind, type LineageGraph } from "@glacier/core";
import { absurd, stepInputs } from "@glacier/core/internal";

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
    const fn = infra.functions.find((f) => f.stepId === step.id);
    const job = infra.sparkJobs.find((j) => j.stepId === step.id);
    let dispatch: Dispatch;
    const kind = step.task.executor.kind;
    switch (kind) {
      case "serverless":
        if (!fn) throw new Error(`the infrastructure plan has no function for ${step.id}`);
        dispatch = { kind: "lambda", functionName: fn.functionName, functionTimeoutSeconds: fn.timeout };
        break;
      case "spark": {
        if (!job) throw new Error(`the infrastructure plan has no Spark job for ${step.id}`);
        const role = stepResourceNames(step, infra.namePrefix).jobRoleName;
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
