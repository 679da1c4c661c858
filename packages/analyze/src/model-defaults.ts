import type { ExecutorNode, Format } from "@glacier/core";
import { absurd } from "@glacier/core/internal";

/**
 * The model's defaults, used where no recorded run calibrates a step. Each is documented with its origin
 * in the README; override none of them silently — a calibrated estimate says so.
 */

/**
 * Polars throughput per vCPU, bytes/s of input. Measured on this project's 2-core machines: a 3-step pipeline over
 * 264 MB of Parquet took 6.3 s on 2 cores ≈ 63 MB/s per core per step; rounded down for S3 reads.
 */
export const POLARS_BYTES_PER_VCPU_SECOND = 50e6;
/** Spark SQL throughput per executor vCPU, bytes/s. Not measured here: a conservative default. */
export const SPARK_BYTES_PER_VCPU_SECOND = 20e6;

/** Fixed time before a step processes data, seconds. */
export const STARTUP_SECONDS = {
  /** Orchestrating process: a worker thread with polars loaded. */
  local: 0.5,
  /** Lambda cold start including the ~115 MiB polars layer. */
  serverless: 2,
  /** EMR Serverless application start with pre-initialised capacity, plus Spark session start. */
  spark: 120,
  /**
   * Fargate task start (image pull of node:24-slim, ~80 MB) plus fetching and unpacking the step's bundle and
   * the ~31 MB polars layer from S3. Not measured on AWS here: a conservative default.
   */
  container: 60,
} as const satisfies Record<ExecutorNode["kind"], number>;

/**
 * Peak memory of a Polars step per input byte. Measured on this project's machines: the 3-step streaming
 * pipeline over 264 MB of Parquet peaked at 1.0 GiB RSS, about 4× its input; a step that
 * collects in memory needs more, so this is a floor, not a ceiling.
 */
export const POLARS_PEAK_BYTES_PER_INPUT_BYTE = 4;
/** Memory of the Node.js runtime, the handler and polars before any data, MB. */
export const POLARS_BASE_MEMORY_MB = 300;
/** Lambda's largest memory size, MB, and longest timeout, seconds. */
export const LAMBDA_MAX_MEMORY_MB = 10_240;
export const LAMBDA_MAX_TIMEOUT_SECONDS = 900;

/** The memory a Polars step is estimated to need, MB, from its input size. */
export function estimatedMemoryMb(inputBytes: number): number {
  return Math.ceil(POLARS_BASE_MEMORY_MB + (POLARS_PEAK_BYTES_PER_INPUT_BYTE * inputBytes) / (1024 * 1024));
}

/** Lambda allocates one vCPU per 1,769 MB of memory, up to 6. */
export const LAMBDA_MB_PER_VCPU = 1769;

/** vCPUs that process a step's data. A local step runs on one worker thread. */
export function processingVcpus(executor: ExecutorNode): number {
  switch (executor.kind) {
    case "local":
      return 1;
    case "serverless":
      return Math.min(6, executor.memory / LAMBDA_MB_PER_VCPU);
    case "spark":
      return executor.workers * executor.executor.cpu;
    case "container":
      return executor.cpu;
    default:
      return absurd(executor, "executor");
  }
}

/** Throughput per vCPU of the engine an executor runs. */
export function bytesPerVcpuSecond(executor: ExecutorNode): number {
  return executor.kind === "spark" ? SPARK_BYTES_PER_VCPU_SECOND : POLARS_BYTES_PER_VCPU_SECOND;
}

const ROW_FORMATS: readonly Format[] = ["csv", "ndjson"];

/**
 * Output bytes per input byte of a step that aggregates (groups, limits, takes distinct rows), when no run
 * calibrates it and its output declares no `expectedSize`: 1%. An aggregate's output scales with its groups,
 * not its rows, so any fixed ratio is a guess; the examples' aggregating steps write 0.3%–7.2% of their input
 * on their sample data (median 1.4%, measured with `glacier run` on them), and on real data, with far more
 * rows per group, they write much less. Record a run or declare the output's `expectedSize` to replace it.
 */
export const AGGREGATE_OUTPUT_RATIO = 0.01;

/**
 * Output bytes per input byte when no run calibrates a step: {@link AGGREGATE_OUTPUT_RATIO} for a step that
 * aggregates; else 1 (a transform keeps its data: an upper bound for filters), × 0.25 from a text format to
 * a columnar one (Parquet/IPC compression), × 4 the other way.
 *
 * @example
 * ```ts
 * defaultOutputRatio(["csv"], "parquet"); // 0.25
 * defaultOutputRatio(["parquet"], "csv", { aggregates: true }); // 0.04
 * ```
 */
export function defaultOutputRatio(
  inputs: readonly Format[],
  output: Format,
  shape: { readonly aggregates?: boolean } = {},
): number {
  const textIn = inputs.length > 0 && inputs.every((f) => ROW_FORMATS.includes(f));
  const textOut = ROW_FORMATS.includes(output);
  const kept = shape.aggregates ? AGGREGATE_OUTPUT_RATIO : 1;
  if (textIn && !textOut) return kept * 0.25;
  if (!textIn && textOut) return kept * 4;
  return kept;
}

/** Size of one zipped polars layer in the artefacts bucket: ≈ 31 MiB (the linux-x64 binary, ~115 MiB, zipped). */
export const LAYER_ZIP_BYTES = 31 * 1024 * 1024;
