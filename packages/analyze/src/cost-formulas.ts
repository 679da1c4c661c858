import type { RegionPrices } from "./prices.js";

/**
 * The published pricing formulas, one function per service. Pure arithmetic on exact numbers: rounding
 * happens only when a report is rendered. Every item says what was billed, how much, and at what price.
 */

/** One billed line: `quantity` `unit`s at `unitPriceUsd` each. */
export interface CostItem {
  readonly service: "lambda" | "emr-serverless" | "fargate" | "s3" | "step-functions" | "data-transfer";
  readonly usage: string;
  readonly quantity: number;
  readonly unit: string;
  readonly unitPriceUsd: number;
  readonly usd: number;
}

function item(
  service: CostItem["service"],
  usage: string,
  quantity: number,
  unit: string,
  price: number,
): CostItem {
  return { service, usage, quantity, unit, unitPriceUsd: price, usd: quantity * price };
}

export const MIB = 1024 * 1024;
export const GIB = 1024 * MIB;

/**
 * One Lambda invocation: GB-seconds at the configured memory (MB / 1024, as AWS's examples do), duration
 * rounded up to the millisecond, plus one request, plus ephemeral storage beyond the free 512 MB.
 *
 * @example
 * ```ts
 * // 2048 MB x86 for 10 s in eu-west-1: 2 GB × 10 s = 20 GB-s × $0.0000166667 + 1 × $0.0000002
 * lambdaCost({ memory: 2048, architecture: "x86_64", ephemeralStorage: 512 }, 10, prices);
 * // [{ usage: "duration", quantity: 20, unit: "GB-s", usd: 0.000333334 }, { usage: "requests", quantity: 1, … }]
 * ```
 */
export function lambdaCost(
  fn: {
    readonly memory: number;
    readonly architecture: "x86_64" | "arm64";
    readonly ephemeralStorage: number;
  },
  seconds: number,
  prices: RegionPrices,
): CostItem[] {
  const billed = Math.ceil(seconds * 1000) / 1000;
  const items = [
    item(
      "lambda",
      `duration (${fn.architecture})`,
      (fn.memory / 1024) * billed,
      "GB-s",
      prices.lambdaGbSecond[fn.architecture],
    ),
    item("lambda", "requests", 1, "request", prices.lambdaRequest),
  ];
  const extra = Math.max(0, fn.ephemeralStorage - 512);
  if (extra > 0) {
    items.push(
      item(
        "lambda",
        "ephemeral storage > 512 MB",
        (extra / 1024) * billed,
        "GB-s",
        prices.lambdaEphemeralGbSecond,
      ),
    );
  }
  return items;
}

/** How long an EMR Serverless application stays started after its last job (the generated auto-stop). */
export const EMR_IDLE_TIMEOUT_SECONDS = 15 * 60;
/** EMR Serverless bills each worker for at least one minute. */
export const EMR_MINIMUM_SECONDS = 60;

/**
 * One EMR Serverless job on the application `generate` creates. Its driver and executors are
 * pre-initialised capacity, billed while the application is started: the job's duration (at least one
 * minute) plus the idle time until auto-stop. Storage up to 20 GB per worker is free and not modelled.
 *
 * @example
 * ```ts
 * // driver 2 vCPU/8 GB + 4 executors × 4 vCPU/16 GB = 18 vCPU, 72 GB; a 300 s job → 300 + 900 s = 1/3 h
 * emrCost({ driver: { cpu: 2, memory: 8 }, executor: { cpu: 4, memory: 16 }, workers: 4 }, 300, prices);
 * // 18 × 1/3 = 6 vCPU-h × $0.052624 = $0.315744;  72 × 1/3 = 24 GB-h × $0.0057785 = $0.138684
 * ```
 */
export function emrCost(
  app: {
    readonly driver: { readonly cpu: number; readonly memory: number };
    readonly executor: { readonly cpu: number; readonly memory: number };
    readonly workers: number;
  },
  seconds: number,
  prices: RegionPrices,
): CostItem[] {
  const hours = (Math.max(EMR_MINIMUM_SECONDS, seconds) + EMR_IDLE_TIMEOUT_SECONDS) / 3600;
  const vcpu = app.driver.cpu + app.workers * app.executor.cpu;
  const memory = app.driver.memory + app.workers * app.executor.memory;
  return [
    item(
      "emr-serverless",
      `vCPU (${vcpu} vCPU incl. ${EMR_IDLE_TIMEOUT_SECONDS / 60} min idle)`,
      vcpu * hours,
      "vCPU-h",
      prices.emrVcpuHour,
    ),
    item(
      "emr-serverless",
      `memory (${memory} GB incl. ${EMR_IDLE_TIMEOUT_SECONDS / 60} min idle)`,
      memory * hours,
      "GB-h",
      prices.emrGbHour,
    ),
  ];
}

/** Fargate bills each task for at least one minute, then per second. */
export const FARGATE_MINIMUM_SECONDS = 60;
/** Task storage Fargate includes, GB; more is billed per GB-hour. */
export const FARGATE_FREE_STORAGE_GB = 20;

