import { describe, expect, it } from "vitest";
import { stepStagingPrefix } from "@glacier/core/internal";
import { cancelMarkerKey, emrClientToken, emrJobRunName } from "../src/resource-names.js";

const step = {
  id: "copyTotals->glacier-test-spark-failures/curated/quarterly/retried-totals.parquet",
  name: "copyTotals",
};

describe("EMR Serverless job run names and client tokens", () => {
  it("gives every attempt its own token within AWS's 64 characters of [A-Za-z0-9._-]", () => {
    const runId = "20240131T120000Z-3f2a";
    const tokens = [1, 2, 10].map((attempt) => emrClientToken(runId, step.id, attempt));
    expect(new Set(tokens).size).toBe(3);
    for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9._-]{1,64}$/);
    expect(tokens[0]).toMatch(/^20240131T120000Z-3f2a-[0-9a-f]{24}-1$/);
    // The same run, step and attempt: the same token (an SDK retry finds the job run it started).
    expect(emrClientToken(runId, step.id, 2)).toBe(tokens[1]);
    // A run id of any length or characters still leaves room for the attempt.
    const odd = emrClientToken(`resumed run/${"x".repeat(80)}`, step.id, 7);
    expect(odd).toMatch(/^[A-Za-z0-9._-]{1,64}$/);
    expect(odd.endsWith("-7")).toBe(true);
  });

  it("names a job run by its step and run, in one line of at most 256 characters", () => {
    expect(emrJobRunName(step, "20240131T120000Z-3f2a")).toMatch(
      /^copy-totals-[0-9a-f]{6}-20240131T120000Z-3f2a$/,
    );
    const long = emrJobRunName(step, `r\n${"y".repeat(400)}`);
    expect(long.length).toBe(256);
    expect(long).toMatch(/^[A-Za-z0-9._-]+$/);
  });
});

describe("the cancel marker of a Lambda step", () => {
  it("lies under the step's own staging prefix, outside every staged copy", () => {
    const stepId = "copyTotals->acme-data/reports/daily.parquet";
    for (const key of ["reports/daily.parquet", "daily/"]) {
      const marker = cancelMarkerKey(stepId, "20240131T120000Z-3f2a", key);
      expect(marker.startsWith(`${stepStagingPrefix(stepId)}20240131T120000Z-3f2a/`)).toBe(true);
      expect(marker.endsWith(".cancelled")).toBe(true);
      // Staged copies live under `<run id>-<random>/`, never under `<run id>/`.
      expect(marker.startsWith(`${stepStagingPrefix(stepId)}20240131T120000Z-3f2a-`)).toBe(false);
    }
  });
});
