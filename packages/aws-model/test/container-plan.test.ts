import { LineageGraph, Provider } from "@glacier/core";
import { RETRY_POLICY } from "@glacier/core/internal";
import aslValidator from "asl-validator";
import { describe, expect, it } from "vitest";
import { ASL_NETWORK, CONTAINER_BOOTSTRAP, planInfrastructure } from "../src/index.js";

/** A Lambda step, then a scheduled container step with retries: what a user moving a step off Lambda writes. */
function containerGraph(): LineageGraph {
  const aws = new Provider({ cloud: "aws", region: "eu-west-1", accountId: "123456789012" });
  const lambda = aws.serverless({ memory: 1024 });
  const fargate = aws.container({ cpu: 8, memory: 60, ephemeralStorage: 120, architecture: "arm64" });
  const b = (path: string) => aws.bucket({ bucket: "acme-lake", path });
  const clean = lambda.task(function clean(df) {
    return df;
  });
  const bigJoin = fargate.task(
    function bigJoin(df) {
      return df;
    },
    { retries: 2 },
  );
  return LineageGraph.from({
    lake: b("raw/events.parquet")
      .transform(clean)
      .to(b("clean/events.parquet"))
      .transform(bigJoin)
      .to(b("joined/events.parquet"))
      .withName("lake")
      .withSchedule("cron(0 3 * * ? *)"),
  });
}

/** The definition Step Functions receives: references and the networking placeholders as apply renders them. */
function applied(definition: unknown): unknown {
  const json = JSON.stringify(definition)
    .split(JSON.stringify(ASL_NETWORK.subnets))
    .join('["subnet-0123456789abcdef0"]')
    .split(JSON.stringify(ASL_NETWORK.securityGroups))
    .join('["sg-0123456789abcdef0"]')
    .split(ASL_NETWORK.assignPublicIp)
    .join("ENABLED")
    .replace(
      /\$\{aws_ecs_cluster\.[a-z0-9_]+\.arn\}/g,
      "arn:aws:ecs:eu-west-1:123456789012:cluster/glacier-steps",
    )
    .replace(
      /\$\{aws_ecs_task_definition\.([a-z0-9_]+)\.arn\}/g,
      "arn:aws:ecs:eu-west-1:123456789012:task-definition/glacier-$1:1",
    )
    .replace(
      /\$\{aws_lambda_function\.([a-z0-9_]+)\.arn\}/g,
      "arn:aws:lambda:eu-west-1:123456789012:function:$1",
    );
  return JSON.parse(json);
}

