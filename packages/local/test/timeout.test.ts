import { existsSync, readdirSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import pl from "nodejs-polars";
import { salesFrame, testProject, type TestProject } from "./fixtures/project.js";
import { stable, statuses, stepOf } from "./fixtures/results.js";

let project: TestProject;
afterEach(() => project?.cleanup());

/** `acme/raw/sales.parquet` → task with `timeout` → `acme/out.parquet` → copy → `acme/next.parquet`. */
function pipeline(p: TestProject, task: (df: pl.LazyDataFrame) => unknown, timeout: number) {
  const local = p.provider.local();
  const stuck = local.task(task as (df: pl.LazyDataFrame) => pl.LazyDataFrame, { name: "stuck", timeout });
  const copy = local.task(function copy(df: pl.LazyDataFrame) {
    return df;
  });
  return p.provider
    .bucket({ bucket: "acme", path: "raw/sales.parquet" })
    .transform(stuck)
    .to(p.provider.bucket({ bucket: "acme", path: "out.parquet" }))
    .transform(copy)
    .to(p.provider.bucket({ bucket: "acme", path: "next.parquet" }));
}

/** Every file the run left in the data directory's `acme/`: no output, no temporary, no lock. */
function leftovers(p: TestProject): string[] {
  return readdirSync(p.path("acme", "")).sort();
}

describe("a step's timeout bounds it, whatever hangs", () => {
  it.each([
    [
      "a task returning a promise that never settles",
      () => new Promise<never>(() => undefined),
      "building its plan",
    ],
    [
      "a task spinning forever in a synchronous loop",
      () => {
        for (;;) {
          // Spins: only V8's execution timeout stops this, the main thread being its only thread.
        }
      },
      "building its plan",
    ],
    [
      // ~10¹⁰ rows through a cross join: minutes of polars if nothing stopped it (the test's own timeout is 30 s).
      "a long polars computation",
      (df: pl.LazyDataFrame) => {
        const ids = df.select(pl.col("order_id"));
        const ten = pl.DataFrame({ t: Array.from({ length: 10 }, (_, i) => i) }).lazy();
        return ids
          .join(ids.select(pl.col("order_id").alias("b")), { how: "cross" })
          .join(ids.select(pl.col("order_id").alias("c")), { how: "cross" })
          .join(ten, { how: "cross" })
          .select(pl.col("order_id").mul(pl.col("b")).mul(pl.col("c")).sum().alias("total"));
      },
      "running its query",
    ],
  ])(
    "%s: TASK_TIMEOUT, the run ends, nothing partial, no lock",
    async (_kind, task, phase) => {
      project = testProject();
      project.write("acme", "raw/sales.parquet", salesFrame(1000));
      const before = project.hashes();
      const result = await pipeline(project, task, 1).run({ mode: "local", projectDir: project.dir });
      expect(result.status).toBe("failed");
      expect(statuses(result)).toEqual([
        ["stuck", "failed", "never ran"],
        ["copy", "not-run", "upstream failed"],
      ]);
      const stuck = stepOf(result, "stuck");
      expect(stuck.code).toBe("TASK_TIMEOUT");
      expect(stable(stuck.error, project.dir)).toBe(
        `step "stuck" failed: the task timed out after 1 s (${phase}). ${
          phase === "building its plan"
            ? "Raise the task's timeout option, or fix what in the task function does not return (a loop, a promise that never settles)."
            : "Raise the task's timeout option, or make the query cheaper."
        } (log: <project>/.glacier/runs/<run>/log.jsonl)`,
      );
      expect(project.hashes()).toEqual(before);
      expect(leftovers(project)).toEqual(["raw"]);
      expect(existsSync(project.path("acme", "out.parquet"))).toBe(false);
    },
    30_000,
  );

  it("a step with a timeout that finishes in time runs as any other", async () => {
    project = testProject();
    project.write("acme", "raw/sales.parquet", salesFrame(1000));
    const result = await pipeline(
      project,
      (df: pl.LazyDataFrame) => df.filter(pl.col("amount").gt(0)),
      30,
    ).run({
      mode: "local",
      projectDir: project.dir,
    });
    expect(statuses(result)).toEqual([
      ["stuck", "succeeded", "never ran"],
      ["copy", "succeeded", "never ran"],
    ]);
    expect(project.read("acme", "next.parquet").toRecords()).toEqual(
      salesFrame(1000).filter(pl.col("amount").gt(0)).toRecords(),
    );
    expect(leftovers(project)).toEqual(["next.parquet", "out.parquet", "raw"]);
  });
});
