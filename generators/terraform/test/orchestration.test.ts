import { planInfrastructure, type InfrastructurePlan } from "@glacier/aws-model";
import type { LineageGraph } from "@glacier/core";
import { beforeAll, describe, expect, it } from "vitest";
import { diamondGraph } from "../../../packages/aws-model/test/fixtures/diamond-graph.js";
import { synthesizeStack } from "../src/synth/synth-stack.js";
import { EXAMPLES, exampleGraph, placeholderAssets, resourcesOf } from "./support.js";

/**
 * The orchestration as Terraform declares it: the plan's state machines and schedules, synthesised. The ASL
 * itself is the plan's (tested in @glacier/aws-model); here, that synthesis carries it over unchanged.
 */

const cases = new Map<string, { plan: InfrastructurePlan; json: Record<string, unknown> }>();
beforeAll(async () => {
  const graphs: [string, LineageGraph][] = [
    ...(await Promise.all(EXAMPLES.map(async (e) => [e, await exampleGraph(e)] as [string, LineageGraph]))),
    ["diamond", diamondGraph()],
  ];
  for (const [name, graph] of graphs) {
    const plan = planInfrastructure(graph);
    cases.set(name, { plan, json: synthesizeStack(plan, placeholderAssets(plan)) });
  }
});

describe("Step Functions and EventBridge Scheduler resources", () => {
  it("declare every planned state machine with the plan's ASL as its definition", () => {
    for (const [name, { plan, json }] of cases) {
      const machines = resourcesOf(json, "aws_sfn_state_machine");
      expect(Object.keys(machines).sort(), name).toEqual(plan.stateMachines.map((m) => m.logicalId).sort());
      for (const machine of plan.stateMachines) {
        expect(JSON.parse(machines[machine.logicalId]?.["definition"] as string)).toEqual(machine.definition);
      }
    }
  });

  it("schedules a pipeline with EventBridge Scheduler through its own role", () => {
    const { plan, json } = cases.get("diamond")!;
    expect(plan.schedules).toHaveLength(1);
    const schedule = resourcesOf(json, "aws_scheduler_schedule")["pipeline_reports_schedule"]!;
    expect(schedule).toMatchObject({
      name: "${var.name_prefix}-reports",
      schedule_expression: "rate(1 day)",
      schedule_expression_timezone: "UTC",
      flexible_time_window: { mode: "OFF" },
      target: {
        arn: "${aws_sfn_state_machine.pipeline_reports.arn}",
        role_arn: "${aws_iam_role.pipeline_reports_scheduler.arn}",
        input: '{"params":{}}',
      },
    });
    const role = resourcesOf(json, "aws_iam_role")["pipeline_reports_scheduler"]!;
    expect(JSON.parse(role["assume_role_policy"] as string).Statement[0]).toEqual({
      Effect: "Allow",
      Principal: { Service: "scheduler.amazonaws.com" },
      Action: "sts:AssumeRole",
      Condition: { StringEquals: { "aws:SourceAccount": ["123456789012"] } },
    });
  });
});
