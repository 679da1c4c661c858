import type { BucketNode } from "@glacier/core";
import { stepInputs } from "@glacier/core/internal";
import { loadPolars } from "./polars.js";
import type { RunContext } from "./run-context.js";
import { openSource } from "./scan.js";

/** Polars' own default for `POLARS_JOIN_SAMPLE_LIMIT` (nodejs-polars 0.24.1 to 0.26.1). */
export const POLARS_JOIN_SAMPLE_DEFAULT = 10_000_000;

/** The Polars settings of low-memory mode, and which of them took effect. */
export interface LowMemorySettings {
  /** What low-memory mode asks for. */
  readonly wanted: Readonly<Record<string, string>>;
  /** What this run set: `wanted` less the variables the environment already sets (those are left as they are). */
  readonly applied: Readonly<Record<string, string>>;
  /** Why the join sample limit has the value it has, in words (for the run log). */
  readonly reason: string;
}

/**
 * The row count of a bucket's data when it can be had from metadata alone (a Parquet footer, an IPC
 * header), or `Infinity` when it cannot: the data is not there yet (a step writes it later), or reading it
 * would cost a scan (CSV, NDJSON).
 */
async function knownRows(ctx: RunContext, bucket: BucketNode): Promise<number> {
  if (bucket.format !== "parquet" && bucket.format !== "ipc") return Infinity;
  const content = await ctx.listing(bucket);
  if (!content.exists) return Infinity;
  try {
    const pl = await loadPolars();
    const { frame } = openSource(pl, bucket, ctx.location(bucket), content.files, { probe: false });
    return Number(frame.select(pl.len().alias("rows")).collectSync().getColumn("rows").get(0));
  } catch {
    return Infinity;
  }
}

/**
 * Low-memory mode (`run({ mode: "local", lowMemory: true })`, `glacier run --low-memory`): two Polars
 * settings that cut the peak memory of a streaming pipeline, each left alone when the environment sets it.
 *
 * - `POLARS_FORCE_ASYNC=1` reads local files with Polars' async reader instead of memory-mapping them, so
 *   the resident pages of every input file no longer count against the process (~0.4 GiB less at 30M rows).
 * - `POLARS_JOIN_SAMPLE_LIMIT`: before an equi-join picks the side it builds its hash table from, the
 *   streaming engine buffers up to this many rows of each side (default 10M: ~0.7 GiB of a wide fact
 *   table). Here it is sized from the data: just above the second-largest input (by Parquet/IPC metadata)
 *   of every step with several inputs, so the smaller side of a fact ⋈ dimension join still ends before the
 *   limit and is built on, as with the default, while only that many fact rows are buffered. Steps whose
 *   inputs are not all known yet (not written, or CSV/NDJSON) keep Polars' default. Polars reads this
 *   variable once per process, at its first join: a later run in the same process keeps the first value.
 *
 * Caveat: a join whose both sides are larger than the limit (a step joining its input with a large
 * aggregate of itself) makes Polars guess the build side from key cardinality, which may pick the larger
 * side. Set `POLARS_JOIN_SAMPLE_LIMIT` yourself for such pipelines, or leave low-memory mode off.
 */
export async function lowMemorySettings(ctx: RunContext): Promise<LowMemorySettings> {
  let limit = 0;
  let sizedBy = "";
  for (const step of ctx.graph.steps) {
    const inputs = stepInputs(step);
    if (inputs.length < 2) continue;
    const rows = await Promise.all(inputs.map(([, bucket]) => knownRows(ctx, bucket)));
    const second = [...rows].sort((a, b) => b - a)[1] ?? Infinity;
    const wanted = Number.isFinite(second)
      ? Math.min(POLARS_JOIN_SAMPLE_DEFAULT, Math.ceil(second * 1.25) + 1)
      : POLARS_JOIN_SAMPLE_DEFAULT;
    if (wanted > limit) {
      limit = wanted;
      sizedBy = Number.isFinite(second)
        ? `step "${step.name}": its second-largest input has ${second} rows`
        : `step "${step.name}": the sizes of its inputs are not known yet`;
    }
  }
  const wanted: Record<string, string> = { POLARS_FORCE_ASYNC: "1" };
  if (limit > 0 && limit < POLARS_JOIN_SAMPLE_DEFAULT) wanted.POLARS_JOIN_SAMPLE_LIMIT = String(limit);
  const applied = Object.fromEntries(
    Object.entries(wanted).filter(([key]) => process.env[key] === undefined),
  );
  for (const [key, value] of Object.entries(applied)) process.env[key] = value;
  const reason =
    limit === 0
      ? "no step has several inputs: Polars' join sample limit is left as it is"
      : limit < POLARS_JOIN_SAMPLE_DEFAULT
        ? `join sample limit ${limit} rows, sized by ${sizedBy}`
        : `join sample limit left at Polars' default (${sizedBy})`;
  return { wanted, applied, reason };
}
