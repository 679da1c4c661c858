import {
  DEFAULT_EMR_RELEASE,
  DEFAULT_LAMBDA_RUNTIME,
  EMR_SERVERLESS_RELEASES,
  LAMBDA_NODE_RUNTIMES,
  nearestEmrReleases,
  type LambdaNodeRuntime,
} from "./aws-releases.js";
import { GlacierError, shown } from "./errors.js";
import {
  FARGATE_DEFAULT_STORAGE_GIB,
  FARGATE_MAX_STORAGE_GIB,
  FARGATE_SIZES,
  fargateMemoryChoices,
} from "./fargate.js";
import type {
  ContainerExecutorNode,
  ExecutorNode,
  LocalExecutorNode,
  ServerlessExecutorNode,
  SparkExecutorNode,
  WorkerSize,
} from "./nodes.js";
import { canonicalJson, deepFreeze, shortHash } from "./stable-id.js";
import {
  defineTask,
  type SqlTables,
  type Task,
  type TaskFunction,
  type TaskInput,
  type TaskOptions,
} from "./task.js";
import type { NoParams, ParamSpecs, ParamValues } from "./params.js";
import type { LazyDataFrame } from "nodejs-polars";

/** Options of `provider.serverless()` (AWS Lambda). */
export interface ServerlessOptions {
  /** MB, 128–10240. Default 1024. */
  readonly memory?: number;
  /** Seconds, 1–900. Default 300. */
  readonly timeout?: number;
  /** /tmp size in MB, 512–10240. Default 512. */
  readonly ephemeralStorage?: number;
  /** Default `"x86_64"`. */
  readonly architecture?: "x86_64" | "arm64";
  readonly environment?: Readonly<Record<string, string>>;
  readonly reservedConcurrency?: number;
  /** Lambda's Node.js runtime: `"nodejs24.x"` (default) or `"nodejs22.x"`. */
  readonly runtime?: LambdaNodeRuntime;
}

/** Options of `provider.spark()` (EMR Serverless). Worker sizes are vCPUs and GB. */
export interface SparkOptions {
  /** Initial executor workers. Default 2. */
  readonly workers?: number;
  /** Default `{ cpu: 2, memory: 8 }`. */
  readonly driver?: WorkerSize;
  /** Default `{ cpu: 4, memory: 16 }`. */
  readonly executor?: WorkerSize;
  /** An EMR Serverless release label (`emr-6.6.0` … `emr-7.14.0`). Default `emr-7.14.0`. */
  readonly releaseLabel?: string;
}

/** Options of `provider.container()` (ECS on Fargate). */
export interface ContainerOptions {
  /** vCPU: 0.25, 0.5, 1, 2, 4, 8 or 16. */
  readonly cpu: number;
  /** GB, within Fargate's range for the CPU size (e.g. 8–30 GB for 4 vCPU, 32–120 GB in steps of 8 for 16). */
  readonly memory: number;
  /** Task storage in GiB, 20–200. Default 20 (Fargate's free amount). */
  readonly ephemeralStorage?: number;
  /** Default `"x86_64"`. */
  readonly architecture?: "x86_64" | "arm64";
  /** Seconds, 1–86400, before the task is stopped. Default 3600. */
  readonly timeout?: number;
}

/**
 * Where tasks run. `task()` and `sql()` bind a task to this executor; the executor node records the
 * configuration that `generate` turns into a Lambda function or an EMR Serverless application.
 */
export class Executor<N extends ExecutorNode = ExecutorNode> {
  readonly node: N;

  /** @internal Use `provider.local()`, `provider.serverless()`, `provider.spark()` or `provider.container()`. */
  constructor(node: N) {
    this.node = node;
    Object.freeze(this);
  }

  get kind(): N["kind"] {
    return this.node.kind;
  }

  /**
   * Binds a Polars function to this executor. Its name is the function's name or `options.name`.
   *
   * @example
   * ```ts
   * const clean = lambda.task(function clean(df) { return df.filter(pl.col("amount").gt(0)); });
   * // Task { name: "clean", executor: { kind: "serverless", memory: 2048, … }, inputs: null }
   * const join = lambda.task(function join({ orders, customers }: Inputs<"orders" | "customers">) {
   *   return orders.join(customers, { on: "customer_id" });
   * });
   * // Task { name: "join", inputs: ["orders", "customers"] }
   * ```
   */
  task<I extends TaskInput = LazyDataFrame, const S extends ParamSpecs = NoParams>(
    // A spark executor runs SQL only (EXECUTOR_RULES): `spark.task(fn)` does not compile; use spark.sql(...).
    this: Executor<Exclude<ExecutorNode, SparkExecutorNode>>,
    fn: TaskFunction<I, ParamValues<S>>,
    options?: TaskOptions<S>,
  ): Task<I, ParamValues<S>> {
    return defineTask<I, ParamValues<S>>(this.node, "polars", fn, undefined, options);
  }