describe("a container step's plan", () => {
  const plan = planInfrastructure(containerGraph());
  const task = plan.containers!.tasks[0]!;

  it("is a Fargate task definition of the step's size, on the layer of its architecture", () => {
    expect(plan.steps.map((s) => [s.name, s.runsOn])).toEqual([
      ["clean", "lambda"],
      ["bigJoin", "ecs-fargate"],
    ]);
    expect(plan.containers?.image).toBe("public.ecr.aws/docker/library/node:24-slim");
    expect(plan.containers?.cluster).toEqual({ logicalId: "containers", name: "glacier-steps" });
    expect(task).toMatchObject({
      family: expect.stringMatching(/^glacier-big-join-[0-9a-f]{6}$/),
      cpuUnits: "8192",
      memoryMib: "61440",
      ephemeralStorage: 120,
      architecture: "arm64",
      timeout: 3600,
      layerLogicalId: "nodejs_polars_arm64",
      bundleKey: expect.stringMatching(/^glacier\/containers\/big-join-[0-9a-f]{6}\.zip$/),
    });
    // Both architectures' layers: the Lambda's x86_64 and the container's arm64.
    expect(plan.layers.map((l) => l.architecture)).toEqual(["arm64", "x86_64"]);
  });

  it("has a task role with the step's reads and writes only, and an execution role for its logs", () => {
    const taskRole = plan.roles.find((r) => r.logicalId === task.taskRoleLogicalId)!;
    const executionRole = plan.roles.find((r) => r.logicalId === task.executionRoleLogicalId)!;
    expect(taskRole.service).toBe("ecs-tasks.amazonaws.com");
    expect(taskRole.trustCondition).toEqual({
      StringEquals: { "aws:SourceAccount": ["123456789012"] },
      ArnLike: { "aws:SourceArn": ["arn:aws:ecs:eu-west-1:123456789012:*"] },
    });
    const resources = taskRole.statements.flatMap((s) => s.resources);
    expect(
      resources
        .filter((r) => r.includes("acme-lake"))
        .every((r) => /clean\/events|joined\/events|\.glacier-tmp/.test(r) || r === "arn:aws:s3:::acme-lake"),
    ).toBe(true);
    expect(resources.some((r) => r.includes("raw/events"))).toBe(false);
    expect(taskRole.statements.find((s) => s.sid === "ReadCode")?.resources).toEqual([
      `\${aws_s3_bucket.artefacts.arn}/${task.bundleKey}`,
      "${aws_s3_bucket.artefacts.arn}/glacier/layers/nodejs-polars-arm64-*",
    ]);
    expect(taskRole.statements.flatMap((s) => s.actions).every((a) => !a.includes("*"))).toBe(true);
    expect(executionRole.statements).toEqual([
      {
        sid: "WriteLogs",
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [`\${aws_cloudwatch_log_group.${task.logGroupLogicalId}.arn}:*`],
      },
    ]);
  });

  it("runs in the state machine with ecs:runTask.sync and core's retry policy, and is scheduled", () => {
    const machine = plan.stateMachines[0]!;
    const states = machine.definition["States"] as Record<string, Record<string, unknown>>;
    const state = Object.values(states).find((s) => String(s["Resource"]).includes(":ecs:"))!;
    expect(state["Resource"]).toBe("arn:aws:states:::ecs:runTask.sync");
    expect(state["TimeoutSeconds"]).toBe(3600);
    expect(state["Retry"]).toContainEqual({
      ErrorEquals: ["States.ALL"],
      IntervalSeconds: RETRY_POLICY.baseSeconds,
      MaxAttempts: 2,
      BackoffRate: RETRY_POLICY.factor,
      MaxDelaySeconds: RETRY_POLICY.maxDelaySeconds,
      JitterStrategy: "FULL",
    });
    expect(plan.schedules.map((s) => s.expression)).toEqual(["cron(0 3 * * ? *)"]);
    const sfnRole = plan.roles.find((r) => r.logicalId === machine.roleLogicalId)!;
    expect(sfnRole.statements.map((s) => s.sid)).toEqual([
      "InvokeFunctions",
      "RunTasks",
      "WatchTasks",
      "PassTaskRoles",
      "ManageEcsSyncRule",
    ]);
    expect(sfnRole.statements.find((s) => s.sid === "PassTaskRoles")?.condition).toEqual({
      StringEquals: { "iam:PassedToService": ["ecs-tasks.amazonaws.com"] },
    });
  });

  it("is valid Amazon States Language once applied (asl-validator)", () => {
    const definition = applied(plan.stateMachines[0]!.definition);
    const { isValid, errorsText } = aslValidator(definition);
    expect(isValid, errorsText("\n")).toBe(true);
  });

  it("keeps its role names within IAM's 64 characters, naming the task when they are not", () => {
    const aws = new Provider({ cloud: "aws", region: "eu-west-1", accountId: "123456789012" });
    const fargate = aws.container({ cpu: 1, memory: 2 });
    const long = fargate.task(
      function x(df) {
        return df;
      },
      { name: "aggregateEveryCustomerOrderAcrossAllRegionsAndQuarters" },
    );
    const graph = LineageGraph.from({
      p: aws
        .bucket({ bucket: "acme", path: "a.parquet" })
        .transform(long)
        .to(aws.bucket({ bucket: "acme", path: "b.parquet" })),
    });
    expect(() => planInfrastructure(graph)).toThrow(
      /IAM role name "glacier-aggregate-every-customer-order-across-all-regions-and-quarters-[0-9a-f]{6}-task" is \d+ characters; AWS allows 64/,
    );
  });

  it("starts from a bootstrap Terraform leaves alone (no template syntax)", () => {
    expect(CONTAINER_BOOTSTRAP).not.toMatch(/\$\{|%\{/);
    expect(CONTAINER_BOOTSTRAP).toContain("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  });
});
