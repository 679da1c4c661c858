import { posix } from "node:path";
import { Bucket, type BucketOptions, createBucketNode } from "./bucket.js";
import { GlacierError } from "./errors.js";
import {
  containerExecutorNode,
  Executor,
  localExecutorNode,
  serverlessExecutorNode,
  sparkExecutorNode,
  type ContainerOptions,
  type ServerlessOptions,
  type SparkOptions,
} from "./executor.js";
import type {
  ContainerExecutorNode,
  LocalExecutorNode,
  ProviderNode,
  ServerlessExecutorNode,
  SparkExecutorNode,
} from "./nodes.js";
import type { PartitionKind, PartitionScheme } from "./partitions.js";
import { deepFreeze } from "./stable-id.js";

/** The partition kind of `provider.bucket(options)`: `null` without `partitions`. */
export type PartitionKindOf<O> = O extends { readonly partitions: PartitionScheme<infer K> }
  ? K
  : O extends { readonly partitions?: PartitionScheme<infer K> }
    ? [PartitionKind] extends [K]
      ? K | null
      : K
    : null;

/** Configuration of a {@link Provider}. */
export type ProviderConfig =
  | {
      readonly cloud: "aws";
      /** e.g. `"eu-west-1"`. */
      readonly region: string;
      /** 12 digits; lets generated policies name exact ARNs. */
      readonly accountId?: string;
      /** Tags for every generated resource. */
      readonly tags?: Readonly<Record<string, string>>;
    }
  | {
      readonly cloud: "local";
      /** Directory holding `<bucket>/<path>`; relative paths resolve against the working directory. */
      readonly basePath: string;
    };

function providerError(option: string, message: string, hint: string): GlacierError {
  return new GlacierError("INVALID_PROVIDER", message, { subject: { kind: "option", name: option }, hint });
}

function providerNode(config: ProviderConfig): ProviderNode {
  if (typeof config !== "object" || config === null) {
    throw providerError(
      "provider",
      "new Provider() needs a configuration.",
      `Write new Provider({ cloud: "aws", region: "eu-west-1" }).`,
    );
  }
  if (config.cloud === "aws") {
    if (typeof config.region !== "string" || !/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/.test(config.region)) {
      throw providerError(
        "provider.region",
        `${JSON.stringify(config.region)} is not an AWS region.`,
        `Use a region code such as "eu-west-1".`,
      );
    }
    if (
      config.accountId !== undefined &&
      (typeof config.accountId !== "string" || !/^\d{12}$/.test(config.accountId))
    ) {
      throw providerError(
        "provider.accountId",
        `${JSON.stringify(config.accountId)} is not a 12-digit AWS account id.`,
        "Leave it out or give the 12 digits.",
      );
    }
    const tags = checkTags(config.tags ?? {});
    return deepFreeze({
      kind: "provider",
      cloud: "aws",
      region: config.region,
      ...(config.accountId === undefined ? {} : { accountId: config.accountId }),
      tags,
    });
  }
  if (config.cloud === "local") {
    if (typeof config.basePath !== "string" || config.basePath.trim() === "") {
      throw providerError(
        "provider.basePath",
        "a local provider needs a basePath.",
        `Write new Provider({ cloud: "local", basePath: "./data" }).`,
      );
    }
    // One directory, one spelling: "./data", "data/" and "data" must give the same bucket locations, or the
    // graph (keyed by location) would not connect pipelines that name the directory differently.
    return deepFreeze({
      kind: "provider",
      cloud: "local",
      basePath: posix.normalize(config.basePath).replace(/(.)\/+$/, "$1"),
    });
  }
  throw providerError(
    "provider.cloud",
    `${JSON.stringify((config as { cloud: unknown }).cloud)} is not a supported cloud.`,
    `Use cloud: "aws" or cloud: "local".`,
  );
}

