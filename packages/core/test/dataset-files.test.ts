import { describe, expect, it } from "vitest";
import { datasetMatcher, datasetRoot, isDataFile } from "@glacier/core/internal";

/** The keys of one bucket a listing might return: data, markers, hidden files, near misses. */
const KEYS = [
  "events/2022-12.jsonl",
  "events/2023-01.jsonl",
  "events/2024-01.jsonl",
  "events/2024-02.jsonl",
  "events/2024-1x.jsonl",
  "events/_SUCCESS",
  "events/_glacier_manifest.json",
  "events/.2024-03.jsonl.crc",
  "events/_temporary/2024-04.jsonl",
  "events/2024/05.jsonl",
  "events/",
  "other/2024-01.jsonl",
];

async function select(path: string): Promise<string[]> {
  const matches = await datasetMatcher(path);
  return KEYS.filter(matches);
}

describe("dataset files (one glob engine for local, cloud and analyze)", () => {
  it("match `*` within a segment, `**` across segments", async () => {
    expect(await select("events/*.jsonl")).toEqual([
      "events/2022-12.jsonl",
      "events/2023-01.jsonl",
      "events/2024-01.jsonl",
      "events/2024-02.jsonl",
      "events/2024-1x.jsonl",
    ]);
    expect(await select("events/**/*.jsonl")).toEqual([
      "events/2022-12.jsonl",
      "events/2023-01.jsonl",
      "events/2024-01.jsonl",
      "events/2024-02.jsonl",
      "events/2024-1x.jsonl",
      "events/2024/05.jsonl",
    ]);
  });

  it("read `{a,b}` and `[abc]` as globs, not as literal characters", async () => {
    expect(await select("events/{2023,2024}-0*.jsonl")).toEqual([
      "events/2023-01.jsonl",
      "events/2024-01.jsonl",
      "events/2024-02.jsonl",
    ]);
    expect(await select("events/2024-[0-9][0-9].jsonl")).toEqual([
      "events/2024-01.jsonl",
      "events/2024-02.jsonl",
    ]);
    expect(await select("events/202?-01.jsonl")).toEqual(["events/2023-01.jsonl", "events/2024-01.jsonl"]);
  });

  it("never count markers, the manifest or hidden files, even when the glob matches them", async () => {
    expect(await select("events/*")).not.toContain("events/_SUCCESS");
    expect(await select("events/**")).toEqual([
      "events/2022-12.jsonl",
      "events/2023-01.jsonl",
      "events/2024-01.jsonl",
      "events/2024-02.jsonl",
      "events/2024-1x.jsonl",
      "events/2024/05.jsonl",
    ]);
    expect(await select("events/_*")).toEqual([]);
  });

  it("take every data file under a directory, and nothing beside it", async () => {
    expect(await select("events/")).toEqual(await select("events/**"));
    expect(await select("other/")).toEqual(["other/2024-01.jsonl"]);
  });

  it("keep the literal root literal (a directory may hold glob-like characters)", async () => {
    const matches = await datasetMatcher("/data (copy)/v+1/*.parquet");
    expect(matches("/data (copy)/v+1/a.parquet")).toBe(true);
    expect(matches("/data (copy)/v+1/_SUCCESS")).toBe(false);
    expect(matches("/data copy/v+1/a.parquet")).toBe(false);
  });

  it("list from the literal root: the directory or S3 prefix before the first glob segment", () => {
    expect(datasetRoot("events/2024-*/part-*.parquet")).toBe("events/");
    expect(datasetRoot("events/{a,b}/x.parquet")).toBe("events/");
    expect(datasetRoot("daily/")).toBe("daily/");
    expect(datasetRoot("*.csv")).toBe("");
    expect(datasetRoot("/abs/dir/[ab].csv")).toBe("/abs/dir/");
  });

  it("say what a data file is: no hidden or marker segment, not a directory", () => {
    expect(isDataFile("day=1/part-0.parquet")).toBe(true);
    expect(isDataFile("_SUCCESS")).toBe(false);
    expect(isDataFile("_glacier_manifest.json")).toBe(false);
    expect(isDataFile("day=1/.part-0.parquet.crc")).toBe(false);
    expect(isDataFile("_temporary/0/part-0.parquet")).toBe(false);
    expect(isDataFile("day=1/")).toBe(false);
    expect(isDataFile("")).toBe(false);
  });
});
