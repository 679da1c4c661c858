import { SchedulerSchedule } from "@cdktn/provider-aws/lib/scheduler-schedule/index.js";
import { SfnStateMachine } from "@cdktn/provider-aws/lib/sfn-state-machine/index.js";
import { ASL_NETWORK, ref } from "@glacier/aws-model";
import type { SynthContext } from "./synth-context.js";

/**
 * The definition's JSON, with the networking placeholders of ECS tasks unquoted: Terraform renders
 * `${jsonencode(local.container_subnets)}` into a JSON list there.
 */
export function aslJson(definition: unknown): string {
  let json = JSON.stringify(definition);
  for (const placeholder of [ASL_NETWORK.subnets, ASL_NETWORK.securityGroups]) {
    json = json.split(JSON.stringify(placeholder)).join(placeholder);
  }
  return json;
}

/**
 * Step Functions state machines (the plan's ASL, its resource ARNs resolved by Terraform) and EventBridge
 * Scheduler schedules that start them with empty params (each task then uses its parameters' defaults) and, for
 * a partitioned pipeline scheduled with a `partition` option, its relative keys (`["latest-1"]`).
 */
export function synthOrchestration(ctx: SynthContext): void {
  const { plan, stack } = ctx;
  for (const machine of plan.stateMachines) {
    new SfnStateMachine(stack, machine.logicalId, {
      name: ctx.name(machine.name),
      type: "STANDARD",
      roleArn: ref("aws_iam_role", machine.roleLogicalId, "arn"),
      definition: aslJson(machine.definition),
    });
  }
  for (const schedule of plan.schedules) {
    new SchedulerSchedule(stack, schedule.logicalId, {
      name: ctx.name(schedule.name),
      description: `Starts Glacier pipeline ${schedule.pipeline}`,
      groupName: "default",
      scheduleExpression: schedule.expression,
      scheduleExpressionTimezone: "UTC",
      state: "ENABLED",
      flexibleTimeWindow: { mode: "OFF" },
      target: {
        arn: ref("aws_sfn_state_machine", schedule.stateMachineLogicalId, "arn"),
        roleArn: ref("aws_iam_role", schedule.roleLogicalId, "arn"),
        // The partitions a scheduled run processes (withSchedule's partition option), resolved by each function.
        input: JSON.stringify({
          params: {},
          ...(schedule.partitions === undefined ? {} : { partitions: schedule.partitions }),
        }),
        retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
      },
    });
  }
}
