import {
  type ContainerExecutorNode,
  fargateCpuUnits,
  fargateMemoryMib,
  type ServerlessExecutorNode,
  type SparkExecutorNode,
  stepChecks,
  type StepNode,
} from "@glacier/core";
import { stepInputs, stepStagingPrefix } from "@glacier/core/internal";
import type { Architecture, ContainerTaskPlan, FunctionPlan, LayerPlan, SparkJobPlan } from "./plan-types.js";
import {
  CONTAINER_RESULT_PREFIX,
  containerResourceNames,
  layerName,
  stepResourceNames,
} from "./resource-names.js";
import { s3Access } from "./s3-access.js";
import { sparkScript } from "./spark-script.js";

/** The npm package holding polars' native binary for a Lambda architecture (Amazon Linux, glibc). */
export function polarsBinaryPackage(architecture: Architecture): string {
  return `nodejs-polars-linux-${architecture === "x86_64" ? "x64" : "arm64"}-gnu`;
}

/** The shared polars layer of one architecture. */
export function layerPlan(architecture: Architecture, prefix: string): LayerPlan {
  return {
    logicalId: `nodejs_polars_${architecture}`,
    name: layerName(architecture, prefix),
    architecture,
    binaryPackage: polarsBinaryPackage(architecture),
  };
}

/**
 * The Lambda function of a serverless step. Its environment is the executor's plus `GLACIER_STEP_ID` (the
 * handler's default step), polars' temporary directory and source-mapped stack traces.
 *
 * @example
 * ```ts
 * functionPlan(cleanSalesStep, executor, "glacier")
 * // { functionName: "glacier-clean-sales-3f2a9c", memory: 2048, timeout: 300, runtime: "nodejs24.x",
 * //   reads: [{ location: "s3://glacier-example-sales/raw/sales.csv" }], writes: { … } }
 * ```
 */
export function functionPlan(step: StepNode, executor: ServerlessExecutorNode, prefix: string): FunctionPlan {
  const names = stepResourceNames(step, prefix);
  return {
    stepId: step.id,
    stepName: step.name,
    logicalId: names.logicalId,
    functionName: names.functionName,
    roleLogicalId: `${names.logicalId}_lambda`,
    logGroupLogicalId: `${names.logicalId}_logs`,
    runtime: executor.runtime,
    handler: "index.handler",
    memory: executor.memory,
    timeout: executor.timeout,
    ephemeralStorage: executor.ephemeralStorage,
    architecture: executor.architecture,
    environment: {
      NODE_OPTIONS: "--enable-source-maps",
      // Lambda sets no HOME, where polars puts its temporary files by default; only /tmp is writable.
      POLARS_TEMP_DIR: "/tmp",
      ...executor.environment,
      GLACIER_ENVIRONMENT: "${var.environment}",
      GLACIER_STEP_ID: step.id,
    },
    ...(executor.reservedConcurrency === undefined
      ? {}
      : { reservedConcurrency: executor.reservedConcurrency }),
    layerLogicalId: layerPlan(executor.architecture, prefix).logicalId,
    bundlePath: names.bundlePath,
    reads: stepReads(step),
    writes: s3Access(step.output),
    stagingPrefix: stepStagingPrefix(step.id),
  };
}

/** What a function or Spark job reads: the step's inputs, and the buckets its relationships checks look keys up in. */
function stepReads(step: StepNode): ReturnType<typeof s3Access>[] {
  const related = stepChecks(step).flatMap((c) => (c.type === "relationships" ? [c.to] : []));
  const buckets = [...stepInputs(step).map(([, bucket]) => bucket), ...related];
  return buckets
    .filter((bucket, i) => buckets.findIndex((b) => b.location === bucket.location) === i)
    .map((bucket) => s3Access(bucket));
}

/** Spark memory settings that fit a worker: the JVM heap plus Spark's 10% overhead stay within its GB. */
function heap(gigabytes: number): string {
  return `${Math.floor((gigabytes * 1024) / 1.1)}m`;
}