  /**
   * A task written in SQL: a single source is the table `input`; `Pipeline` inputs are tables named by
   * their keys. Runs on Polars SQL locally and on Lambda, on Spark SQL on EMR.
   *
   * @example
   * ```ts
   * const daily = spark.sql("daily", "SELECT day, SUM(amount) AS total FROM input GROUP BY day");
   * ```
   */
  sql<const S extends ParamSpecs = NoParams>(
    name: string,
    query: string,
    options?: Omit<TaskOptions<S>, "name">,
  ): Task<SqlTables, ParamValues<S>> {
    if (typeof query !== "string" || query.trim() === "") {
      throw new GlacierError("INVALID_TASK", "the SQL query is empty.", {
        subject: { kind: "task", name: String(name) },
        hint: "Pass the query as the second argument of sql(name, query).",
      });
    }
    return defineTask<SqlTables, ParamValues<S>>(this.node, "sql", undefined, query, { ...options, name });
  }
}

function optionError(option: string, message: string, hint: string): GlacierError {
  return new GlacierError("INVALID_OPTION", message, { subject: { kind: "option", name: option }, hint });
}

function checkRange(option: string, value: unknown, min: number, max: number, unit: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    // ±Infinity reads best as out of range; NaN and fractions as not whole.
    const whole = typeof value === "number" && (Number.isInteger(value) || Math.abs(value) === Infinity);
    throw optionError(
      option,
      whole
        ? `${shown(value)}${unit ? ` ${unit}` : ""} is outside ${min}–${max}${unit ? ` ${unit}` : ""}.`
        : `${shown(value)} is not a whole number${unit ? ` of ${unit}` : ""}.`,
      `Set ${option.split(".").pop()} to a whole number between ${min} and ${max}.`,
    );
  }
  return value;
}

function executorId(kind: string, config: unknown): string {
  return `${kind}-${shortHash(canonicalJson(config), 8)}`;
}

/** @internal */
export function localExecutorNode(): LocalExecutorNode {
  return Object.freeze({ kind: "local", id: "local" });
}

/**
 * Names the Lambda runtime sets and refuses in a function's configuration. Other `AWS_*` names are the
 * user's to set (e.g. `AWS_NODEJS_CONNECTION_REUSE_ENABLED`, `AWS_LAMBDA_EXEC_WRAPPER`).
 */
const RESERVED_ENVIRONMENT = new Set([
  "AWS_ACCESS_KEY",
  "AWS_ACCESS_KEY_ID",
  "AWS_DEFAULT_REGION",
  "AWS_EXECUTION_ENV",
  "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
  "AWS_LAMBDA_FUNCTION_NAME",
  "AWS_LAMBDA_FUNCTION_VERSION",
  "AWS_LAMBDA_INITIALIZATION_TYPE",
  "AWS_LAMBDA_LOG_GROUP_NAME",
  "AWS_LAMBDA_LOG_STREAM_NAME",
  "AWS_LAMBDA_RUNTIME_API",
  "AWS_REGION",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "LAMBDA_RUNTIME_DIR",
  "LAMBDA_TASK_ROOT",
]);

function checkEnvironment(environment: Readonly<Record<string, string>>): Record<string, string> {
  if (typeof environment !== "object" || environment === null || Array.isArray(environment)) {
    throw optionError(
      "serverless.environment",
      "environment must be an object of variable name to value.",
      `Write environment: { LOG_LEVEL: "info" }.`,
    );
  }
  let size = 0;
  for (const [key, value] of Object.entries(environment)) {
    // Lambda's own pattern: [a-zA-Z]([a-zA-Z0-9_])+, so at least two characters.
    if (!/^[A-Za-z][A-Za-z0-9_]+$/.test(key) || typeof value !== "string") {
      throw optionError(
        "serverless.environment",
        `variable ${JSON.stringify(key)} is not a valid Lambda environment entry.`,
        "Use names of two or more letters, digits and _ (starting with a letter) and string values.",
      );
    }
    if (RESERVED_ENVIRONMENT.has(key)) {
      throw optionError(
        "serverless.environment",
        `${key} is reserved by Lambda.`,
        "Rename the variable; the Lambda runtime sets this one itself.",
      );
    }
    size += Buffer.byteLength(key) + Buffer.byteLength(value);
  }
  if (size > 4096) {
    throw optionError(
      "serverless.environment",
      `the variables take ${size} bytes; Lambda allows 4 KB in total.`,
      "Keep large values in S3 or SSM Parameter Store and pass their names instead.",
    );
  }
  return { ...environment };
}

