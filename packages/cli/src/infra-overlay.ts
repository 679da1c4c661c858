import type { LineageGraph } from "@glacier/core";

/**
 * For `glacier visualize --infra`: one line per step naming what `glacier generate` deploys to run it — the
 * Lambda function or EMR Serverless application, and the state machines that start it — taken from the same
 * infrastructure plan the generator synthesises, so the picture and the Terraform cannot disagree.
 *
 * @example
 * ```ts
 * await infrastructureNotes(graph);
 * // { "cleanSales->glacier-example-sales/clean/sales.parquet":
 * //     "Lambda glacier-clean-sales-f7e1d6 · state machine glacier-sales" }
 * ```
 */
export async function infrastructureNotes(graph: LineageGraph): Promise<Record<string, string>> {
  const { planInfrastructure } = await import("@glacier/aws-model");
  const plan = planInfrastructure(graph);
  const notes: Record<string, string> = {};
  for (const placement of plan.steps) {
    const runsOn =
      placement.runsOn === "lambda"
        ? `Lambda ${placement.resourceName ?? ""}`
        : placement.runsOn === "emr-serverless"
          ? `EMR Serverless ${placement.resourceName ?? ""}`
          : placement.runsOn === "ecs-fargate"
            ? `ECS task ${placement.resourceName ?? ""}`
            : "in-process (glacier run --mode cloud)";
    const machines = plan.stateMachines.filter((m) => m.steps.includes(placement.stepId)).map((m) => m.name);
    notes[placement.stepId] = [runsOn, ...machines.map((name) => `state machine ${name}`)].join(" · ");
  }
  return notes;
}
