import { mkdirSync } from "node:fs";
import { rm, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { type Format, GlacierError, type Schema, type StepNode } from "@glacier/core";
import { absurd } from "@glacier/core/internal";
import { hashFile } from "./content-hash.js";
import { messageOf, storageError, storageProblem } from "./errors.js";
import { tempUrl, type OutputTarget } from "./output-target.js";
import { parquetRowCount } from "./parquet-footer.js";
import type { LazyFrame, Polars } from "./polars.js";
import { exportCloudEnv } from "./scan.js";
import { actualSchema, checkSchema, type ActualSchema } from "./schema-check.js";

/** What to write and where: everything {@link materialize} needs, as plain data (it crosses threads). */
export interface MaterializeJob {
  readonly step: string;
  readonly outputId: string;
  readonly format: Format;
  readonly target: OutputTarget;
  readonly schema?: Schema;
  /**
   * Leave a local output unhashed: the caller hashes the committed file itself, off the critical path
   * (the local executor, so the next step need not wait for the hash).
   */
  readonly deferHash?: boolean;
}

/** The job that writes a step's output to `target`. */
export function materializeJob(
  step: StepNode,
  target: OutputTarget,
  options: { readonly deferHash?: boolean } = {},
): MaterializeJob {
  return {
    step: step.name,
    outputId: step.output.id,
    format: step.output.format,
    target,
    ...(step.output.schema === undefined ? {} : { schema: step.output.schema }),
    ...(options.deferHash ? { deferHash: true } : {}),
  };
}

/** What was written to the temporary location. */
export interface Materialized {
  readonly rows: number;
  /** Read back when the output has a declared schema to check. */
  readonly schema?: ActualSchema;
  /** Local outputs only (S3 sizes and ETags come from the commit). */
  readonly bytes?: number;
  readonly fingerprint?: string;
}

/** The sinks' settings: they are part of every step's fingerprint, so changing them reruns everything. */
export const WRITER_SETTINGS = {
  parquet: { compression: "snappy", statistics: false },
  ipc: { compression: "uncompressed" },
  // Streaming may reorder rows unless told not to, and identical inputs must give byte-identical outputs.
  maintainOrder: true,
} as const;

/**
 * Sinks do not fsync. A commit survives a killed process without it (written data is in the page cache), and
 * an output a power cut left truncated or empty no longer matches the stat and content fingerprint its step
 * recorded, so the next run reruns that step ("output changed"). fsync cost ~0.3 s per 600 MB output here,
 * ~3% of the benchmark.
 */
const SYNC_ON_CLOSE = "none";

/** Options every sink shares: order kept, no fsync, the temporary directory made by us (0.26 defaults `mkdir` off). */
const SINK_OPTIONS = {
  maintainOrder: WRITER_SETTINGS.maintainOrder,
  syncOnClose: SYNC_ON_CLOSE,
  mkdir: true,
} as const;

/**
 * Runs the frame into the temporary location with the polars streaming sink of the format. Since
 * nodejs-polars 0.26 a sink returns a lazy frame that writes only when collected; `collectSync` with the
 * streaming engine runs it (the async `collect` ignores the engine and materialises in memory).
 */
export function sinkFrame(frame: LazyFrame, format: Format, target: OutputTarget): void {
  const path = tempUrl(target);
  const cloud = target.kind === "s3" ? { cloudOptions: { ...target.cloudOptions } } : {};
  if (target.kind === "file") mkdirSync(dirname(path), { recursive: true });
  else if (format !== "parquet") exportCloudEnv(target.cloudOptions);
  let sink: LazyFrame;
  switch (format) {
    case "parquet":
      sink = frame.sinkParquet(path, { ...WRITER_SETTINGS.parquet, ...cloud, ...SINK_OPTIONS });
      break;
    case "csv":
      sink = frame.sinkCSV(path, SINK_OPTIONS);
      break;
    case "ndjson":
      sink = frame.sinkNdJson(path, SINK_OPTIONS);
      break;
    case "ipc":
      sink = frame.sinkIpc(path, { ...WRITER_SETTINGS.ipc, ...SINK_OPTIONS });
      break;
    default:
      return absurd(format, "format");
  }
  sink.collectSync({ engine: "streaming" });
}

/** A lazy scan of what was written to the temporary location, before its commit. */
export function scanWritten(pl: Polars, format: Format, target: OutputTarget): LazyFrame {
  const path = tempUrl(target);
  const cloud = target.kind === "s3" ? { cloudOptions: { ...target.cloudOptions } } : {};
  switch (format) {
    case "parquet":
      return pl.scanParquet(path, cloud);
    case "csv":
      return pl.scanCSV(path);
    case "ndjson":
      return pl.scanJson(path);
    case "ipc":
      return pl.scanIPC(path);
    default:
      return absurd(format, "format");
  }
}

/** Reads back what was written: its row count (one query) and its schema (a footer or header). */
export function measureOutput(
  pl: Polars,
  format: Format,
  target: OutputTarget,
): { rows: number; schema: ActualSchema } {
  const scan = (): LazyFrame => scanWritten(pl, format, target);
  const counted = scan().select(pl.len().alias("rows")).collectSync();
  const rows = Number(counted.getColumn("rows").get(0));
  return { rows, schema: actualSchema(scan().limit(0).collectSync()) };
}

/**
 * Writes a step's result to its temporary location and checks it, without committing: the streaming sink,
 * then the schema (declared types for Parquet and IPC; names for CSV and NDJSON, which hold no types), the
 * row count and, for local files, size and content hash (unless `deferHash`). Runs wherever polars may block: a worker thread of
 * the local executor, or the only thread of a Lambda. On failure the temporary file is removed.
 */
export async function materialize(pl: Polars, frame: LazyFrame, job: MaterializeJob): Promise<Materialized> {
  try {
    try {
      sinkFrame(frame, job.format, job.target);
    } catch (error) {
      throw writeError(error, job);
    }
    // The schema is always read (a footer or header): a declared one is checked against it, and the run's
    // lineage events carry it. A local Parquet file's row count comes from its footer, with no query.
    const measured =
      job.format === "parquet" && job.target.kind === "file"
        ? {
            rows: await parquetRowCount(job.target.temp),
            schema: actualSchema(scanWritten(pl, job.format, job.target).limit(0).collectSync()),
          }
        : measureOutput(pl, job.format, job.target);
    if (job.schema && measured.schema) {
      const typed = job.format === "parquet" || job.format === "ipc";
      checkSchema(job.outputId, job.schema, measured.schema, `the output of step "${job.step}"`, {
        namesOnly: !typed,
      });
    }
    if (job.target.kind !== "file") return measured;
    const written = await stat(job.target.temp);
    if (job.deferHash) return { ...measured, bytes: written.size };
    return { ...measured, bytes: written.size, fingerprint: await hashFile(job.target.temp) };
  } catch (error) {
    if (job.target.kind === "file") await rm(job.target.temp, { force: true });
    throw error;
  }
}

function writeError(error: unknown, job: MaterializeJob): GlacierError {
  if (GlacierError.is(error)) return error;
  const problem = storageProblem(error);
  if (job.target.kind === "s3" && (problem === "denied" || problem === "unreachable")) {
    return storageError("cannot write", tempUrl(job.target), error, { kind: "bucket", name: job.outputId });
  }
  const message = messageOf(error);
  const code = (error as { code?: string }).code ?? "";
  const where = job.target.kind === "file" ? dirname(job.target.final) : tempUrl(job.target);
  if (
    /^(EACCES|EPERM|EROFS|ENOTDIR|EEXIST|EISDIR)$/.test(code) ||
    /Permission denied|Read-only file system|Not a directory|Operation not permitted|os error (1|13|20|30)\b/.test(
      message,
    )
  ) {
    return new GlacierError(
      "STORAGE_ERROR",
      `cannot write ${job.outputId} under ${where}: ${messageOf(error, true)}.`,
      {
        subject: { kind: "step", name: job.step },
        hint: `Make ${where} a writable directory (no file in its place), or point the bucket at a writable place; the previous output is intact.`,
        cause: error,
      },
    );
  }
  if (/No space left on device|File too large|os error 28|os error 27/.test(message)) {
    return new GlacierError("STORAGE_ERROR", `writing ${job.outputId} failed: ${messageOf(error, true)}`, {
      subject: { kind: "step", name: job.step },
      hint: "Free disk space where the output lives; the previous output is intact.",
      cause: error,
    });
  }
  return new GlacierError("TASK_FAILED", `task failed while running: ${messageOf(error, true)}`, {
    subject: { kind: "step", name: job.step },
    hint: "Fix the task's query; polars' full message is in the run log.",
    cause: error,
  });
}
