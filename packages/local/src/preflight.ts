import { canonicalJson, GlacierError, type BucketNode } from "@glacier/core";
import { readJson, writeJsonAtomic } from "@glacier/engine";
import { loadPolars } from "./polars.js";
import type { RunContext } from "./run-context.js";
import { openSource } from "./scan.js";
import { checkSchema } from "./schema-check.js";
import { describeLocation } from "./storage.js";

interface ProbeEntry {
  readonly location: string;
  readonly key: string;
}

/**
 * Checks every source before any step runs: it exists (SOURCE_MISSING names the bucket and location), it
 * reads as its format (SOURCE_UNREADABLE), and it matches its declared schema (SCHEMA_MISMATCH). Reading a
 * schema costs a Parquet footer or a CSV header, and is remembered per content identity (stat keys, ETags),
 * so an unchanged source is not probed again (a no-op rerun does not even load polars). Nothing here reads
 * a file's bytes: content hashes are computed later, in parallel with the first steps.
 */
export async function preflightSources(ctx: RunContext): Promise<void> {
  await Promise.all(ctx.graph.sources().map((bucket) => checkSource(ctx, bucket)));
}

async function checkSource(ctx: RunContext, bucket: BucketNode): Promise<void> {
  const location = ctx.location(bucket);
  const content = await ctx.listing(bucket);
  if (!content.exists) {
    throw new GlacierError("SOURCE_MISSING", `there is no data at ${describeLocation(location)}.`, {
      subject: { kind: "bucket", name: bucket.id },
      hint: bucket.dataset
        ? "Put data files in the dataset (hidden and _-prefixed files do not count), or fix the bucket's path."
        : "Create the file first, or fix the bucket's path (and --local-storage, if you use it).",
    });
  }
  const key = canonicalJson({
    fingerprint: content.fingerprint,
    format: bucket.format,
    schema: bucket.schema ?? null,
  });
  const path = ctx.store.cachePath("probes", bucket.location);
  const known = await readJson<ProbeEntry>(path);
  if (known?.key === key && known.location === bucket.location) return;
  const pl = await loadPolars();
  const opened = openSource(pl, bucket, location, content.files, { probe: true });
  checkSchema(bucket.id, bucket.schema, opened.schema ?? {}, `the data at ${describeLocation(location)}`);
  if (!ctx.readOnly) await writeJsonAtomic(path, { location: bucket.location, key } satisfies ProbeEntry);
}
