import { open } from "node:fs/promises";
import { type BucketNode, GlacierError, type StepNode } from "@glacier/core";
import { stepInputs } from "@glacier/core/internal";
import { listContentFiles } from "./content-files.js";
import { messageOf } from "./errors.js";
import type { Polars } from "./polars.js";
import { fileLocation, scanBucket } from "./scan.js";
import { describeLocation, resolveLocation, type ResolvedLocation, type StorageOptions } from "./storage.js";

/** polars' words for data it could not read (as opposed to a query it could not run). */
const READ_FAILURE =
  /File out of specification|snap(py)? error|found more fields than defined|invalid utf-?8|could not parse .* as dtype|data type mismatch for column|extra column in file|schema lengths differ|must end with PAR1|decompress|thrift|unexpected end of file|JoinError|panicked/i;

/**
 * The 1-based line of a CSV value polars could not parse. polars gives the offset of the batch it was reading
 * and the value and column number, so the line is the first from that offset whose field holds the value (a
 * plain split: when quoting hides it, no line is given rather than a wrong one).
 */
async function csvLine(
  path: string,
  offset: number,
  value: string,
  column: number,
): Promise<number | undefined> {
  try {
    const handle = await open(path, "r");
    try {
      const window = 8 * 1024 * 1024;
      const head = Buffer.alloc(Math.min(offset, window));
      const { bytesRead: before } = await handle.read(
        head,
        0,
        head.length,
        Math.max(0, offset - head.length),
      );
      if (offset > window) return undefined;
      let line = 1;
      for (let i = 0; i < before; i++) if (head[i] === 10) line++;
      const tail = Buffer.alloc(window);
      const { bytesRead } = await handle.read(tail, 0, tail.length, offset);
      const lines = tail.subarray(0, bytesRead).toString("utf8").split("\n");
      for (const [i, text] of lines.entries()) {
        const field = text.split(",")[column - 1]?.replace(/^"|"$/g, "").trim();
        if (field === value) return line + i;
      }
      return undefined;
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
}

/** SOURCE_UNREADABLE (or SCHEMA_MISMATCH, for a value that breaks the declared type) naming the file. */
async function unreadable(bucket: BucketNode, at: ResolvedLocation, error: unknown): Promise<GlacierError> {
  const full = messageOf(error);
  const first = messageOf(error, true);
  const offset = /current offset in the file is (\d+) bytes/.exec(full)?.[1];
  const parse = /could not parse `([^`]*)` as dtype .* \(column number (\d+)\)/.exec(full);
  const line =
    offset !== undefined && parse && at.kind === "file"
      ? await csvLine(at.path, Number(offset), parse[1] as string, Number(parse[2]))
      : undefined;
  const where = `${describeLocation(at)}${line === undefined ? "" : ` (line ${line})`}`;
  if (bucket.schema && /could not parse .* as dtype/.test(first)) {
    return new GlacierError("SCHEMA_MISMATCH", `${where} does not match the declared schema: ${first}.`, {
      subject: { kind: "bucket", name: bucket.id },
      hint: "Fix the value in the data, or declare the column's real type in the bucket's schema.",
      cause: error,
    });
  }
  return new GlacierError("SOURCE_UNREADABLE", `${where} cannot be read as ${bucket.format}: ${first}.`, {
    subject: { kind: "bucket", name: bucket.id },
    hint: `Replace or repair the file (it is corrupt, truncated or not ${bucket.format}); the task is not at fault.`,
    cause: error,
  });
}

/**
 * When a step failed while polars read its data, finds the input file that cannot be read, by reading each of
 * the step's input files on its own, and returns the error that names it; null when every input reads (the
 * task is at fault after all). Runs only after a failure whose message says reading failed, so a good run pays
 * nothing.
 */
export async function blameSource(
  pl: Polars,
  step: StepNode,
  storage: StorageOptions | undefined,
  error: unknown,
): Promise<GlacierError | null> {
  if (!GlacierError.is(error) || error.code !== "TASK_FAILED" || !READ_FAILURE.test(error.message))
    return null;
  for (const [, bucket] of stepInputs(step)) {
    const location = resolveLocation(bucket, storage);
    const files = await listContentFiles(bucket, location, storage).catch(() => []);
    const single = { ...bucket, dataset: false };
    const targets = bucket.dataset
      ? files.map((f) => [fileLocation(location, f.relative), [f]] as const)
      : ([[location, []]] as const);
    for (const [at, known] of targets) {
      try {
        scanBucket(pl, single, at, known)
          .select(pl.all().nullCount())
          .collectSync({ engine: "streaming" } as never);
      } catch (failure) {
        return unreadable(bucket, at, failure);
      }
    }
  }
  return null;
}
