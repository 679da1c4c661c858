import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { LineageGraph, Provider } from "@glacier/core";
import { stepStagingPrefix } from "@glacier/core/internal";
import { describe, expect, it } from "vitest";
import { planInfrastructure, type PolicyStatement } from "../src/index.js";
import { tempDir } from "./support.js";

/**
 * The Spark driver's commit, run for real in Python against an in-memory stand-in for Hadoop's S3 file system
 * (pyspark and a JVM are not available here; fixtures/spark_commit_harness.py records each file system call as
 * the S3 requests EMRFS makes for it). Checked: copy before replace — the previous output survives a failed
 * copy and nothing is deleted before its replacement exists — and every request is one the job role grants.
 */

const root = tempDir("spark-commit");
const HARNESS = fileURLToPath(new URL("./fixtures/spark_commit_harness.py", import.meta.url));
const BUCKET = "acme-lake";
const RUN = "20240131T120000Z-3f2a";

const aws = new Provider({ cloud: "aws", region: "eu-west-1" });
const spark = aws.spark();
const input = aws.bucket({ bucket: BUCKET, path: "raw/orders.parquet" });
const single = aws.bucket({ bucket: BUCKET, path: "enriched/orders.parquet" });
const dataset = aws.bucket({ bucket: BUCKET, path: "daily/", format: "parquet" });
const plan = planInfrastructure(
  LineageGraph.from({
    s: input.transform(spark.sql("enrich", "SELECT * FROM input")).to(single),
    d: input.transform(spark.sql("daily", "SELECT * FROM input")).to(dataset),
  }),
);

interface Result {
  readonly objects: Record<string, string>;
  readonly requests: readonly [string, string][];
  readonly error: string | null;
  readonly staging: string;
}

function commit(stepName: string, objects: Record<string, string>, failCopyTo: string[] = []): Result {
  const job = plan.sparkJobs.find((j) => j.stepName === stepName);
  if (!job) throw new Error(`no job ${stepName}`);
  const driver = join(root, `${stepName}.py`);
  const scenario = join(root, `${stepName}-${Object.keys(objects).length}-${failCopyTo.length}.json`);
  writeFileSync(driver, job.script);
  writeFileSync(scenario, JSON.stringify({ bucket: BUCKET, runId: RUN, objects, failCopyTo }));
  const run = spawnSync("python3", [HARNESS, driver, scenario], { encoding: "utf8" });
  expect(run.stderr).toBe("");
  return JSON.parse(run.stdout) as Result;
}

/** IAM's resource and StringLike matching: `*` any run of characters (including `/`), `?` one character. */
function like(pattern: string, value: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${regex}$`).test(value);
}

/** The requests no statement of the step's role allows. */
function denied(stepName: string, requests: readonly [string, string][]): string[] {
  const job = plan.sparkJobs.find((j) => j.stepName === stepName);
  const statements = plan.roles.find((r) => r.logicalId === job?.roleLogicalId)?.statements ?? [];
  const allows = (s: PolicyStatement, action: string, key: string): boolean => {
    if (!s.actions.includes(action)) return false;
    if (action === "s3:ListBucket") {
      const prefixes = s.condition?.["StringLike"]?.["s3:prefix"] ?? [];
      return s.resources.includes(`arn:aws:s3:::${BUCKET}`) && prefixes.some((p) => like(p, key));
    }
    return s.resources.some((r) => like(r, `arn:aws:s3:::${BUCKET}/${key}`));
  };
  return requests
    .filter(([action, key]) => !statements.some((s) => allows(s, action, key)))
    .map(([action, key]) => `${action} ${key}`);
}

const staged = (stepName: string, path: string) => {
  const job = plan.sparkJobs.find((j) => j.stepName === stepName);
  return `${stepStagingPrefix(job?.stepId ?? "")}${RUN}-spark/${path}`;
};

describe("the Spark driver's commit", () => {
  it("replaces a single-file output by copying the one staged part over it, then drops staging", () => {
    const part = `${staged("enrich", "enriched/orders.parquet")}/part-00000-abc.snappy.parquet`;
    const result = commit("enrich", {
      "enriched/orders.parquet": "old",
      [part]: "new",
      [`${staged("enrich", "enriched/orders.parquet")}/_SUCCESS`]: "",
    });
    expect(result.error).toBeNull();
    expect(result.objects).toEqual({ "enriched/orders.parquet": "new" });
    // Never deleted: overwritten in place by a copy, which S3 makes visible only when complete.
    expect(
      result.requests.filter(([a, k]) => a === "s3:DeleteObject" && k === "enriched/orders.parquet"),
    ).toEqual([]);
    expect(denied("enrich", result.requests)).toEqual([]);
  });

  it("keeps the previous output whole when the copy fails", () => {
    const part = `${staged("enrich", "enriched/orders.parquet")}/part-00000-abc.snappy.parquet`;
    const result = commit("enrich", { "enriched/orders.parquet": "old", [part]: "new" }, [
      "enriched/orders.parquet",
    ]);
    expect(result.error).toContain("copy to enriched/orders.parquet failed");
    expect(result.objects["enriched/orders.parquet"]).toBe("old");
  });

  it("refuses a single-file output that Spark wrote as several parts", () => {
    const dir = staged("enrich", "enriched/orders.parquet");
    const result = commit("enrich", {
      [`${dir}/part-00000-a.parquet`]: "1",
      [`${dir}/part-00001-a.parquet`]: "2",
    });
    expect(result.error).toMatch(/^STORAGE_ERROR: expected one part in .*, found 2$/);
  });

  it("replaces a dataset's parts: new ones copied first, then the previous generation's others deleted", () => {
    const dir = staged("daily", "daily");
    const result = commit("daily", {
      "daily/part-00000.parquet": "old0",
      "daily/part-00001.parquet": "old1",
      "daily/part-00002.parquet": "old2",
      // A Lambda generation's part, and a marker that is not data.
      "daily/part-0.parquet": "lambda",
      "daily/_SUCCESS": "",
      [`${dir}/part-00000-x.snappy.parquet`]: "new0",
      [`${dir}/part-00001-x.snappy.parquet`]: "new1",
      [`${dir}/_SUCCESS`]: "",
    });
    expect(result.error).toBeNull();
    expect(result.objects).toEqual({
      "daily/_SUCCESS": "",
      "daily/part-00000.parquet": "new0",
      "daily/part-00001.parquet": "new1",
    });
    const order = result.requests.map(([a, k]) => `${a} ${k}`);
    const lastPut = Math.max(...order.flatMap((r, i) => (r.startsWith("s3:PutObject daily/") ? [i] : [])));
    const firstDelete = order.findIndex((r) => r.startsWith("s3:DeleteObject daily/"));
    expect(firstDelete).toBeGreaterThan(lastPut);
    expect(order.at(-1)).toBe(`s3:DeleteObject ${dir}`);
    expect(denied("daily", result.requests)).toEqual([]);
  });

  it("writes a single-file output with repartition(1), keeping the query parallel", () => {
    const script = plan.sparkJobs.find((j) => j.stepName === "enrich")?.script ?? "";
    expect(script).toContain("frame.repartition(1)");
    expect(script).not.toContain(".coalesce(");
    expect(script).not.toContain("fs.exists(");
    expect(script).not.toContain("fs.rename(");
  });
});
