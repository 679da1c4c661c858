import { describe, expect, it } from "vitest";
import type { ColumnLineage } from "@glacier/engine";
import { MAX_RESPONSE_LINEAGE_CHARS, withinResponseLimit, type StepResponse } from "../src/lambda-handler.js";

/** The lineage of `n` output columns, each copied from one input column of a long-named S3 dataset. */
function lineageOf(n: number): ColumnLineage {
  const fields = Object.fromEntries(
    Array.from({ length: n }, (_, i) => [
      `column_${i}`,
      {
        inputFields: [
          {
            namespace: "s3://glacier-test-wide",
            name: "raw/a-rather-long-path/to/the/wide/table.parquet",
            field: `column_${i}`,
            transformations: [{ type: "DIRECT" as const, subtype: "IDENTITY" }],
          },
        ],
      },
    ]),
  );
  return { fields, dataset: [] };
}

const response = (columnLineage: ColumnLineage): StepResponse => ({
  stepId: "wide->glacier-test-wide/out.parquet",
  rows: 1,
  bytes: 100,
  durationMs: 5,
  outputFingerprint: "etag:1",
  columnLineage,
});

describe("a Lambda step's response", () => {
  it("keeps its column lineage while it fits the budget, and leaves only the lineage out past it", () => {
    const narrow = response(lineageOf(10));
    expect(withinResponseLimit(narrow)).toEqual(narrow);

    const wide = response(lineageOf(1000));
    expect(JSON.stringify(wide.columnLineage).length).toBeGreaterThan(MAX_RESPONSE_LINEAGE_CHARS);
    const { columnLineage, ...rest } = wide;
    expect(columnLineage).toBeDefined();
    expect(withinResponseLimit(wide)).toEqual(rest);
    // What is left stays far below the 256 KiB a state machine accepts as a task's result.
    expect(JSON.stringify(withinResponseLimit(wide)).length).toBeLessThan(1024);
  });
});
