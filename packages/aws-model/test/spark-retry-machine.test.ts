import { RETRY_POLICY } from "@glacier/core/internal";
import aslValidator from "asl-validator";
import { describe, expect, it } from "vitest";
import { partitionedMachineDefinition } from "../src/plan-partition-machine.js";
import { stateMachineDefinition, type MachineStep } from "../src/plan-state-machine.js";

/**
 * A Spark step's job failure is `States.TaskFailed` whatever the driver raised (its `GlacierStepError: <CODE>`
 * is in the Cause), so a Spark step with retries is retried by states of its own: these tests check their
 * shape and validity; packages/aws/test/spark.test.ts runs them in the ASL interpreter against the fake EMR.
 */
function sparkStep(name: string, retries: number, extra: Partial<MachineStep> = {}): MachineStep {
  return {
    kind: "emr",
    stepId: `step-${name}`,
    stateName: `${name}-abc123`,
    dependsOn: [],
    retries,
    applicationId: "00fapp",
    executionRoleArn: "arn:aws:iam::123456789012:role/r",
    entryPoint: "s3://artefacts/glacier/spark/x.py",
    logUri: "s3://artefacts/logs/",
    sparkSubmitParameters: "--conf a=b",
    ...extra,
  } as MachineStep;
}

type States = Record<string, Record<string, unknown>>;

describe("a Spark step with retries in the generated state machine", () => {
  const definition = stateMachineDefinition("p", [sparkStep("copy", 3)], "aws");
  const states = definition["States"] as States;

  it("is valid ASL (asl-validator)", () => {
    const { isValid, errorsText } = aslValidator(definition);
    expect(isValid, errorsText("\n")).toBe(true);
  });

  it("retries only transient service errors with a Retry block; every other failure goes to its decision", () => {
    const task = states["copy-abc123"]!;
    const retry = task["Retry"] as { ErrorEquals: string[] }[];
    expect(retry.flatMap((r) => r.ErrorEquals)).not.toContain("States.ALL");
    expect(retry[0]?.ErrorEquals).toEqual([
      "EmrServerless.ThrottlingException",
      "EmrServerless.InternalServerException",
    ]);
    expect(task["Catch"]).toEqual([
      { ErrorEquals: ["States.ALL"], ResultPath: "$.failure", Next: "copy-abc123 permanent?" },
    ]);
  });

  it("ends at once, as GlacierError.<CODE>, on each of the driver's non-retryable codes", () => {
    const choice = states["copy-abc123 permanent?"]!;
    const rules = choice["Choices"] as { Variable: string; StringMatches: string; Next: string }[];
    expect(rules.map((r) => r.StringMatches)).toEqual(
      RETRY_POLICY.nonRetryable.map((code) => `*GlacierStepError: ${code}:*`),
    );
    for (const rule of rules) {
      const named = states[rule.Next]!;
      const code = rule.StringMatches.slice("*GlacierStepError: ".length, -2);
      expect(named).toMatchObject({
        Type: "Pass",
        Result: `GlacierError.${code}`,
        ResultPath: "$.failure.Error",
        Next: "copy-abc123 failed",
      });
    }
    expect(choice["Default"]).toBe("copy-abc123 retried?");
  });

  it("waits the retry policy's ceiling before each retry, up to the step's retries", () => {
    expect(states["copy-abc123 retry 1"]).toMatchObject({
      Type: "Pass",
      Result: { n: 1, wait: 1, waits: [1, 2, 4] },
      Next: "copy-abc123 backoff",
    });
    expect(states["copy-abc123 retries left?"]).toMatchObject({
      Choices: [{ NumericLessThan: 3, Next: "copy-abc123 retry n" }],
      Default: "copy-abc123 failed",
    });
    expect(states["copy-abc123 backoff"]).toMatchObject({ Type: "Wait", Next: "copy-abc123" });
  });

  it("leaves a Spark step without retries, and Lambda steps, as they were", () => {
    const plain = stateMachineDefinition("p", [sparkStep("copy", 0)], "aws")["States"] as States;
    expect(Object.keys(plain)).toEqual([
      "Params given?",
      "Default params",
      "copy-abc123",
      "copy-abc123 failed",
    ]);
    expect((plain["copy-abc123"]!["Catch"] as { Next: string }[])[0]?.Next).toBe("copy-abc123 failed");
    const lambda = {
      kind: "lambda",
      stepId: "step-clean",
      stateName: "clean-abc123",
      dependsOn: [],
      retries: 2,
      functionArn: "arn:aws:lambda:eu-west-1:123456789012:function:f",
    } as const;
    const lambdaStates = stateMachineDefinition("p", [lambda], "aws")["States"] as States;
    // A function reports its code as the error name: the Retry blocks tell them apart.
    expect(Object.keys(lambdaStates)).toEqual([
      "Params given?",
      "Default params",
      "clean-abc123",
      "clean-abc123 failed",
    ]);
    expect(
      (lambdaStates["clean-abc123"]!["Retry"] as { ErrorEquals: string[] }[]).at(-1)?.ErrorEquals,
    ).toEqual(["States.ALL"]);
  });

  it("keeps each step's attempt counter apart, in Parallel branches too", () => {
    const parallel = stateMachineDefinition("p", [sparkStep("a", 1), sparkStep("b", 2)], "aws");
    expect(aslValidator(parallel).isValid).toBe(true);
    const text = JSON.stringify(parallel);
    expect(text).toContain("$.glacier_retries_a_abc123");
    expect(text).toContain("$.glacier_retries_b_abc123");
  });

  it("is the same inside a partitioned pipeline's Map iterations, each failure ending only its partition", () => {
    const machine = partitionedMachineDefinition("p", [sparkStep("copy", 2, { perPartition: true })], "aws");
    const { isValid, errorsText } = aslValidator(machine);
    expect(isValid, errorsText("\n")).toBe(true);
    const map = (machine["States"] as States)["Each partition (distributed)"]!;
    const inner = (map["ItemProcessor"] as { States: States }).States;
    expect(inner["copy-abc123 (distributed) CHECK_FAILED"]?.["Next"]).toBe("Partition failed (distributed)");
    expect(inner["copy-abc123 (distributed) retries left?"]?.["Default"]).toBe(
      "Partition failed (distributed)",
    );
    expect(inner["copy-abc123 (distributed) backoff"]?.["Next"]).toBe("copy-abc123 (distributed)");
  });

  it("keeps every state name within AWS's 80 characters, distinct, for the longest step name", () => {
    // An application name (`<prefix>-<state name>`) has at most 64 characters: a 1-character prefix leaves 62.
    const long = "x".repeat(55);
    const steps = [
      sparkStep(long, 2, { perPartition: true }),
      sparkStep(`${long}y`, 2, { perPartition: true }),
    ];
    const machine = partitionedMachineDefinition("p", steps, "aws");
    const names: string[] = [];
    const walk = (states: States) => {
      for (const [name, state] of Object.entries(states)) {
        names.push(name);
        for (const branch of (state["Branches"] as { States: States }[] | undefined) ?? [])
          walk(branch.States);
        const processor = state["ItemProcessor"] as { States: States } | undefined;
        if (processor) walk(processor.States);
      }
    };
    walk(machine["States"] as States);
    expect(names.filter((n) => n.length > 80)).toEqual([]);
    expect(new Set(names).size).toBe(names.length);
    expect(names.filter((n) => n.includes("TASK_RESULT_INVALID"))).toHaveLength(4);
    const { isValid, errorsText } = aslValidator(machine);
    expect(isValid, errorsText("\n")).toBe(true);
  });
});
