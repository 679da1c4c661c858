import type { BucketNode, ExecutorNode, LineageGraph } from "@glacier/core";
import { absurd } from "@glacier/core/internal";

/**
 * How an executor reads in a listing or a diagram: the service and its sizing.
 *
 * @example
 * ```ts
 * describeExecutor(provider.serverless({ memory: 2048, timeout: 300 }).node); // "Lambda · 2048 MB · 300 s"
 * describeExecutor(provider.spark({ workers: 4 }).node); // "EMR Serverless · 4 workers · emr-7.14.0"
 * describeExecutor(provider.container({ cpu: 4, memory: 16 }).node); // "Fargate · 4 vCPU · 16 GB · 3600 s"
 * ```
 */
export function describeExecutor(executor: ExecutorNode): string {
  switch (executor.kind) {
    case "local":
      return "local";
    case "serverless":
      return `Lambda · ${executor.memory} MB · ${executor.timeout} s`;
    case "spark":
      return `EMR Serverless · ${executor.workers} worker${executor.workers === 1 ? "" : "s"} · ${executor.releaseLabel}`;
    case "container":
      return `Fargate · ${executor.cpu} vCPU · ${executor.memory} GB · ${executor.timeout} s`;
    default:
      return absurd(executor);
  }
}

/** The executor's settings as label/value pairs, for details views. */
export function executorSettings(executor: ExecutorNode): readonly (readonly [string, string])[] {
  switch (executor.kind) {
    case "local":
      return [["runs", "in the orchestrating process"]];
    case "serverless":
      return [
        ["service", "AWS Lambda"],
        ["memory", `${executor.memory} MB`],
        ["timeout", `${executor.timeout} s`],
        ["ephemeral storage", `${executor.ephemeralStorage} MB`],
        ["architecture", executor.architecture],
        ...(executor.reservedConcurrency === undefined
          ? []
          : [["reserved concurrency", String(executor.reservedConcurrency)] as const]),
        ...Object.entries(executor.environment).map(([k, v]) => [`env ${k}`, v] as const),
      ];
    case "spark":
      return [
        ["service", "EMR Serverless"],
        ["workers", String(executor.workers)],
        ["driver", `${executor.driver.cpu} vCPU · ${executor.driver.memory} GB`],
        ["executor", `${executor.executor.cpu} vCPU · ${executor.executor.memory} GB`],
        ["release", executor.releaseLabel],
      ];
    case "container":
      return [
        ["service", "ECS on Fargate"],
        ["cpu", `${executor.cpu} vCPU`],
        ["memory", `${executor.memory} GB`],
        ["ephemeral storage", `${executor.ephemeralStorage} GiB`],
        ["architecture", executor.architecture],
        ["timeout", `${executor.timeout} s`],
      ];
    default:
      return absurd(executor);
  }
}

/** A bucket's part in the graph: read and never written (source), written and never read (sink), or both. */
export type BucketRole = "source" | "intermediate" | "sink" | "unused";

/** The {@link BucketRole} of each bucket, by location. */
export function bucketRoles(graph: LineageGraph): (bucket: BucketNode) => BucketRole {
  const sources = new Set(graph.sources().map((b) => b.location));
  const sinks = new Set(graph.sinks().map((b) => b.location));
  return (bucket) => {
    if (sources.has(bucket.location)) return "source";
    if (sinks.has(bucket.location)) return "sink";
    return graph.producerOf(bucket) ? "intermediate" : "unused";
  };
}
