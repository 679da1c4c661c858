import type { InfrastructurePlan } from "@glacier/aws-model";
import type { AnalysisReport, ResourceEntry } from "./analysis-report.js";

/**
 * A generated name as a reader should see it: Terraform interpolations become placeholders, so the artefacts
 * bucket reads `glacier-artefacts-<account>-eu-west-1`, not `glacier-artefacts-${data.aws_caller_identity…}-…`.
 *
 * @example
 * ```ts
 * readableName("glacier-artefacts-${data.aws_caller_identity.current.account_id}-eu-west-1");
 * // "glacier-artefacts-<account>-eu-west-1"
 * ```
 */
export function readableName(name: string): string {
  return name.replace(/\$\{([^}]*)\}/g, (_, expression: string) =>
    /account_id\b/.test(expression) ? "<account>" : `<${expression.split(".").pop() ?? expression}>`,
  );
}

/**
 * The resources `generate` would synthesise, straight from the infrastructure plan, with the settings that
 * decide their cost (so `--compare` can say what changed).
 *
 * @example
 * ```ts
 * resourceSummary(planInfrastructure(graph)).counts;
 * // { buckets: 1, externalBuckets: 0, artefactBuckets: 1, functions: 1, layers: 1, logGroups: 1, roles: 3,
 * //   emrApplications: 0, stateMachines: 1, schedules: 0 }
 * ```
 */
export function resourceSummary(plan: InfrastructurePlan): NonNullable<AnalysisReport["resources"]> {
  const items: ResourceEntry[] = [
    ...plan.buckets.map((b) => ({
      type: b.managed ? "bucket" : "external-bucket",
      name: b.name,
      config: { locations: b.locations },
    })),
    { type: "artefact-bucket", name: readableName(plan.artefacts.name), config: {} },
    ...plan.layers.map((l) => ({ type: "layer", name: l.name, config: { architecture: l.architecture } })),
    ...plan.functions.map((f) => ({
      type: "function",
      name: f.functionName,
      config: {
        architecture: f.architecture,
        ephemeralStorage: f.ephemeralStorage,
        memory: f.memory,
        step: f.stepId,
        timeout: f.timeout,
      },
    })),
    ...plan.logGroups.map((g) => ({
      type: "log-group",
      name: g.name,
      config: { retentionDays: g.retentionDays },
    })),
    ...plan.roles.map((r) => ({ type: "role", name: r.name, config: { service: r.service } })),
    ...plan.sparkJobs.map((j) => ({
      type: "emr-application",
      name: j.applicationName,
      config: {
        driver: j.driver,
        executor: j.executor,
        releaseLabel: j.releaseLabel,
        step: j.stepId,
      },
    })),
    ...(plan.containers
      ? [
          {
            type: "ecs-cluster",
            name: plan.containers.cluster.name,
            config: { image: plan.containers.image },
          },
          ...plan.containers.tasks.flatMap((t) => [
            {
              type: "task-definition",
              name: t.family,
              config: {
                architecture: t.architecture,
                cpu: t.cpu,
                ephemeralStorage: t.ephemeralStorage,
                memory: t.memory,
                step: t.stepId,
                timeout: t.timeout,
              },
            },
            { type: "log-group", name: t.logGroupName, config: { retentionDays: plan.logRetentionDays } },
          ]),
        ]
      : []),
    ...plan.stateMachines.map((m) => ({
      type: "state-machine",
      name: m.name,
      config: { pipeline: m.pipeline, steps: m.steps },
    })),
    ...plan.schedules.map((s) => ({
      type: "schedule",
      name: s.name,
      config: { expression: s.expression, pipeline: s.pipeline },
    })),
  ];
  const counts: Record<string, number> = {
    buckets: plan.buckets.filter((b) => b.managed).length,
    externalBuckets: plan.buckets.filter((b) => !b.managed).length,
    artefactBuckets: 1,
    functions: plan.functions.length,
    layers: plan.layers.length,
    logGroups: plan.logGroups.length + (plan.containers?.tasks.length ?? 0),
    roles: plan.roles.length,
    emrApplications: plan.sparkJobs.length,
    stateMachines: plan.stateMachines.length,
    schedules: plan.schedules.length,
    // Only in a plan with container steps, so other plans' summaries read as before.
    ...(plan.containers ? { ecsClusters: 1, taskDefinitions: plan.containers.tasks.length } : {}),
  };
  return { counts, items };
}