/** @internal Validates Lambda's limits at definition time. */
export function serverlessExecutorNode(options: ServerlessOptions = {}): ServerlessExecutorNode {
  const memory = checkRange("serverless.memory", options.memory ?? 1024, 128, 10240, "MB");
  const timeout = checkRange("serverless.timeout", options.timeout ?? 300, 1, 900, "s");
  const ephemeralStorage = checkRange(
    "serverless.ephemeralStorage",
    options.ephemeralStorage ?? 512,
    512,
    10240,
    "MB",
  );
  const architecture = options.architecture ?? "x86_64";
  if (architecture !== "x86_64" && architecture !== "arm64") {
    throw optionError(
      "serverless.architecture",
      `${JSON.stringify(architecture)} is not a Lambda architecture.`,
      `Use "x86_64" or "arm64".`,
    );
  }
  const environment = checkEnvironment(options.environment ?? {});
  const runtime = options.runtime ?? DEFAULT_LAMBDA_RUNTIME;
  if (!(LAMBDA_NODE_RUNTIMES as readonly unknown[]).includes(runtime)) {
    throw optionError(
      "serverless.runtime",
      `${shown(runtime)} is not a Lambda runtime Glacier deploys to.`,
      `Use ${LAMBDA_NODE_RUNTIMES.map((r) => JSON.stringify(r)).join(" or ")} (nodejs20.x can no longer be deployed: AWS blocks creating and updating functions on it).`,
    );
  }
  const config = {
    memory,
    timeout,
    ephemeralStorage,
    architecture,
    environment,
    ...(options.reservedConcurrency === undefined
      ? {}
      : {
          reservedConcurrency: checkRange(
            "serverless.reservedConcurrency",
            options.reservedConcurrency,
            0,
            1000,
            "",
          ),
        }),
  };
  // The default runtime stays out of the id, so executors defined before the option existed keep their ids.
  const id = executorId("serverless", runtime === DEFAULT_LAMBDA_RUNTIME ? config : { ...config, runtime });
  return deepFreeze({ kind: "serverless", id, ...config, runtime });
}

/** EMR Serverless worker sizes: vCPU → [min GB, max GB, step GB]. */
const SPARK_MEMORY: Readonly<Record<number, readonly [number, number, number]>> = {
  1: [2, 8, 1],
  2: [4, 16, 1],
  4: [8, 30, 1],
  8: [16, 60, 4],
  16: [32, 120, 8],
};

function checkWorker(option: string, size: WorkerSize): WorkerSize {
  const range = typeof size?.cpu === "number" ? SPARK_MEMORY[size.cpu] : undefined;
  if (!range) {
    throw optionError(
      `${option}.cpu`,
      `${shown(size?.cpu)} vCPU is not an EMR Serverless worker size.`,
      "Use 1, 2, 4, 8 or 16 vCPU.",
    );
  }
  const [min, max, step] = range;
  if (
    typeof size.memory !== "number" ||
    !Number.isInteger(size.memory) ||
    size.memory < min ||
    size.memory > max ||
    (size.memory - min) % step !== 0
  ) {
    throw optionError(
      `${option}.memory`,
      `${shown(size.memory)} GB does not fit a worker of ${size.cpu} vCPU.`,
      step > 1
        ? `Use ${min}–${max} GB in steps of ${step} GB for ${size.cpu} vCPU.`
        : `Use a whole number of GB from ${min} to ${max} for ${size.cpu} vCPU.`,
    );
  }
  return { cpu: size.cpu, memory: size.memory };
}

