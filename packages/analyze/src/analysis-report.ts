import type { ExecutorKind } from "@glacier/core";
import type { CostItem } from "./cost-formulas.js";
import type { DataSize } from "./data-size.js";

/** How an estimate was made: from a recorded run, from the model's defaults, or not at all. */
export type Basis = "calibrated" | "default" | "unknown";

/** One step: what it reads and writes, how long it takes and what one execution costs. */
export interface StepAnalysis {
  readonly id: string;
  readonly name: string;
  readonly executor: ExecutorKind;
  readonly runsOn: "lambda" | "emr-serverless" | "ecs-fargate" | "in-process";
  /** The function or EMR application `generate` creates for it; null for a local step. */
  readonly resource: string | null;
  /** Its level in `graph.executionLevels()` (steps of one level can run in parallel). */
  readonly level: number;
  readonly inputs: readonly { readonly key: string; readonly bucket: string; readonly size: DataSize }[];
  /** Sum of the inputs; null when any is unknown. */
  readonly inputBytes: number | null;
  readonly output: { readonly bucket: string; readonly size: DataSize };
  readonly duration: {
    readonly seconds: number | null;
    readonly startupSeconds: number;
    readonly processingSeconds: number | null;
    readonly vcpus: number;
    readonly basis: Basis;
    /** The recorded run that calibrated it. */
    readonly calibratedFrom?: string;
    /** The input bytes that run read: its throughput is those bytes over its recorded time. */
    readonly calibratedOnBytes?: number;
  };
  readonly cost: {
    /** Null when the duration is unknown (the request costs in `items` are still counted in totals). */
    readonly usd: number | null;
    readonly items: readonly CostItem[];
  };
}

/** A state machine and the transitions one execution of it enters. */
export interface OrchestrationAnalysis {
  readonly pipeline: string;
  readonly stateMachine: string;
  readonly transitions: number;
  readonly usd: number;
  /** Started once per run of the whole graph: its pipeline's target is a sink of the graph. */
  readonly perRun: boolean;
}

/** One pipeline: the cost of one execution (its steps, upstream included, and its state machine). */
export interface PipelineAnalysis {
  readonly name: string;
  readonly steps: readonly string[];
  readonly schedule: string | null;
  readonly runsPerMonth: number | null;
  readonly perRunUsd: number;
  readonly monthlyUsd: number | null;
}

/** One resource `generate` creates (or references), with the settings that change its cost. */
export interface ResourceEntry {
  readonly type: string;
  readonly name: string;
  readonly config: Readonly<Record<string, unknown>>;
}

/** Everything `glacier analyze` reports; plain data, stable key order, the input of `compareAnalyses`. */
export interface AnalysisReport {
  readonly version: 1;
  /** The AWS region the steps run in, or `"local"` for a graph on a local provider. */
  readonly region: string;
  readonly prices: {
    readonly region: string;
    readonly known: boolean;
    readonly overridden: readonly string[];
  };
  readonly offline: boolean;
  /** The partitions estimated, for a partitioned graph (`--partition`, or the latest). */
  readonly partitions?: readonly string[];
  readonly steps: readonly StepAnalysis[];
  readonly orchestration: readonly OrchestrationAnalysis[];
  readonly cost: {
    readonly perRunUsd: number;
    /** False when some step's cost is unknown: `perRunUsd` is then a lower bound. */
    readonly complete: boolean;
    readonly unknownSteps: readonly string[];
    readonly byService: Readonly<Record<string, number>>;
  };
  readonly duration: {
    /** The critical path through the dependencies. */
    readonly totalSeconds: number;
    readonly complete: boolean;
    readonly criticalPath: readonly string[];
    /** Sum of every step: the time one executor would take running them one by one. */
    readonly sequentialSeconds: number;
    readonly levels: readonly {
      readonly level: number;
      readonly steps: readonly string[];
      readonly seconds: number;
    }[];
  };
  readonly pipelines: readonly PipelineAnalysis[];
  readonly monthly: {
    /** Scheduled pipelines' runs per month × their per-run cost. */
    readonly scheduledUsd: number;
    /** What exists whether or not anything runs: storage of data and artefacts. */
    readonly standing: { readonly usd: number; readonly items: readonly CostItem[] };
  };
  readonly resources: {
    readonly counts: Readonly<Record<string, number>>;
    readonly items: readonly ResourceEntry[];
  } | null;
  readonly notes: readonly string[];
}
