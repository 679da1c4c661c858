import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import { runGraph } from "@glacier/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CloudRunResult } from "../src/index.js";
import * as aws from "../src/index.js";
import { cloudEnvironment, copyInputs, REPO, type CloudEnvironment } from "./fixtures/cloud-environment.js";
import { localFrame, s3Frame } from "./fixtures/frames.js";

/**
 * The fake Step Functions runs the generated definition in a real ASL interpreter: a Parallel state of two
 * Lambda steps, Retry on a throttled invoke, and (a definition of the test's own) a Map state.
 */

let env: CloudEnvironment;
beforeAll(async () => {
  env = await cloudEnvironment({
    entry: join(REPO, "packages/aws/test/fixtures/branching-pipeline.ts"),
    sampleData: join(REPO, "packages/aws/test/fixtures/branching-sample-data.ts"),
    extraMachines: {
      "glacier-map-test": {
        StartAt: "Each step",
        States: {
          "Each step": {
            Type: "Map",
            ItemsPath: "$.items",
            ItemSelector: { "fn.$": "$$.Map.Item.Value.fn", "stepId.$": "$$.Map.Item.Value.stepId" },
            ItemProcessor: {
              StartAt: "Invoke",
              States: {
                Invoke: {
                  Type: "Task",
                  Resource: "arn:aws:states:::lambda:invoke",
                  Parameters: {
                    "FunctionName.$": "$.fn",
                    Payload: { "stepId.$": "$.stepId", "runId.$": "$$.Execution.Name", params: {} },
                  },
                  ResultSelector: { "rows.$": "$.Payload.rows" },
                  End: true,
                },
              },
            },
            End: true,
          },
        },
      },
    },
  });
}, 180_000);
afterAll(() => env?.stop());

describe("the generated state machine in an ASL interpreter", () => {
  it("runs independent steps in a Parallel state, retries a throttled invoke, and writes what local mode writes", async () => {
    const states = env.plan.stateMachines[0]!.definition["States"] as Record<string, { Type: string }>;
    expect(Object.values(states).map((s) => s.Type)).toContain("Parallel");
    env.lambda.faults({ throttleEvery: 2 });
    let result: CloudRunResult;
    try {
      result = await runGraph(
        env.graph,
        {
          mode: "cloud",
          via: "stepfunctions",
          projectDir: env.projectDir,
        },
        aws,
      );
    } finally {
      env.lambda.faults({});
    }
    expect(result.steps.map((s) => [s.name, s.status])).toEqual([
      ["keepLarge", "succeeded"],
      ["keepSmall", "succeeded"],
      ["stack", "succeeded"],
    ]);
    expect(env.lambda.invocations.map((i) => i.outcome)).toContain("throttled");
    const history = env.sfn.executions.at(-1)!.events.map((e) => e.type);
    expect(history).toContain("ParallelStateEntered");
    expect(history).toContain("TaskFailed");
    expect(history.filter((t) => t === "TaskSucceeded")).toHaveLength(3);

    const storage = copyInputs(env);
    const local = await runGraph(env.graph, {
      mode: "local",
      localStorage: storage,
      projectDir: mkdtempSync(join(env.root, "local-project-")),
    });
    expect(local.status).toBe("succeeded");
    for (const step of env.graph.executionOrder()) {
      const [inCloud, inLocal] = [await s3Frame(env.client, step.output), localFrame(storage, step.output)];
      expect(inCloud.frameEqual(inLocal), `${step.name}'s output differs`).toBe(true);
    }
  }, 120_000);

  it("runs a Map state whose iterations invoke the functions (ItemSelector, context object, ResultSelector)", async () => {
    const sfn = new SFNClient({
      endpoint: env.sfn.endpoint,
      region: env.plan.region,
      credentials: { accessKeyId: "x", secretAccessKey: "x" },
    });
    try {
      const items = env.plan.functions
        .filter((f) => f.stepName !== "stack")
        .map((f) => ({ fn: f.functionName, stepId: f.stepId }));
      const { executionArn } = await sfn.send(
        new StartExecutionCommand({
          stateMachineArn: `arn:aws:states:${env.plan.region}:123456789012:stateMachine:glacier-map-test`,
          name: "map-test",
          input: JSON.stringify({ items }),
        }),
      );
      let status = "RUNNING";
      let output = "";
      while (status === "RUNNING") {
        await new Promise((resolve) => setTimeout(resolve, 50));
        ({ status = "", output = "" } = await sfn.send(new DescribeExecutionCommand({ executionArn })));
      }
      expect(status, JSON.stringify(env.sfn.executions.at(-1)?.events.slice(-3))).toBe("SUCCEEDED");
      const rows = (JSON.parse(output) as { rows: number }[]).map((r) => r.rows);
      expect(rows.reduce((a, b) => a + b, 0)).toBe(5);
      const { events = [] } = await sfn.send(
        new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }),
      );
      expect(events.length).toBeLessThanOrEqual(env.sfn.pageSize);
    } finally {
      sfn.destroy();
    }
  }, 60_000);
});
