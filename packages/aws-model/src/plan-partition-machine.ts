import {
  failName,
  failState,
  machineLevels,
  retryStates,
  taskState,
  type MachineStep,
} from "./plan-state-machine.js";

type State = Record<string, unknown>;

/** Partitions above this many run in a Distributed Map (child executions), below it in an inline Map. */
export const DISTRIBUTED_MAP_THRESHOLD = 40;
/** Partitions of one execution running at once. */
export const PARTITION_CONCURRENCY = 40;

/** A chain of levels: each level's steps one after another, or in a Parallel state when there are several. */
function chain(
  levels: readonly (readonly MachineStep[])[],
  partition: string,
  name: (i: number) => string,
  last: State,
  failNext: ((step: MachineStep) => string) | null,
): Record<string, State> {
  const states: Record<string, State> = {};
  levels.forEach((level, i) => {
    const next = i + 1 < levels.length ? { Next: name(i + 1) } : last;
    if (level.length === 1) {
      const step = level[0] as MachineStep;
      states[step.stateName] = { ...taskState(step, partition, failNext?.(step)), ...next };
      Object.assign(states, retryStates(step, failNext?.(step) ?? failName(step)));
      if (failNext === null) states[failName(step)] = failState(step);
      return;
    }
    states[name(i)] = {
      Type: "Parallel",
      Branches: level.map((step) => ({
        StartAt: step.stateName,
        States: {
          [step.stateName]: { ...taskState(step, partition), End: true },
          ...retryStates(step, failName(step)),
          [failName(step)]: failState(step),
        },
      })),
      ResultPath: null,
      ...(failNext === null
        ? {}
        : {
            Catch: [
              {
                ErrorEquals: ["States.ALL"],
                ResultPath: "$.failure",
                Next: failNext(level[0] as MachineStep),
              },
            ],
          }),
      ...next,
    };
  });
  return states;
}

function levelName(level: readonly MachineStep[], i: number, what: string): string {
  return level.length === 1
    ? (level[0] as MachineStep).stateName
    : `${what} level ${i + 1}: ${level.length} steps in parallel`;
}

/**
 * The ASL of a pipeline with partitioned steps. The execution input may give `partitions` (a list of keys;
 * absent: `["latest"]`, which each function resolves to its scheme's latest partition — what a schedule runs)
 * and `params`. Steps before the partitioned ones run first; the partitioned steps run per partition in a Map
 * state (a Distributed Map above {@link DISTRIBUTED_MAP_THRESHOLD} partitions), each with the shared retry
 * policy, a failing step ending only its own partition; the steps after them (aggregates) run when every
 * partition succeeded, else the execution fails naming the failed partitions.
 *
 * @example
 * ```ts
 * partitionedMachineDefinition("daily", [check, enrich], "aws")
 * // { StartAt: "Params given?", States: { …, "Each partition": { Type: "Map", ItemsPath: "$.partitions",
 * //   ItemProcessor: { StartAt: "check-…", … } }, "Any partition failed?": { Type: "Choice", … } } }
 * ```
 */
