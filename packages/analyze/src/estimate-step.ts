import type { BucketNode, ExecutorKind, StepNode } from "@glacier/core";
import { absurd, stepInputs } from "@glacier/core/internal";
import type { StepAnalysis } from "./analysis-report.js";
import type { StepObservation } from "./calibration.js";
import {
  emrCost,
  fargateCost,
  lambdaCost,
  s3RequestCost,
  sumUsd,
  transferCost,
  type CostItem,
} from "./cost-formulas.js";
import type { DataSize } from "./data-size.js";
import {
  bytesPerVcpuSecond,
  defaultOutputRatio,
  processingVcpus,
  STARTUP_SECONDS,
} from "./model-defaults.js";
import type { RegionPrices } from "./prices.js";
import { aggregation } from "./task-shape.js";

/** What estimating one step needs from the rest of the analysis. */
export interface StepContext {
  readonly level: number;
  readonly resource: string | null;
  /** Sizes known so far, by bucket location (sources measured, earlier outputs estimated). */
  readonly sizes: ReadonlyMap<string, DataSize>;
  /** The output measured in storage, when it exists already. */
  readonly existingOutput: DataSize | null;
  readonly observation: StepObservation | undefined;
  /** Input bytes of the observed run (see `StepObservation.inputBytes`); null when not known. */
  readonly observedInputBytes: number | null;
  /** The region the steps run in (the infrastructure plan's). */
  readonly region: string;
  readonly prices: RegionPrices;
}

function regionOf(bucket: BucketNode): string | null {
  return bucket.provider.cloud === "aws" ? bucket.provider.region : null;
}

function sum(values: readonly (number | null)[]): number | null {
  return values.some((v) => v === null) ? null : values.reduce<number>((a, v) => a + (v as number), 0);
}

/**
 * The recorded run's input and today's, when both are known: what a calibration scales by. A run that read
 * nothing cannot calibrate a throughput.
 */
function scaling(inputBytes: number | null, ctx: StepContext): { now: number; then: number } | null {
  const then = ctx.observedInputBytes;
  return inputBytes !== null && then !== null && then > 0 ? { now: inputBytes, then } : null;
}

function outputSize(step: StepNode, inputBytes: number | null, ctx: StepContext): DataSize {
  if (ctx.existingOutput) return ctx.existingOutput;
  const obs = ctx.observation;
  const scale = scaling(inputBytes, ctx);
  if (obs && scale) {
    // The output/input ratio the run measured, applied to today's input.
    return {
      bytes: Math.round(scale.now * (obs.bytes / scale.then)),
      files: 1,
      rows: null,
      source: "calibrated",
      detail: `run ${obs.runId}: output ${((100 * obs.bytes) / scale.then).toPrecision(3)}% of input`,
    };
  }
  if (obs && inputBytes === null) {
    return {
      bytes: obs.bytes,
      files: 1,
      rows: obs.rows ?? null,
      source: "calibrated",
      detail: `run ${obs.runId}`,
    };
  }
  const declared = step.output.expectedSize;
  if (declared?.bytes !== undefined) {
    return { bytes: declared.bytes, files: 1, rows: declared.rows ?? null, source: "declared" };
  }
  if (inputBytes === null)
    return { bytes: null, files: null, rows: null, source: "unknown", detail: "input size unknown" };
  const aggregates = aggregation(step.task) !== null;
  const ratio = defaultOutputRatio(
    stepInputs(step).map(([, b]) => b.format),
    step.output.format,
    { aggregates },
  );
  return {
    bytes: Math.round(inputBytes * ratio),
    files: 1,
    rows: null,
    source: "estimated",
    detail: `× ${ratio} of input${aggregates ? ` (aggregates: ${aggregation(step.task)})` : ""}`,
  };
}

