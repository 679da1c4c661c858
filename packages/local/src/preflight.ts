import { lstat, readlink, stat } from "node:fs/promises";
import { GlacierError, type BucketNode } from "@glacier/core";
import { checkOutputs, checkProjectStore } from "./output-checks.js";
import { loadPolars } from "./polars.js";
import type { RunContext } from "./run-context.js";
import { fileLocation, openSource, scanTarget } from "./scan.js";
import { checkSchema, type ActualSchema } from "./schema-check.js";
import { SourceCheckCache } from "./source-check-cache.js";
import { describeLocation } from "./storage.js";

/**
 * Checks everything a run can check before any step runs, so a bad input fails here, named, with nothing
 * written:
 * - `localStorage` (`--local-storage`) is a directory, when it exists;
 * - every source, every run: it exists (SOURCE_MISSING), each of its files reads as its format
 *   (SOURCE_UNREADABLE, naming the file), it matches its declared schema and a dataset's files agree with
 *   each other (SCHEMA_MISMATCH). Reading a schema costs a Parquet footer or a CSV header per file, so a source
 *   that was truncated, corrupted or changed since the last run is caught even when a step would be skipped;
 * - the project's `.glacier` directory can be written (STORAGE_ERROR), unless planning;
 * - every output can be written (STORAGE_ERROR: a read-only directory, a file where a directory must be) and
 *   no directory dataset holds files its step did not write (OUTPUT_NOT_OWNED).
 *
 * Nothing here reads a file's data pages: content hashes are computed later, in parallel with the first steps.
 * A source that passed the read check with the very content it holds now (same stat keys or ETags, same
 * declaration: `source-check-cache.ts`) is not opened again, so an unchanged project does not load polars here.
 */
export async function preflightSources(ctx: RunContext): Promise<void> {
  await checkLocalStorage(ctx);
  const passed = new SourceCheckCache(ctx.store, { readOnly: ctx.readOnly });
  const checked = await Promise.all(ctx.graph.sources().map((bucket) => checkSource(ctx, bucket, passed)));
  if (!ctx.readOnly) await checkProjectStore(ctx.store.root);
  await checkOutputs(ctx);
  // Kept once everything passed: a run refused here writes nothing, not even to the cache.
  await Promise.all(checked.map((remember) => remember?.()));
}

async function checkLocalStorage(ctx: RunContext): Promise<void> {
  const dir = ctx.storage.localStorage;
  if (dir === undefined) return;
  const found = await stat(dir).catch(() => null);
  if (found && !found.isDirectory()) {
    throw new GlacierError("INVALID_OPTION", `--local-storage ${dir} is a file, not a directory.`, {
      subject: { kind: "option", name: "localStorage" },
      hint: "Point --local-storage (localStorage) at a directory: every S3 bucket maps to <dir>/<bucket>/<path> in it.",
    });
  }
}

/** Checks one source; returns how to remember that it passed, when it was read to pass. */
async function checkSource(
  ctx: RunContext,
  bucket: BucketNode,
  passed: SourceCheckCache,
): Promise<(() => Promise<void>) | undefined> {
  const location = ctx.location(bucket);
  const content = await ctx.listing(bucket);
  if (!content.exists && location.kind === "file") {
    const path = location.path.replace(/\/$/, "");
    const found = bucket.dataset && !location.path.endsWith("/") ? null : await stat(path).catch(() => null);
    if (found && found.isDirectory() !== bucket.dataset) {
      throw new GlacierError(
        "SOURCE_UNREADABLE",
        `${path} is a ${found.isDirectory() ? "directory" : "file"}, but the bucket's path says it is a ${bucket.dataset ? "directory dataset" : "file"}.`,
        {
          subject: { kind: "bucket", name: bucket.id },
          hint: found.isDirectory()
            ? `Write path: "${bucket.path}/" (with a format) to read the directory as a dataset, or point the bucket at a file.`
            : `Write path: "${bucket.path.replace(/\/$/, "")}" to read the file, or point the bucket at a directory.`,
        },
      );
    }
  }
  if (!content.exists && location.kind === "file") {
    // A link whose target is gone reads as "no data": say which link, and where it points.
    const path = location.path.replace(/\/$/, "");
    const link = (await lstat(path).catch(() => null))?.isSymbolicLink() ? await readlink(path) : undefined;
    if (link !== undefined) {
      throw new GlacierError(
        "SOURCE_MISSING",
        `${path} is a symbolic link to ${link}, which does not exist.`,
        {
          subject: { kind: "bucket", name: bucket.id },
          hint: "Point the link at the data, or replace it with the data itself.",
        },
      );
    }
  }
  if (!content.exists) {
    throw new GlacierError("SOURCE_MISSING", `there is no data at ${describeLocation(location)}.`, {
      subject: { kind: "bucket", name: bucket.id },
      hint: bucket.dataset
        ? "Put data files in the dataset (hidden and _-prefixed files do not count), or fix the bucket's path."
        : "Create the file first, or fix the bucket's path (and --local-storage, if you use it).",
    });
  }
  if (await passed.passed(bucket, location, content)) return undefined;
  const pl = await loadPolars();
  if (bucket.dataset) {
    // A dataset of several file types is one error about the dataset, not one about its odd file.
    scanTarget(bucket, location, content.files);
    const single = { ...bucket, dataset: false };
    let first: { readonly where: string; readonly schema: ActualSchema } | undefined;
    for (const file of content.files) {
      const at = fileLocation(location, file.relative);
      const schema = openSource(pl, single, at, [file], { probe: true }).schema ?? {};
      if (!first) {
        first = { where: describeLocation(at), schema };
        continue;
      }
      // CSV and NDJSON hold no types (each file's are inferred): only their columns must agree.
      const namesOnly = bucket.format === "csv" || bucket.format === "ndjson";
      const differ = fileDifferences(first.schema, schema, first.where, namesOnly);
      if (differ.length > 0) {
        throw new GlacierError(
          "SCHEMA_MISMATCH",
          `the files of the dataset ${describeLocation(location)} disagree: ${describeLocation(at)} differs from ${first.where}: ${differ.join("; ")}.`,
          {
            subject: { kind: "bucket", name: bucket.id },
            hint: "Rewrite or remove the odd file; every file of a dataset has the same columns and types.",
          },
        );
      }
    }
  }
  const opened = openSource(pl, bucket, location, content.files, { probe: true });
  checkSchema(bucket.id, bucket.schema, opened.schema ?? {}, `the data at ${describeLocation(location)}`);
  // The identity listed before the read: a file changed meanwhile has another one, and is checked next run.
  return () => passed.remember(bucket, location, content);
}

/** How a dataset file's columns differ from the first file's, in words. */
function fileDifferences(
  first: ActualSchema,
  other: ActualSchema,
  firstWhere: string,
  namesOnly: boolean,
): string[] {
  const problems: string[] = [];
  for (const [column, type] of Object.entries(first)) {
    const found = other[column];
    if (found === undefined) problems.push(`it has no column "${column}"`);
    else if (!namesOnly && found !== type)
      problems.push(`column "${column}" is ${found} there, ${type} in ${firstWhere}`);
  }
  for (const [column, type] of Object.entries(other)) {
    if (!(column in first)) problems.push(`it has an extra column "${column}" (${type})`);
  }
  return problems;
}