/**
 * One ECS task on Fargate (Linux): vCPU-hours and GB-hours at the task's size for its duration (per second,
 * at least one minute), plus storage beyond the free 20 GB.
 *
 * @example
 * ```ts
 * // 4 vCPU / 30 GB x86 for 30 min: 4 × 0.5 = 2 vCPU-h × $0.04048;  30 × 0.5 = 15 GB-h × $0.004445
 * fargateCost({ cpu: 4, memory: 30, ephemeralStorage: 20, architecture: "x86_64" }, 1800, prices);
 * // [{ usage: "vCPU (4 vCPU, x86_64)", quantity: 2, usd: 0.08096 }, { usage: "memory (30 GB, x86_64)", quantity: 15, usd: 0.066675 }]
 * ```
 */
export function fargateCost(
  task: {
    readonly cpu: number;
    readonly memory: number;
    readonly ephemeralStorage: number;
    readonly architecture: "x86_64" | "arm64";
  },
  seconds: number,
  prices: RegionPrices,
): CostItem[] {
  const hours = Math.max(FARGATE_MINIMUM_SECONDS, Math.ceil(seconds)) / 3600;
  const arm = task.architecture === "arm64";
  const items = [
    item(
      "fargate",
      `vCPU (${task.cpu} vCPU, ${task.architecture})`,
      task.cpu * hours,
      "vCPU-h",
      arm ? prices.fargateArmVcpuHour : prices.fargateVcpuHour,
    ),
    item(
      "fargate",
      `memory (${task.memory} GB, ${task.architecture})`,
      task.memory * hours,
      "GB-h",
      arm ? prices.fargateArmGbHour : prices.fargateGbHour,
    ),
  ];
  const extra = Math.max(0, task.ephemeralStorage - FARGATE_FREE_STORAGE_GB);
  if (extra > 0) {
    items.push(
      item(
        "fargate",
        `storage > ${FARGATE_FREE_STORAGE_GB} GB`,
        extra * hours,
        "GB-h",
        prices.fargateStorageGbHour,
      ),
    );
  }
  return items;
}

/** Ranged GETs polars issues per file, one per this many bytes (its default read block is 8 MiB). */
export const READ_BLOCK_BYTES = 8 * MIB;
/** Multipart part size of polars' S3 sink (object_store's default is 10 MiB). */
export const PART_BYTES = 10 * MIB;

/** What a step does to S3: the files it reads and the bytes it writes. */
export interface S3Traffic {
  readonly reads: readonly { readonly files: number; readonly bytes: number; readonly dataset: boolean }[];
  readonly writeBytes: number;
}

/**
 * S3 requests of one step: per input file a HEAD, and one GET per 8 MiB read (at least one per file); a LIST
 * per 1,000 files of a dataset;
 * the output as one PUT, or multipart (create + one part per 10 MiB + complete, all billed as PUT).
 *
 * @example
 * ```ts
 * // one 100 MiB file in, 30 MiB out: GET 1 + 13 = 14; PUT 1 + 3 + 1 = 5
 * s3RequestCost({ reads: [{ files: 1, bytes: 100 * MIB, dataset: false }], writeBytes: 30 * MIB }, prices);
 * ```
 */
export function s3RequestCost(traffic: S3Traffic, prices: RegionPrices): CostItem[] {
  let gets = 0;
  let lists = 0;
  for (const read of traffic.reads) {
    gets += read.files + Math.max(read.files, Math.ceil(read.bytes / READ_BLOCK_BYTES));
    if (read.dataset) lists += Math.max(1, Math.ceil(read.files / 1000));
  }
  const puts = traffic.writeBytes <= PART_BYTES ? 1 : 2 + Math.ceil(traffic.writeBytes / PART_BYTES);
  const items = [
    item("s3", "GET/HEAD requests", gets, "request", prices.s3GetRequest),
    item("s3", "PUT requests", puts, "request", prices.s3PutRequest),
  ];
  if (lists > 0) items.push(item("s3", "LIST requests", lists, "request", prices.s3PutRequest));
  return items;
}

/** Bytes moved between regions, billed once per GB (GiB) by the sending region. */
export function transferCost(bytes: number, prices: RegionPrices): CostItem[] {
  return bytes > 0
    ? [item("data-transfer", "inter-region", bytes / GIB, "GB", prices.interRegionTransferGb)]
    : [];
}

/** State transitions of Step Functions standard workflows. */
export function stepFunctionsCost(transitions: number, prices: RegionPrices): CostItem[] {
  return [
    item("step-functions", "state transitions", transitions, "transition", prices.stepFunctionsTransition),
  ];
}

/** S3 Standard storage for a month. */
export function storageCost(usage: string, bytes: number, prices: RegionPrices): CostItem {
  return item("s3", usage, bytes / GIB, "GB-month", prices.s3StorageGbMonth);
}

/** Sum of items in USD. */
export function sumUsd(items: readonly CostItem[]): number {
  return items.reduce((total, i) => total + i.usd, 0);
}
