import { type BucketNode, type ExecutorNode } from "@glacier/core";
import { absurd } from "@glacier/core/internal";
import { ellipsize } from "./text-metrics.js";

/** Longest label on a node, in characters; longer ones keep both ends around an ellipsis. */
export const MAX_CHARS = 48;

/**
 * A bucket's two lines: its file (or `dir/*.parquet` for a glob) in bold, and the folder above it. The bucket
 * name is shown only when the graph spans several buckets: repeating one name on every node only widens the
 * drawing, and the page's header names it.
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
  const sub = `${showBucket ? `${bucket.bucket}/` : ""}${folder}`;
  return { title: ellipsize(title, MAX_CHARS), sub: ellipsize(sub || `${bucket.format}`, MAX_CHARS) };
}

/** A task's executor in a few words: the details panel has the rest. */
export function executorLine(executor: ExecutorNode): string {
  switch (executor.kind) {
    case "local":
      return "local";
    case "serverless":
      return `Lambda · ${executor.memory} MB`;
    case "spark":
      return `EMR Serverless × ${executor.workers}`;
    default:
      return absurd(executor);
  }
}
