import type { LineageGraph } from "@glacier/core";

/** What `--infra` adds: a line per step for the details (and the text formats), and the resource on its node. */
export interface InfrastructureOverlay {
  readonly stepNotes: Record<string, string>;
  readonly resources: Record<string, string>;
}

/**
 * For `glacier visualize --infra`: one line per step naming what `glacier generate` deploys to run it — the
 * Lambda function or EMR Serverless application, and the state machines that start it — taken from the same
 * infrastructure plan the generator synthesises, so the picture and the Terraform cannot disagree.
 *
 * `resources` names what runs the step alone (the function or application), short enough for the step's node.
 *
 * @example
 * ```ts
 * await infrastructureOverlay(graph);
 * // { stepNotes: { "cleanSales->glacier-example-sales/clean/sales.parquet":
 * //     "Lambda glacier-clean-sales-f7e1d6 · state machine glacier-sales" },
 * //   resources: { "cleanSales->glacier-example-sales/clean/sales.parquet": "function glacier-clean-sales-f7e1d6" } }
 * ```
 */
export async function infrastructureOverlay(graph: LineageGraph): Promise<InfrastructureOverlay> {
  const { planInfrastructure } = await import("@glacier/aws-model");
  const plan = planInfrastructure(graph);
  const notes: Record<string, string> = {};
  const resources: Record<string, string> = {};
  for (const placement of plan.steps) {
    const runsOn =
      placement.runsOn === "lambda"
        ? `Lambda ${placement.resourceName ?? ""}`
        : placement.runsOn === "emr-serverless"
          ? `EMR Serverless ${placement.resourceName ?? ""}`
          : placement.runsOn === "ecs-fargate"
            ? `ECS task ${placement.resourceName ?? ""}`
            : "in-process (glacier run --mode cloud)";
    // The node already names the service: its resource line says which one, and nothing twice.
    resources[placement.stepId] =
      placement.runsOn === "lambda"
        ? `function ${placement.resourceName ?? ""}`
        : placement.runsOn === "emr-serverless"
          ? `application ${placement.resourceName ?? ""}`
          : placement.runsOn === "ecs-fargate"
            ? `task definition ${placement.resourceName ?? ""}`
            : "in-process in cloud runs";
    const machines = plan.stateMachines.filter((m) => m.steps.includes(placement.stepId)).map((m) => m.name);
    notes[placement.stepId] = [runsOn, ...machines.map((name) => `state machine ${name}`)].join(" · ");
  }
  return { stepNotes: notes, resources };
}