export function partitionedMachineDefinition(
  pipeline: string,
  steps: readonly MachineStep[],
  partition: string,
): Readonly<Record<string, unknown>> {
  const perPartition = new Set(steps.filter((s) => s.perPartition).map((s) => s.stepId));
  const after = new Set<string>();
  for (const step of steps) {
    if (!step.perPartition && step.dependsOn.some((d) => perPartition.has(d) || after.has(d)))
      after.add(step.stepId);
  }
  const before = steps.filter((s) => !s.perPartition && !after.has(s.stepId));
  const inner = steps.filter((s) => s.perPartition);
  const outer = steps.filter((s) => after.has(s.stepId));
  const within = (group: readonly MachineStep[]) => {
    const ids = new Set(group.map((s) => s.stepId));
    return machineLevels(group.map((s) => ({ ...s, dependsOn: s.dependsOn.filter((d) => ids.has(d)) })));
  };
  const [beforeLevels, innerLevels, afterLevels] = [within(before), within(inner), within(outer)];
  const beforeName = (i: number) => levelName(beforeLevels[i] as MachineStep[], i, "before");
  const afterName = (i: number) => levelName(afterLevels[i] as MachineStep[], i, "after");

  const states: Record<string, State> = {
    "Params given?": {
      Type: "Choice",
      Comment: "Executions may omit params; the tasks read $.params.",
      Choices: [{ Variable: "$.params", IsPresent: true, Next: "Partitions given?" }],
      Default: "Default params",
    },
    "Default params": { Type: "Pass", Result: {}, ResultPath: "$.params", Next: "Partitions given?" },
    "Partitions given?": {
      Type: "Choice",
      Comment:
        'Executions may give { "partitions": ["2026-12-01", …] } (a schedule: ["latest-1"], …); none: the latest.',
      Choices: [{ Variable: "$.partitions", IsPresent: true, Next: "Count partitions" }],
      Default: "Latest partition",
    },
    "Latest partition": {
      Type: "Pass",
      Result: ["latest"],
      ResultPath: "$.partitions",
      Next: "Count partitions",
    },
    "Count partitions": {
      Type: "Pass",
      Parameters: {
        "params.$": "$.params",
        "partitions.$": "$.partitions",
        "count.$": "States.ArrayLength($.partitions)",
      },
      Next: beforeLevels.length > 0 ? beforeName(0) : "Large range?",
    },
    ...chain(beforeLevels, partition, beforeName, { Next: "Large range?" }, null),
    "Large range?": {
      Type: "Choice",
      Choices: [
        {
          Variable: "$.count",
          NumericGreaterThan: DISTRIBUTED_MAP_THRESHOLD,
          Next: "Each partition (distributed)",
        },
      ],
      Default: "Each partition",
    },
  };
  // State names are unique across a whole machine, both Maps' iterators included: the distributed copy's
  // states carry a suffix.
  const iterator = (mode: "INLINE" | "DISTRIBUTED") => {
    const suffix = mode === "INLINE" ? "" : " (distributed)";
    const levels = innerLevels.map((level) =>
      level.map((s) => ({ ...s, stateName: `${s.stateName}${suffix}` })),
    );
    const name = (i: number) => {
      const level = levels[i] as MachineStep[];
      return level.length === 1
        ? levelName(level, i, "partition")
        : `${levelName(level, i, "partition")}${suffix}`;
    };
    return {
      ProcessorConfig:
        mode === "INLINE" ? { Mode: "INLINE" } : { Mode: "DISTRIBUTED", ExecutionType: "STANDARD" },
      StartAt: name(0),
      States: {
        ...chain(
          levels,
          partition,
          name,
          { Next: `Partition done${suffix}` },
          () => `Partition failed${suffix}`,
        ),
        [`Partition done${suffix}`]: {
          Type: "Pass",
          Parameters: { "ok.$": "$.partition" },
          End: true,
        },
        // A failed partition ends its own iteration: the other partitions go on.
        [`Partition failed${suffix}`]: {
          Type: "Pass",
          Parameters: { "failed.$": "$.partition", "error.$": "$.failure.Error" },
          End: true,
        },
      },
    };
  };
  for (const mode of ["INLINE", "DISTRIBUTED"] as const) {
    states[mode === "INLINE" ? "Each partition" : "Each partition (distributed)"] = {
      Type: "Map",
      ItemsPath: "$.partitions",
      // The run id travels with each item: a Distributed Map's iterations are child executions.
      ItemSelector: {
        "partition.$": "$$.Map.Item.Value",
        "params.$": "$.params",
        "runId.$": "$$.Execution.Name",
      },
      MaxConcurrency: PARTITION_CONCURRENCY,
      ItemProcessor: iterator(mode),
      ResultPath: "$.results",
      Next: "Failed partitions",
    };
  }
  // Each iteration ends as { ok: key } or { failed: key, error }; an empty filter result is an error in ASL, so
  // the results are read as one JSON text: any "failed" in it fails the execution, naming the keys.
  states["Failed partitions"] = {
    Type: "Pass",
    Parameters: { "params.$": "$.params", "results.$": "States.JsonToString($.results)" },
    Next: "Any partition failed?",
  };
  states["Any partition failed?"] = {
    Type: "Choice",
    Choices: [{ Variable: "$.results", StringMatches: '*"failed"*', Next: "Failure cause" }],
    Default: afterLevels.length > 0 ? afterName(0) : "Done",
  };
  states["Failure cause"] = {
    Type: "Pass",
    Parameters: {
      "cause.$": "States.Format('partitions failed (the others are committed): {}', $.results)",
    },
    Next: "Partitions failed",
  };
  states["Partitions failed"] = { Type: "Fail", Error: "Glacier.PartitionsFailed", CausePath: "$.cause" };
  if (afterLevels.length === 0) states["Done"] = { Type: "Succeed" };
  Object.assign(states, chain(afterLevels, partition, afterName, { End: true }, null));
  return { Comment: `Glacier pipeline ${pipeline} (partitioned)`, StartAt: "Params given?", States: states };
}