/** @internal Validates EMR Serverless worker sizes and release label at definition time. */
export function sparkExecutorNode(options: SparkOptions = {}): SparkExecutorNode {
  const workers = checkRange("spark.workers", options.workers ?? 2, 1, 1000, "");
  const driver = checkWorker("spark.driver", options.driver ?? { cpu: 2, memory: 8 });
  const executor = checkWorker("spark.executor", options.executor ?? { cpu: 4, memory: 16 });
  const releaseLabel = options.releaseLabel ?? DEFAULT_EMR_RELEASE;
  if (!(EMR_SERVERLESS_RELEASES as readonly unknown[]).includes(releaseLabel)) {
    throw optionError(
      "spark.releaseLabel",
      `${shown(releaseLabel)} is not an EMR Serverless release.`,
      `Use a release label EMR Serverless has, e.g. ${nearestEmrReleases(String(releaseLabel))
        .map((r) => JSON.stringify(r))
        .join(", ")} (the default is "${DEFAULT_EMR_RELEASE}").`,
    );
  }
  const config = { workers, driver, executor, releaseLabel };
  return deepFreeze({ kind: "spark", id: executorId("spark", config), ...config });
}

/** The longest container task Glacier runs, seconds: a day, so a stuck task cannot run (and bill) for ever. */
export const CONTAINER_MAX_TIMEOUT = 86_400;

/** Fargate's allowed sizes, for error messages: `0.25 vCPU: 0.5, 1 or 2 GB; 0.5 vCPU: 1–4 GB; …`. */
function fargateSizesText(): string {
  return FARGATE_SIZES.map(({ cpu, memory: [min, max, step], only }) =>
    only
      ? `${cpu} vCPU: ${only.slice(0, -1).join(", ")} or ${only.at(-1)} GB`
      : `${cpu} vCPU: ${min}–${max} GB${step === 1 ? "" : ` in steps of ${step}`}`,
  ).join("; ");
}

/**
 * @internal Validates a container executor against Fargate's allowed task sizes at definition time.
 *
 * @example
 * ```ts
 * containerExecutorNode({ cpu: 4, memory: 30 });
 * // { kind: "container", id: "container-…", cpu: 4, memory: 30, ephemeralStorage: 20, architecture: "x86_64", timeout: 3600 }
 * containerExecutorNode({ cpu: 4, memory: 64 });
 * // GlacierError [INVALID_OPTION] option "container.memory": 64 GB does not fit a Fargate task of 4 vCPU. …
 * ```
 */
export function containerExecutorNode(options: ContainerOptions): ContainerExecutorNode {
  if (typeof options !== "object" || options === null) {
    throw optionError(
      "container",
      "provider.container() needs its size.",
      "Write provider.container({ cpu: 4, memory: 16 }) (vCPU and GB).",
    );
  }
  const cpu = options.cpu;
  if (typeof cpu !== "number" || !FARGATE_SIZES.some((s) => s.cpu === cpu)) {
    throw optionError(
      "container.cpu",
      `${shown(cpu)} vCPU is not a Fargate task size.`,
      `Use ${FARGATE_SIZES.slice(0, -1)
        .map((s) => s.cpu)
        .join(", ")} or ${FARGATE_SIZES.at(-1)?.cpu} vCPU.`,
    );
  }
  const memory = options.memory;
  if (typeof memory !== "number" || !fargateMemoryChoices(cpu).includes(memory)) {
    const fits = FARGATE_SIZES.filter((s) => fargateMemoryChoices(s.cpu).includes(memory as number)).map(
      (s) => s.cpu,
    );
    throw optionError(
      "container.memory",
      `${shown(memory)} GB does not fit a Fargate task of ${cpu} vCPU.`,
      `Fargate allows ${fargateSizesText()}${
        fits.length > 0 ? ` (${memory} GB fits ${fits.join(" or ")} vCPU)` : ""
      }.`,
    );
  }
  const ephemeralStorage = checkRange(
    "container.ephemeralStorage",
    options.ephemeralStorage ?? FARGATE_DEFAULT_STORAGE_GIB,
    FARGATE_DEFAULT_STORAGE_GIB,
    FARGATE_MAX_STORAGE_GIB,
    "GiB",
  );
  const architecture = options.architecture ?? "x86_64";
  if (architecture !== "x86_64" && architecture !== "arm64") {
    throw optionError(
      "container.architecture",
      `${shown(architecture)} is not a Fargate architecture.`,
      `Use "x86_64" (Fargate's X86_64) or "arm64" (ARM64).`,
    );
  }
  const timeout = checkRange("container.timeout", options.timeout ?? 3600, 1, CONTAINER_MAX_TIMEOUT, "s");
  const config = { cpu, memory, ephemeralStorage, architecture, timeout };
  return deepFreeze({ kind: "container", id: executorId("container", config), ...config });
}