function duration(step: StepNode, inputBytes: number | null, ctx: StepContext): StepAnalysis["duration"] {
  const executor = step.task.executor;
  const vcpus = processingVcpus(executor);
  const startupSeconds = STARTUP_SECONDS[executor.kind];
  const obs = ctx.observation;
  const scale = scaling(inputBytes, ctx);
  // Calibrated when the run's input and today's are both known, or when neither is (the recorded time is
  // then the best figure there is); a run whose input is unknown cannot say how today's input would go.
  if (obs && (scale || inputBytes === null)) {
    // Throughput = what the run read / how long it took, on one vCPU (a local run's worker thread); today's
    // input at that throughput, spread over the executor's vCPUs.
    const recorded = obs.durationMs / 1000;
    const processingSeconds = (scale ? scale.now / (scale.then / recorded) : recorded) / vcpus;
    const startup = executor.kind === "local" ? 0 : startupSeconds;
    return {
      seconds: startup + processingSeconds,
      startupSeconds: startup,
      processingSeconds,
      vcpus,
      basis: "calibrated",
      calibratedFrom: obs.runId,
      ...(scale ? { calibratedOnBytes: scale.then } : {}),
    };
  }
  if (inputBytes === null)
    return { seconds: null, startupSeconds, processingSeconds: null, vcpus, basis: "unknown" };
  const processingSeconds = inputBytes / (bytesPerVcpuSecond(executor) * vcpus);
  return {
    seconds: startupSeconds + processingSeconds,
    startupSeconds,
    processingSeconds,
    vcpus,
    basis: "default",
  };
}

/** Where each executor kind runs in the cloud. */
const RUNS_ON = {
  local: "in-process",
  serverless: "lambda",
  spark: "emr-serverless",
  container: "ecs-fargate",
} as const satisfies Record<ExecutorKind, StepAnalysis["runsOn"]>;

function computeCost(step: StepNode, seconds: number, prices: RegionPrices): CostItem[] {
  const executor = step.task.executor;
  switch (executor.kind) {
    case "local":
      return [];
    case "serverless":
      return lambdaCost(executor, seconds, prices);
    case "spark":
      return emrCost(executor, seconds, prices);
    case "container":
      return fargateCost(executor, seconds, prices);
    default:
      return absurd(executor, "executor");
  }
}

/**
 * Estimates one step: its input and output sizes, duration (calibrated from a recorded run, else the
 * throughput defaults) and the cost of one execution, itemised. A `local` step runs in the orchestrating
 * process: no compute cost in the cloud, but its S3 requests are counted.
 *
 * @example
 * ```ts
 * estimateStep(graph.step("cleanSales"), ctx);
 * // { name: "cleanSales", inputBytes: 152344, output: { size: { bytes: 38086, source: "estimated" } },
 * //   duration: { seconds: 2.0029, basis: "default" }, cost: { usd: 0.0000716, items: [lambda…, s3…] } }
 * ```
 */
export function estimateStep(step: StepNode, ctx: StepContext): StepAnalysis {
  const inputs = stepInputs(step).map(([key, bucket]) => ({
    key,
    bucket: bucket.id,
    size: ctx.sizes.get(bucket.location) ?? {
      bytes: null,
      files: null,
      rows: null,
      source: "unknown" as const,
    },
    node: bucket,
  }));
  const inputBytes = sum(inputs.map((i) => i.size.bytes));
  const output = outputSize(step, inputBytes, ctx);
  const time = duration(step, inputBytes, ctx);
  const items: CostItem[] = time.seconds === null ? [] : computeCost(step, time.seconds, ctx.prices);
  const s3Reads = inputs
    .filter((i) => i.node.provider.cloud === "aws")
    .map((i) => ({ files: i.size.files ?? 1, bytes: i.size.bytes ?? 0, dataset: i.node.dataset }));
  if (s3Reads.length > 0 || step.output.provider.cloud === "aws") {
    const writeBytes = step.output.provider.cloud === "aws" ? (output.bytes ?? 0) : 0;
    items.push(...s3RequestCost({ reads: s3Reads, writeBytes }, ctx.prices));
  }
  if (step.task.executor.kind !== "local") {
    const crossing = inputs
      .filter((i) => regionOf(i.node) !== null && regionOf(i.node) !== ctx.region)
      .map((i) => i.size.bytes ?? 0);
    const outCrosses = regionOf(step.output) !== null && regionOf(step.output) !== ctx.region;
    items.push(
      ...transferCost(
        crossing.reduce((a, b) => a + b, 0) + (outCrosses ? (output.bytes ?? 0) : 0),
        ctx.prices,
      ),
    );
  }
  const runsOn = RUNS_ON[step.task.executor.kind];
  return {
    id: step.id,
    name: step.name,
    executor: step.task.executor.kind,
    runsOn,
    resource: ctx.resource,
    level: ctx.level,
    inputs: inputs.map(({ key, bucket, size }) => ({ key, bucket, size })),
    inputBytes,
    output: { bucket: step.output.id, size: output },
    duration: time,
    cost: { usd: time.seconds === null ? null : sumUsd(items), items },
  };
}