/** AWS's rules for tags, checked now so `terraform apply` does not fail on them later. */
function checkTags(tags: unknown): Readonly<Record<string, string>> {
  if (typeof tags !== "object" || tags === null || Array.isArray(tags)) {
    throw providerError(
      "provider.tags",
      "tags must be an object of key to value.",
      `Write tags: { team: "data" }.`,
    );
  }
  const entries = Object.entries(tags);
  if (entries.length > 50) {
    throw providerError(
      "provider.tags",
      `${entries.length} tags is more than AWS's 50 per resource.`,
      "Keep at most 50 tags.",
    );
  }
  const allowed = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
  for (const [key, value] of entries) {
    if (
      typeof value !== "string" ||
      key.length === 0 ||
      key.length > 128 ||
      value.length > 256 ||
      !allowed.test(key) ||
      !allowed.test(value)
    ) {
      throw providerError(
        "provider.tags",
        `tag ${JSON.stringify(key)} is not a valid AWS tag.`,
        "Use string keys (1–128 characters) and string values (≤ 256) of letters, digits, spaces and + - = . _ : / @.",
      );
    }
    if (key.toLowerCase().startsWith("aws:")) {
      throw providerError(
        "provider.tags",
        `tag ${JSON.stringify(key)} uses the aws: prefix, which AWS reserves.`,
        "Rename the tag key.",
      );
    }
  }
  return { ...(tags as Record<string, string>) };
}

/**
 * Where buckets live and tasks run. One provider per account/region (or local directory).
 *
 * @example
 * ```ts
 * const provider = new Provider({ cloud: "aws", region: "eu-west-1" });
 * const raw = provider.bucket({ bucket: "acme-data", path: "raw/sales.parquet" });
 * // raw.location === "s3://acme-data/raw/sales.parquet"
 * const local = new Provider({ cloud: "local", basePath: "./data" });
 * // local.bucket({ bucket: "acme", path: "raw/sales.csv" }).location === "data/acme/raw/sales.csv"
 * ```
 */
export class Provider {
  readonly node: ProviderNode;

  constructor(config: ProviderConfig) {
    this.node = providerNode(config);
    Object.freeze(this);
  }

  get cloud(): ProviderNode["cloud"] {
    return this.node.cloud;
  }

  /** Runs tasks in the orchestrating process (locally, or wherever `glacier run` runs). */
  local(): Executor<LocalExecutorNode> {
    return new Executor(localExecutorNode());
  }

  /**
   * AWS Lambda. Limits are checked now: memory 128–10240 MB, timeout 1–900 s, ephemeral storage 512–10240 MB.
   *
   * @example
   * ```ts
   * const lambda = provider.serverless({ memory: 2048, timeout: 300 }); // runtime: "nodejs24.x" (or "nodejs22.x")
   * // generate → aws_lambda_function { memory_size = 2048, timeout = 300, runtime = "nodejs24.x" }
   * ```
   */
  serverless(options: ServerlessOptions = {}): Executor<ServerlessExecutorNode> {
    return new Executor(serverlessExecutorNode(options));
  }

  /**
   * EMR Serverless (Spark). Tasks on it are written with `sql()`.
   *
   * @example
   * ```ts
   * const spark = provider.spark({ workers: 4, executor: { cpu: 4, memory: 16 } });
   * // generate → aws_emrserverless_application { release_label = "emr-7.14.0", type = "spark" }
   * ```
   */
  spark(options: SparkOptions = {}): Executor<SparkExecutorNode> {
    return new Executor(sparkExecutorNode(options));
  }

  /**
   * ECS on Fargate: the same Polars tasks as `serverless()`, on a machine larger than Lambda (up to 16 vCPU,
   * 120 GB of memory, 200 GiB of task storage, no 15-minute limit). The size is checked now against Fargate's
   * allowed CPU/memory pairs. `glacier generate` runs it from a public Node 24 image: no image to build.
   *
   * @example
   * ```ts
   * const big = provider.container({ cpu: 8, memory: 60, ephemeralStorage: 100 });
   * // generate → aws_ecs_task_definition { cpu = "8192", memory = "61440", ephemeral_storage { size_in_gib = 100 } }
   * ```
   */
  container(options: ContainerOptions): Executor<ContainerExecutorNode> {
    return new Executor(containerExecutorNode(options));
  }

  /**
   * A storage location. Format comes from the extension unless given; a glob or trailing `/` is a dataset.
   *
   * @example
   * ```ts
   * provider.bucket({ bucket: "acme-data", path: "events/*.jsonl" });
   * // BucketNode { id: "acme-data/events/*.jsonl", format: "ndjson", dataset: true }
   * ```
   */
  bucket<const O extends BucketOptions>(options: O): Bucket<PartitionKindOf<O>> {
    return Bucket.fromNode(createBucketNode(this.node, options)) as Bucket<PartitionKindOf<O>>;
  }
}
