import type { LineageGraph } from "@glacier/core";
import { RETRY_POLICY } from "@glacier/core/internal";
import aslValidator from "asl-validator";
import { beforeAll, describe, expect, it } from "vitest";
import {
  JOB_RUN_NAME_LIMIT,
  NON_RETRYABLE_ERRORS,
  planInfrastructure,
  sparkJobRunName,
  type InfrastructurePlan,
} from "../src/index.js";
import { diamondGraph } from "./fixtures/diamond-graph.js";
import { EXAMPLES, exampleGraph } from "./support.js";

const ARN_OF: Readonly<Record<string, (name: string) => string>> = {
  aws_lambda_function: (n) => `arn:aws:lambda:eu-west-1:123456789012:function:${n}`,
  aws_emrserverless_application: (n) => `00f${n.length}abc`,
  aws_iam_role: (n) => `arn:aws:iam::123456789012:role/${n}`,
  aws_s3_bucket: () => "glacier-artefacts-123456789012-eu-west-1",
};

/** The definition AWS receives: Terraform's references replaced by the values apply would give them. */
function applied(definition: string): unknown {
  return JSON.parse(
    definition.replace(/\$\{(aws_[a-z0-9_]+)\.([a-z0-9_]+)\.[a-z_]+\}/g, (_m, type: string, name: string) =>
      (ARN_OF[type] as (n: string) => string)(name),
    ),
  );
}

/** Renames every state of a definition (state names must be unique across a whole machine, branches too). */
function prefixStates(value: unknown, prefix: string): unknown {
  if (Array.isArray(value)) return value.map((v) => prefixStates(v, prefix));
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, v]) => {
      if (key === "States") {
        const states = Object.entries(v as Record<string, unknown>).map(([name, state]) => [
          `${prefix}${name}`,
          prefixStates(state, prefix),
        ]);
        return [key, Object.fromEntries(states)];
      }
      if ((key === "Next" || key === "StartAt" || key === "Default") && typeof v === "string")
        return [key, `${prefix}${v}`];
      return [key, prefixStates(v, prefix)];
    }),
  );
}

const cases = new Map<string, { plan: InfrastructurePlan }>();
beforeAll(async () => {
  const graphs: [string, LineageGraph][] = [
    ...(await Promise.all(EXAMPLES.map(async (e) => [e, await exampleGraph(e)] as [string, LineageGraph]))),
    ["diamond", diamondGraph()],
  ];
  for (const [name, graph] of graphs) {
    cases.set(name, { plan: planInfrastructure(graph) });
  }
});

