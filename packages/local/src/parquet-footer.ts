import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import type { AsyncBuffer } from "hyparquet";
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
  const { parquetMetadataAsync } = await loadHyparquet();
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const metadata = await parquetMetadataAsync(footerReader(fd), { initialFetchSize: FOOTER_READ_BYTES });
    return Number(metadata.num_rows);
  } catch (error) {
    throw new Error(`${path} has no readable Parquet footer: ${(error as Error).message}`, { cause: error });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * The open file as hyparquet's `AsyncBuffer`, read synchronously. It runs where polars has just blocked the
 * thread for the whole write (a step's worker), so a footer read of a few kilobytes blocking it too costs
 * nothing, while hyparquet's own file reader (a stat, then a read stream per slice: open, read, close) made
 * five trips through libuv's thread pool per step.
 */
function footerReader(fd: number): AsyncBuffer {
  const byteLength = fstatSync(fd).size;
  return {
    byteLength,
    slice(start: number, end: number = byteLength): ArrayBuffer {
      const bytes = new Uint8Array(Math.max(0, end - start));
      let read = 0;
      while (read < bytes.length) {
        const n = readSync(fd, bytes, read, bytes.length - read, start + read);
        if (n === 0) throw new Error(`the file ended at byte ${start + read}, before ${end}`);
        read += n;
      }
      return bytes.buffer;
    },
  };
}