/** `spark-submit` configuration matching the application's pre-initialised workers. */
export function sparkSubmitParameters(executor: SparkExecutorNode): string {
  return [
    `spark.driver.cores=${executor.driver.cpu}`,
    `spark.driver.memory=${heap(executor.driver.memory)}`,
    `spark.executor.cores=${executor.executor.cpu}`,
    `spark.executor.memory=${heap(executor.executor.memory)}`,
    `spark.executor.instances=${executor.workers}`,
    // Inputs are temp views; without this EMR's default Glue catalog would need Glue permissions.
    "spark.sql.catalogImplementation=in-memory",
  ]
    .map((conf) => `--conf ${conf}`)
    .join(" ");
}

/**
 * The EMR Serverless application and Spark SQL job of a spark step.
 *
 * @example
 * ```ts
 * sparkJobPlan(regionalStep, executor, "glacier")
 * // { applicationName: "glacier-regional-summary-9b1c2d", releaseLabel: "emr-7.14.0",
 * //   driver: { workers: 1, cpu: 2, memory: 8 }, executor: { workers: 4, cpu: 4, memory: 16 },
 * //   scriptKey: "glacier/spark/regional-summary-9b1c2d.py", … }
 * ```
 */
export function sparkJobPlan(step: StepNode, executor: SparkExecutorNode, prefix: string): SparkJobPlan {
  const names = stepResourceNames(step, prefix);
  return {
    stepId: step.id,
    stepName: step.name,
    logicalId: names.logicalId,
    applicationName: names.applicationName,
    releaseLabel: executor.releaseLabel,
    driver: { workers: 1, ...executor.driver },
    executor: { workers: executor.workers, ...executor.executor },
    roleLogicalId: `${names.logicalId}_emr`,
    scriptKey: names.sparkScriptKey,
    script: sparkScript(step),
    scriptPath: `spark/${names.suffix}.py`,
    logPrefix: names.sparkLogPrefix,
    sparkSubmitParameters: sparkSubmitParameters(executor),
    ...(step.task.timeout === undefined
      ? {}
      : { executionTimeoutMinutes: Math.ceil(step.task.timeout / 60) }),
    reads: stepReads(step),
    writes: s3Access(step.output),
    stagingPrefix: stepStagingPrefix(step.id),
  };
}

/**
 * The Fargate task of a container step: the same handler a Lambda step runs, from a bundle and the polars layer
 * the task fetches from the artefacts bucket at start (see `container-bootstrap.ts`).
 *
 * @example
 * ```ts
 * containerTaskPlan(bigJoinStep, provider.container({ cpu: 8, memory: 60 }).node, "glacier")
 * // { family: "glacier-big-join-3f2a9c", cpuUnits: "8192", memoryMib: "61440", ephemeralStorage: 20,
 * //   bundleKey: "glacier/containers/big-join-3f2a9c.zip", layerLogicalId: "nodejs_polars_x86_64", … }
 * ```
 */
export function containerTaskPlan(
  step: StepNode,
  executor: ContainerExecutorNode,
  prefix: string,
): ContainerTaskPlan {
  const names = stepResourceNames(step, prefix);
  const container = containerResourceNames(step, prefix);
  return {
    stepId: step.id,
    stepName: step.name,
    logicalId: names.logicalId,
    family: container.family,
    containerName: "step",
    taskRoleLogicalId: `${names.logicalId}_task`,
    executionRoleLogicalId: `${names.logicalId}_exec`,
    logGroupLogicalId: `${names.logicalId}_ecs_logs`,
    logGroupName: container.logGroupName,
    cpu: executor.cpu,
    memory: executor.memory,
    cpuUnits: fargateCpuUnits(executor.cpu),
    memoryMib: fargateMemoryMib(executor.memory),
    ephemeralStorage: executor.ephemeralStorage,
    architecture: executor.architecture,
    timeout: step.task.timeout === undefined ? executor.timeout : Math.ceil(step.task.timeout),
    layerLogicalId: layerPlan(executor.architecture, prefix).logicalId,
    bundleKey: container.bundleKey,
    bundlePath: container.bundlePath,
    resultPrefix: CONTAINER_RESULT_PREFIX,
    environment: {
      NODE_OPTIONS: "--enable-source-maps",
      POLARS_TEMP_DIR: "/tmp",
      GLACIER_ENVIRONMENT: "${var.environment}",
      GLACIER_STEP_ID: step.id,
    },
    reads: stepReads(step),
    writes: s3Access(step.output),
    stagingPrefix: stepStagingPrefix(step.id),
  };
}
