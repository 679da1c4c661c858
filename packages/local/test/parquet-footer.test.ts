import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pl from "nodejs-polars";
import { afterEach, describe, expect, it } from "vitest";
import { parquetRowCount } from "../src/parquet-footer.js";

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** What polars counts in the file (from the same metadata). */
function polarsCount(path: string): number {
  return Number(pl.scanParquet(path).select(pl.len().alias("n")).collectSync().getColumn("n").get(0));
}

describe("parquetRowCount", () => {
  it("reads the row count polars reads, whatever the columns, row groups and writer options", async () => {
    dir = mkdtempSync(join(tmpdir(), "glacier-footer-"));
    const cases: [string, pl.DataFrame, Record<string, unknown>][] = [
      ["empty", pl.DataFrame({ a: [] as number[] }), {}],
      ["one", pl.DataFrame({ a: [1] }), {}],
      [
        "mixed",
        pl.DataFrame({
          id: Array.from({ length: 50_000 }, (_, i) => i),
          flag: Array.from({ length: 50_000 }, (_, i) => i % 3 === 0),
          name: Array.from({ length: 50_000 }, (_, i) => `n${i}`),
          price: Array.from({ length: 50_000 }, (_, i) => i / 7),
          tags: Array.from({ length: 50_000 }, (_, i) => [i, i + 1]),
        }),
        { rowGroupSize: 4_096 },
      ],
      ["stats", pl.DataFrame({ a: Array.from({ length: 3_000 }, (_, i) => i) }), { statistics: true }],
    ];
    for (const [name, frame, options] of cases) {
      const path = join(dir, `${name}.parquet`);
      frame.writeParquet(path, { compression: "snappy", ...options });
      expect([name, await parquetRowCount(path)]).toEqual([name, polarsCount(path)]);
    }
    // Through the streaming sink, as steps write (snappy, no statistics, key-value metadata as polars sets it).
    const sunk = join(dir, "sunk.parquet");
    pl.DataFrame({ a: Array.from({ length: 70_000 }, (_, i) => i) })
      .lazy()
      .sinkParquet(sunk, {
        compression: "snappy",
        statistics: false,
        maintainOrder: true,
        syncOnClose: "none",
        mkdir: true,
      })
      .collectSync({ engine: "streaming" });
    expect(await parquetRowCount(sunk)).toBe(70_000);
  });

  it("refuses a file that is not Parquet or whose footer is cut short", async () => {
    dir = mkdtempSync(join(tmpdir(), "glacier-footer-"));
    const text = join(dir, "text.parquet");
    writeFileSync(text, "id,amount\n1,2\n");
    await expect(parquetRowCount(text)).rejects.toThrow(`${text} has no readable Parquet footer`);
    const cut = join(dir, "cut.parquet");
    // A footer length that points before the start of the file.
    writeFileSync(
      cut,
      Buffer.concat([Buffer.from("PAR1xxxx"), Buffer.from([0xff, 0xff, 0, 0]), Buffer.from("PAR1")]),
    );
    await expect(parquetRowCount(cut)).rejects.toThrow(`${cut} has no readable Parquet footer`);
  });
});
