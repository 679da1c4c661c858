import type { BucketNode, ExecutorNode } from "@glacier/core";
import { absurd } from "@glacier/core/internal";
import { ellipsize } from "./text-metrics.js";

/** Longest label on a node, in characters; longer ones keep both ends around an ellipsis. */
export const MAX_CHARS = 48;

/**
 * A bucket's two lines: its file (or `dir/*.parquet` for a glob) in bold, and where it is stored: `S3` or
 * `local`, and the folder above it (`S3 · cleaned/`). The bucket name is shown only when the graph spans several buckets:
 * repeating one name on every node only widens the drawing, and the page's header names it.
 */
export function bucketLines(bucket: BucketNode, showBucket: boolean): { title: string; sub: string } {
  const dataset = bucket.path.endsWith("/");
  const segments = bucket.path.replace(/\/$/, "").split("/");
  const keep = segments.length > 1 && (segments.at(-1) ?? "").includes("*") ? 2 : 1;
  const title = `${segments.slice(-keep).join("/")}${dataset ? "/" : ""}`;
  const folder = segments
    .slice(0, -keep)
    .map((s) => `${s}/`)
    .join("");
  const where = bucket.provider.cloud === "aws" ? "S3" : "local";
  const sub = `${where} · ${showBucket ? `${bucket.bucket}/` : ""}${folder}`;
  return { title: ellipsize(title, MAX_CHARS), sub: ellipsize(sub, MAX_CHARS) };
}

/**
 * Where a task runs, in a few words on its node: the service and its sizing, and the time it may take (the
 * task's `timeout`, else Lambda's own). The details panel has the rest.
 *
 * @example
 * ```ts
 * executorLine(provider.serverless({ memory: 3008, timeout: 600 }).node); // "Lambda · 3008 MB · 600 s"
 * executorLine(provider.spark({ workers: 4 }).node, 1800); // "EMR Serverless · 4 × 4 vCPU · 1800 s"
 * ```
 */
export function executorLine(executor: ExecutorNode, timeout?: number): string {
  const limit = timeout === undefined ? "" : ` · ${timeout} s`;
  switch (executor.kind) {
    case "local":
      return `local${limit}`;
    case "serverless":
      return `Lambda · ${executor.memory} MB · ${timeout ?? executor.timeout} s`;
    case "spark":
      return `EMR Serverless · ${executor.workers} × ${executor.executor.cpu} vCPU${limit}`;
    case "container":
      return `Fargate · ${executor.cpu} vCPU · ${executor.memory} GB`;
    default:
      return absurd(executor);
  }
}
