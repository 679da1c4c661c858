import { planInfrastructure } from "@glacier/aws-model";
import { daily, LineageGraph, Provider, resolveRelativeKey } from "@glacier/core";
import { StateMachine, type StateMachineDefinition } from "aws-local-stepfunctions";
import { describe, expect, it } from "vitest";
import { synthesizeStack } from "../generators/terraform/src/synth/synth-stack.js";
import { placeholderAssets, resourcesOf } from "../generators/terraform/test/support.js";

/**
 * withSchedule's partition option, from the DSL to what runs: the generated Terraform's EventBridge Scheduler
 * input, then that input through the generated state machine in the real ASL interpreter.
 */
const aws = new Provider({ cloud: "aws", region: "eu-west-1", accountId: "123456789012" });
const lambda = aws.serverless({ memory: 512, timeout: 60 });
const days = daily({ start: "2026-01-01" });
const b = (path: string) => aws.bucket({ bucket: "acme-lake", path, partitions: days });
const check = lambda.task(function check(df) {
  return df;
});
const enrich = lambda.task(function enrich(df) {
  return df;
});

function generated(partition: Parameters<ReturnType<typeof b>["withSchedule"]>[1]) {
  const pipeline = b("events/{day}.csv")
    .transform(check)
    .to(b("checked/{day}.parquet"))
    .transform(enrich)
    .to(b("enriched/{day}.parquet"))
    .withName("daily")
    .withSchedule("cron(0 6 * * ? *)", partition);
  const plan = planInfrastructure(LineageGraph.from({ pipeline }));
  const json = synthesizeStack(plan, placeholderAssets(plan));
  const [schedule] = Object.values(resourcesOf(json, "aws_scheduler_schedule"));
  const [machine] = Object.values(resourcesOf(json, "aws_sfn_state_machine"));
  return {
    input: JSON.parse((schedule?.["target"] as { input: string }).input) as Record<string, unknown>,
    definition: JSON.parse(machine?.["definition"] as string) as StateMachineDefinition,
  };
}

/** Runs the definition on `input`; every Lambda task answers as the handler does, resolving its key at `now`. */
async function execute(definition: StateMachineDefinition, input: Record<string, unknown>, now: Date) {
  const payloads: { stepId: string; partition: string; runId: string; resolved: string | undefined }[] = [];
  const tasks = Object.entries(
    (
      definition.States as unknown as Record<string, { Type: string; ItemProcessor?: StateMachineDefinition }>
    )["Each partition"]!.ItemProcessor!.States as unknown as Record<string, { Type: string }>,
  ).filter(([, state]) => state.Type === "Task");
  const handler = async (event: { Payload: { stepId: string; partition: string; runId: string } }) => {
    const { stepId, partition, runId } = event.Payload;
    payloads.push({ stepId, partition, runId, resolved: resolveRelativeKey(days, partition, now) });
    return { Payload: { stepId, rows: 1 } };
  };
  const execution = new StateMachine(definition, { validationOptions: { checkArn: false } }).run(
    input as never,
    {
      overrides: {
        taskResourceLocalHandlers: Object.fromEntries(tasks.map(([name]) => [name, handler as never])),
      },
      context: { Execution: { Name: "scheduled-run" } },
    },
  );
  await execution.result;
  return payloads;
}

describe("withSchedule's partition option", () => {
  it('is the schedule\'s input: the default sends none (the machine runs the latest), "previous" sends latest-1', () => {
    expect(generated(undefined).input).toEqual({ params: {} });
    expect(generated({ partition: "previous" }).input).toEqual({ params: {}, partitions: ["latest-1"] });
    expect(generated({ partition: { lag: 2, count: 2 } }).input).toEqual({
      params: {},
      partitions: ["latest-3", "latest-2"],
    });
  });

  it("runs, through the generated machine, each named partition for every step, with the run id (a 06:00 job on 2026-12-07 runs the three days before)", async () => {
    const { definition, input } = generated({ partition: { lag: 1, count: 3 } });
    const payloads = await execute(definition, input, new Date("2026-12-07T06:00:00Z"));
    expect(new Set(payloads.map((p) => p.runId))).toEqual(new Set(["scheduled-run"]));
    const ran = payloads.map((p) => `${p.stepId.split("->")[0]}[${p.resolved}]`).sort();
    expect(ran).toEqual([
      "check[2026-12-04]",
      "check[2026-12-05]",
      "check[2026-12-06]",
      "enrich[2026-12-04]",
      "enrich[2026-12-05]",
      "enrich[2026-12-06]",
    ]);
  });
});
