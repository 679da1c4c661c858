import type * as HyparquetModule from "hyparquet";

type Hyparquet = typeof HyparquetModule;
let hyparquet: Promise<Hyparquet> | undefined;

/**
 * hyparquet, loaded on first use (28 modules): a run that writes no Parquet — a no-op rerun — never loads it.
 * A literal `import()`, so the Lambda bundle still includes it.
 */
export function loadHyparquet(): Promise<Hyparquet> {
  hyparquet ??= import("hyparquet");
  return hyparquet;
}

/** What hyparquet reads first from the end of the file: a step's footer fits, a larger one costs a second read. */
const FOOTER_READ_BYTES = 64 * 1024;

/**
 * The row count of a local Parquet file, read from its footer's `FileMetaData` (hyparquet, a maintained,
 * dependency-free Parquet reader: see the package README). Asking polars instead costs a query (~3 ms even
 * on a tiny file), which was a third of a tiny step's time. Throws on anything that is not a well-formed
 * footer, naming the file.
 *
 * @example
 * ```ts
 * await parquetRowCount("out/.daily.parquet.20240131T120000Z-3f2a-9b1c.glacier-tmp"); // 155
 * ```
 */
export async function parquetRowCount(path: string): Promise<number> {
  const { asyncBufferFromFile, parquetMetadataAsync } = await loadHyparquet();
  try {
    const metadata = await parquetMetadataAsync(await asyncBufferFromFile(path), {
      initialFetchSize: FOOTER_READ_BYTES,
    });
    return Number(metadata.num_rows);
  } catch (error) {
    throw new Error(`${path} has no readable Parquet footer: ${(error as Error).message}`, { cause: error });
  }
}
