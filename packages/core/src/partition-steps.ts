import { absurd } from "./absurd.js";
import { GlacierError } from "./errors.js";
import { FILE_EXTENSIONS } from "./formats.js";
import { inputBuckets, type BucketNode, type StepInput, type StepNode } from "./nodes.js";
import {
  allPartitionsPath,
  describeScheme,
  partitionPath,
  sameScheme,
  type PartitionScheme,
} from "./partitions.js";
import { deepFreeze } from "./stable-id.js";

/**
 * How a step meets partitions:
 * - `none`: nothing it reads or writes is partitioned;
 * - `per-partition`: its output is partitioned, so it runs once per key; its inputs with the same scheme are
 *   read one partition at a time, the unpartitioned ones whole;
 * - `all`: its output is not partitioned but an input is (an aggregate): it runs once, reading every
 *   materialised partition of those inputs.
 */
export type StepPartitioning =
  | { readonly kind: "none" }
  | { readonly kind: "per-partition"; readonly scheme: PartitionScheme }
  | { readonly kind: "all" };

/**
 * The partitioning of a step reading `input` into `output`; PARTITION_MISMATCH when a partitioned input and a
 * partitioned output (or two partitioned inputs of a per-partition step) split differently.
 *
 * @example
 * ```ts
 * stepPartitioning("clean", { kind: "single", bucket: events }, cleaned); // both daily from 2026-01-01
 * // { kind: "per-partition", scheme: { kind: "daily", key: "day", start: "2026-01-01" } }
 * ```
 */
export function stepPartitioning(taskName: string, input: StepInput, output: BucketNode): StepPartitioning {
  const partitioned = inputBuckets(input).filter(([, b]) => b.partitions !== undefined);
  const scheme = output.partitions;
  if (scheme === undefined) return partitioned.length > 0 ? { kind: "all" } : { kind: "none" };
  for (const [key, bucket] of partitioned) {
    const theirs = bucket.partitions as PartitionScheme;
    if (!sameScheme(theirs, scheme)) {
      throw new GlacierError(
        "PARTITION_MISMATCH",
        `step "${taskName}" reads ${bucket.id}${input.kind === "multi" ? ` (input "${key}")` : ""}, partitioned ${describeScheme(theirs)}, into ${output.id}, partitioned ${describeScheme(scheme)}.`,
        {
          subject: { kind: "step", name: `${taskName}->${output.id}` },
          hint: "Give both buckets the same scheme (same kind, start, end and key), or write to an unpartitioned bucket to read every partition.",
        },
      );
    }
  }
  return { kind: "per-partition", scheme };
}

/** A partition of a partitioned bucket as a bucket of its own (the placeholder filled in). */
export function partitionBucket(bucket: BucketNode, key: string): BucketNode {
  const scheme = bucket.partitions as PartitionScheme;
  const path = partitionPath(bucket.path, scheme, key);
  const { partitions: _, ...rest } = bucket;
  return deepFreeze({
    ...rest,
    id: `${bucket.bucket}/${path}`,
    path,
    location: partitionPath(bucket.location, scheme, key),
  });
}

/** Every partition of a partitioned bucket as one glob dataset: what an aggregate reads. */
export function allPartitionsBucket(bucket: BucketNode): BucketNode {
  const scheme = bucket.partitions as PartitionScheme;
  const extension = FILE_EXTENSIONS[bucket.format];
  const path = allPartitionsPath(bucket.path, scheme, extension);
  const prefix = bucket.location.slice(0, bucket.location.length - bucket.path.length);
  const { partitions: _, ...rest } = bucket;
  return deepFreeze({
    ...rest,
    id: `${bucket.bucket}/${path}`,
    path,
    location: prefix + path,
    dataset: true,
    allPartitionsOf: scheme,
  });
}

/**
 * The units of one step for a run over `keys` (by scheme): one per key for a per-partition step, with the
 * partition buckets filled in; one for an aggregate, reading every partition through a glob and ordered
 * after the units that write them (`partition.after`); the step itself when partitions do not touch it.
 *
 * @example
 * ```ts
 * partitionUnits(clean, () => ["2026-12-01", "2026-12-02"]).map((u) => u.id);
 * // ["clean->acme/clean/day=2026-12-01/", "clean->acme/clean/day=2026-12-02/"]
 * ```
 */
export function partitionUnits(
  step: StepNode,
  keysOf: (scheme: PartitionScheme, bucket: BucketNode) => readonly string[],
  written: (bucket: BucketNode) => readonly string[],
): readonly StepNode[] {
  const partitioning = stepPartitioning(step.name, step.input, step.output);
  switch (partitioning.kind) {
    case "none":
      return [step];
    case "all": {
      const after = inputBuckets(step.input).flatMap(([, b]) => (b.partitions ? written(b) : []));
      const input = mapInput(step.input, (b) => (b.partitions ? allPartitionsBucket(b) : b));
      return [
        deepFreeze({
          ...step,
          input,
          partition: { key: null, stepId: step.id, stepName: step.name, after },
        }),
      ];
    }
    case "per-partition":
      return keysOf(partitioning.scheme, step.output).map((key) => {
        const output = partitionBucket(step.output, key);
        const input = mapInput(step.input, (b) => (b.partitions ? partitionBucket(b, key) : b));
        return deepFreeze({
          ...step,
          id: `${step.name}->${output.id}`,
          name: `${step.name}[${key}]`,
          input,
          output,
          partition: { key, stepId: step.id, stepName: step.name, after: [] },
        });
      });
    default:
      return absurd(partitioning, "partitioning");
  }
}

function mapInput(input: StepInput, map: (bucket: BucketNode) => BucketNode): StepInput {
  if (input.kind === "single") return { kind: "single", bucket: map(input.bucket) };
  return {
    kind: "multi",
    buckets: Object.fromEntries(Object.entries(input.buckets).map(([key, b]) => [key, map(b)])),
  };
}