describe("Amazon States Language", () => {
  it("is valid for every state machine (asl-validator)", () => {
    const machines: [string, unknown][] = [];
    for (const [name, { plan }] of cases) {
      // The synthesizer embeds each definition as this JSON text (`aws_sfn_state_machine.definition`).
      for (const machine of plan.stateMachines) {
        machines.push([`${name}/${machine.logicalId}`, applied(JSON.stringify(machine.definition))]);
      }
    }
    expect(machines).toHaveLength(1 + 5 + 4 + 1);
    // asl-validator compiles its schemas on every call (about a second); a Parallel state's branches are
    // validated as complete state machines, so one call checks them all (states renamed apart).
    const all = {
      StartAt: "all",
      States: {
        all: {
          Type: "Parallel",
          Branches: machines.map(([, definition], i) => prefixStates(definition, `${i}:`)),
          End: true,
        },
      },
    };
    const { isValid, errorsText } = aslValidator(all);
    const names = machines.map(([name], i) => `Branches/${i} = ${name}`).join(", ");
    expect(isValid, `${errorsText("\n")}\n(${names})`).toBe(true);
  });

  it("is rejected by the validator when broken (the check can fail)", () => {
    const { plan } = cases.get("simple")!;
    const machine = plan.stateMachines.find((m) => m.logicalId === "pipeline_sales");
    const definition = applied(JSON.stringify(machine?.definition));
    const broken = { ...(definition as object), StartAt: "no such state" };
    expect(aslValidator(broken).isValid).toBe(false);
  });

  it("runs independent steps in Parallel branches, level by level", () => {
    const machine = cases.get("diamond")!.plan.stateMachines[0]!;
    const states = machine.definition["States"] as Record<string, Record<string, unknown>>;
    const parallel = Object.entries(states).filter(([, s]) => s["Type"] === "Parallel");
    expect(parallel.map(([name]) => name)).toEqual([
      "Level 1: 2 steps in parallel",
      "Level 3: 2 steps in parallel",
    ]);
    const branches = (parallel[0]![1]["Branches"] as { StartAt: string }[]).map((b) => b.StartAt);
    expect(branches).toEqual([expect.stringMatching(/^clean-a-/), expect.stringMatching(/^clean-b-/)]);
    expect(parallel[0]![1]["Next"]).toMatch(/^join-/);
    expect(states["Params given?"]?.["Type"]).toBe("Choice");
  });

  it("invokes Lambda and runs EMR Serverless jobs synchronously, with the task's retries and timeout", () => {
    const states = cases.get("diamond")!.plan.stateMachines[0]!.definition["States"] as Record<
      string,
      Record<string, unknown>
    >;
    const level1 = states["Level 1: 2 steps in parallel"]!["Branches"] as {
      States: Record<string, Record<string, unknown>>;
    }[];
    const [lambdaState] = Object.values(level1[0]!.States);
    const [emrState] = Object.values(level1[1]!.States);
    expect(lambdaState).toMatchObject({
      Type: "Task",
      Resource: "arn:aws:states:::lambda:invoke",
      TimeoutSeconds: 60,
      ResultPath: null,
      Parameters: {
        // The attempt's timeout, which the handler checks before its commit (Step Functions cannot stop it).
        Payload: { "runId.$": "$$.Execution.Name", "params.$": "$.params", timeoutSeconds: 60 },
      },
    });
    const retry = lambdaState!["Retry"] as { ErrorEquals: string[]; MaxAttempts: number }[];
    // The task's retries follow core's retry policy: the same waits a local or direct cloud run makes.
    expect(retry.at(-1)).toEqual({
      ErrorEquals: ["States.ALL"],
      MaxAttempts: 3,
      IntervalSeconds: RETRY_POLICY.baseSeconds,
      BackoffRate: RETRY_POLICY.factor,
      MaxDelaySeconds: RETRY_POLICY.maxDelaySeconds,
      JitterStrategy: "FULL",
    });
    expect(NON_RETRYABLE_ERRORS).toEqual(RETRY_POLICY.nonRetryable.map((code) => `GlacierError.${code}`));
    expect(retry[1]).toEqual({ ErrorEquals: [...NON_RETRYABLE_ERRORS], MaxAttempts: 0 });
    expect(lambdaState!["Catch"]).toEqual([
      {
        ErrorEquals: ["States.ALL"],
        ResultPath: "$.failure",
        Next: expect.stringMatching(/^clean-a-.* failed$/),
      },
    ]);
    expect(emrState).toMatchObject({
      Resource: "arn:aws:states:::emr-serverless:startJobRun.sync",
      TimeoutSeconds: 1800,
      Parameters: {
        ExecutionTimeoutMinutes: 30,
        JobDriver: {
          SparkSubmit: {
            EntryPoint: expect.stringMatching(
              /^s3:\/\/\$\{aws_s3_bucket\.artefacts\.bucket\}\/glacier\/spark\/clean-b-[0-9a-f]{6}\.py$/,
            ),
          },
        },
      },
    });
    // No task retries declared: only transient service errors and the non-retryable guard.
    expect((emrState!["Retry"] as unknown[]).length).toBe(2);
  });

  it("passes no timeout to a Lambda step that has none (its function's own timeout bounds it)", async () => {
    const plan = planInfrastructure(await exampleGraph("simple"));
    const payloads = Object.values(
      plan.stateMachines[0]!.definition["States"] as Record<string, Record<string, unknown>>,
    ).flatMap((s) => (s["Resource"] === "arn:aws:states:::lambda:invoke" ? [s] : []));
    expect(payloads.length).toBeGreaterThan(0);
    for (const state of payloads) {
      expect(state["TimeoutSeconds"]).toBeUndefined();
      expect(Object.keys((state["Parameters"] as { Payload: object }).Payload)).toEqual([
        "stepId",
        "runId.$",
        "params.$",
      ]);
    }
  });

  it("ends a failed step in a Fail state naming the step", () => {
    const states = cases.get("simple")!.plan.stateMachines[0]!.definition["States"] as Record<
      string,
      Record<string, unknown>
    >;
    expect(states["clean-sales-f7e1d6 failed"]).toEqual({
      Type: "Fail",
      Comment: "step cleanSales->glacier-example-sales/clean/sales.parquet failed",
      ErrorPath: "$.failure.Error",
      CausePath:
        "States.Format('step cleanSales->glacier-example-sales/clean/sales.parquet failed: {}', $.failure.Cause)",
    });
  });
});

describe("EMR job run names", () => {
  // StartJobRun's `name`: 1–256 characters matching `.*\S.*` (EMR Serverless API model). The state machine
  // names a run `<state name>-<execution name>`: the state name is kebab case and a hash, and Step Functions
  // forbids whitespace and control characters in execution names (at most 80 characters).
  it("stay within EMR Serverless's pattern and length for the longest task name and execution name", async () => {
    const { LineageGraph, Provider } = await import("@glacier/core");
    const aws = new Provider({ cloud: "aws", region: "eu-west-1" });
    // The longest a task name can be before its job role name passes 64 characters.
    const longest = "a".repeat(45);
    const plan = planInfrastructure(
      LineageGraph.from({
        p: aws
          .bucket({ bucket: "acme-lake", path: "in.parquet" })
          .transform(aws.spark().sql(longest, "SELECT * FROM input"))
          .to(aws.bucket({ bucket: "acme-lake", path: "out.parquet" })),
      }),
    );
    const states = (plan.stateMachines[0]?.definition["States"] ?? {}) as Record<
      string,
      { Parameters?: Record<string, string> }
    >;
    const format = Object.values(states).find((s) => s.Parameters?.["Name.$"])?.Parameters?.["Name.$"] ?? "";
    const stateName = /^States\.Format\('(.*)-\{\}', \$\$\.Execution\.Name\)$/.exec(format)?.[1] ?? "";
    expect(stateName).toMatch(/^[a-z0-9-]+$/);
    const name = `${stateName}-${"é".repeat(80)}`;
    expect(name.length).toBeLessThanOrEqual(JOB_RUN_NAME_LIMIT);
    expect(name).toMatch(/.*\S.*/);
  });

  it("are sanitised for callers that start runs themselves", () => {
    expect(sparkJobRunName("regional-summary-4d6523", "2024-01-31 12:00 run")).toBe(
      "regional-summary-4d6523-2024-01-31-12-00-run",
    );
    expect(sparkJobRunName("a", "x".repeat(400))).toHaveLength(JOB_RUN_NAME_LIMIT);
  });
});
