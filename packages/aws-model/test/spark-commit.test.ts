import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { check, LineageGraph, Provider } from "@glacier/core";
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
const customers = aws.bucket({ bucket: BUCKET, path: "ref/customers.parquet" });
const checkedOut = aws.bucket({
  bucket: BUCKET,
  path: "checked/orders.parquet",
  checks: [check.notNull("id"), check.unique("id")],
});
const plan = planInfrastructure(
  LineageGraph.from({
    s: input.transform(spark.sql("enrich", "SELECT * FROM input")).to(single),
    d: input.transform(spark.sql("daily", "SELECT * FROM input")).to(dataset),
    c: input
      .transform(spark.sql("checked", "SELECT * FROM input"))
      .to(checkedOut)
      .check(
        check.relationships("customer", customers, "id"),
        check.rowCount({ min: 2 }),
        check.sql("small", "amount < 9", { severity: "warn" }),
      ),
  }),
);

interface Result {
  readonly objects: Record<string, string>;
  readonly requests: readonly [string, string][];
  readonly error: string | null;
  readonly staging: string;
}

function commit(
  stepName: string,
  objects: Record<string, string>,
  failCopyTo: string[] = [],
  call: "commit" | "check_output" | "run_checks" = "commit",
  tables: Record<string, readonly Record<string, unknown>[]> = {},
): Result {
  const job = plan.sparkJobs.find((j) => j.stepName === stepName);
  if (!job) throw new Error(`no job ${stepName}`);
  const driver = join(root, `${stepName}.py`);
  const scenario = join(root, `${stepName}-${Object.keys(objects).length}-${failCopyTo.length}-${call}.json`);
  writeFileSync(driver, job.script);
  writeFileSync(scenario, JSON.stringify({ bucket: BUCKET, runId: RUN, objects, failCopyTo, call, tables }));
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

  const manifest = (files: string[]) =>
    JSON.stringify({ glacier: 1, output: "x", step: "daily", runId: "earlier", files });
  const ownership = (result: Result) =>
    JSON.parse(result.objects["daily/_glacier_manifest.json"] ?? "null") as {
      files: string[];
      step: string;
      runId: string;
      output: string;
    } | null;

  it("replaces a dataset's own parts: new ones copied first, then its earlier others deleted", () => {
    const dir = staged("daily", "daily");
    const result = commit("daily", {
      // Earlier generations' parts, a Lambda's among them, all listed in the manifest.
      "daily/_glacier_manifest.json": manifest([
        "part-0.parquet",
        "part-00000.parquet",
        "part-00001.parquet",
        "part-00002.parquet",
      ]),
      "daily/part-00000.parquet": "old0",
      "daily/part-00001.parquet": "old1",
      "daily/part-00002.parquet": "old2",
      "daily/part-0.parquet": "lambda",
      // Not data: left alone.
      "daily/_SUCCESS": "",
      "daily/.notes": "mine",
      [`${dir}/part-00000-x.snappy.parquet`]: "new0",
      [`${dir}/part-00001-x.snappy.parquet`]: "new1",
      [`${dir}/_SUCCESS`]: "",
    });
    expect(result.error).toBeNull();
    const { ["daily/_glacier_manifest.json"]: _manifest, ...data } = result.objects;
    expect(data).toEqual({
      "daily/.notes": "mine",
      "daily/_SUCCESS": "",
      "daily/part-00000.parquet": "new0",
      "daily/part-00001.parquet": "new1",
    });
    expect(ownership(result)).toEqual({
      glacier: 1,
      output: dataset.id,
      step: "daily",
      runId: RUN,
      files: ["part-00000.parquet", "part-00001.parquet"],
    });
    const order = result.requests.map(([a, k]) => `${a} ${k}`);
    const lastPut = Math.max(
      ...order.flatMap((r, i) => (r.startsWith("s3:PutObject daily/part") ? [i] : [])),
    );
    const firstDelete = order.findIndex((r) => r.startsWith("s3:DeleteObject daily/"));
    expect(firstDelete).toBeGreaterThan(lastPut);
    expect(order.at(-1)).toBe(`s3:DeleteObject ${dir}`);
    expect(denied("daily", result.requests)).toEqual([]);
  });

  it("refuses a dataset directory holding files it did not write, and changes nothing in it", () => {
    const dir = staged("daily", "daily");
    const before = {
      "daily/_glacier_manifest.json": manifest(["part-00000.parquet"]),
      "daily/part-00000.parquet": "old0",
      // A user's files: one beside the parts, one in a subdirectory.
      "daily/README.md": "about these files",
      "daily/archive/2023.parquet": "last year",
    };
    const result = commit("daily", { ...before, [`${dir}/part-00000-x.snappy.parquet`]: "new0" });
    expect(result.error).toBe(
      `OUTPUT_NOT_OWNED: step ${plan.sparkJobs.find((j) => j.stepName === "daily")?.stepId} writes the directory dataset s3://${BUCKET}/daily/, which holds 2 file(s) Glacier did not write there: README.md, archive/2023.parquet. Nothing was written or deleted: a step replaces only files it wrote. Move those files out of s3://${BUCKET}/daily/, or point the bucket at a directory of its own.`,
    );
    expect(result.objects).toEqual(before);
    const writes = result.requests.filter(([a]) => a !== "s3:GetObject" && a !== "s3:ListBucket");
    expect(writes.every(([, k]) => k.startsWith(dir))).toBe(true);
  });

  it("refuses before the query runs (check_output), reading only what the role may read", () => {
    const before = { "daily/notes.csv": "a user's", "daily/_glacier_manifest.json": manifest([]) };
    const result = commit("daily", before, [], "check_output");
    expect(result.error).toMatch(/^OUTPUT_NOT_OWNED: .*: notes\.csv\./);
    expect(result.objects).toEqual(before);
    expect(result.requests.every(([a]) => a === "s3:GetObject" || a === "s3:ListBucket")).toBe(true);
    expect(denied("daily", result.requests)).toEqual([]);
    // A directory of its own files, or none yet: the query may run.
    expect(
      commit(
        "daily",
        { "daily/_glacier_manifest.json": manifest(["part-00000.parquet"]), "daily/part-00000.parquet": "x" },
        [],
        "check_output",
      ).error,
    ).toBeNull();
    expect(commit("daily", {}, [], "check_output").error).toBeNull();
  });

  it("refuses a first write into a directory of someone else's files (no manifest), touching none", () => {
    const dir = staged("daily", "daily");
    const before = { "daily/part-00000.parquet": "a user's file, named like a part" };
    const result = commit("daily", { ...before, [`${dir}/part-00000-x.snappy.parquet`]: "new0" });
    expect(result.error).toMatch(
      /^OUTPUT_NOT_OWNED: .* holds 1 file\(s\) Glacier did not write there: part-00000\.parquet\./,
    );
    expect(result.objects).toEqual(before);
  });

  it("distrusts a manifest Glacier did not write", () => {
    const dir = staged("daily", "daily");
    const before = {
      "daily/_glacier_manifest.json": JSON.stringify({ files: ["notes.csv"] }),
      "daily/notes.csv": "a user's",
    };
    const result = commit("daily", { ...before, [`${dir}/part-00000-x.snappy.parquet`]: "new0" });
    expect(result.error).toMatch(/^OUTPUT_NOT_OWNED: .*: notes\.csv\./);
    expect(result.objects).toEqual(before);
  });

  it("writes a new dataset directory and its manifest before the parts appear", () => {
    const dir = staged("daily", "daily");
    const result = commit("daily", {
      "other/keep.parquet": "another bucket's",
      [`${dir}/part-00000-x.snappy.parquet`]: "new0",
      [`${dir}/part-00001-x.snappy.parquet`]: "new1",
    });
    expect(result.error).toBeNull();
    expect(result.objects).toMatchObject({
      "other/keep.parquet": "another bucket's",
      "daily/part-00000.parquet": "new0",
      "daily/part-00001.parquet": "new1",
    });
    expect(ownership(result)?.files).toEqual(["part-00000.parquet", "part-00001.parquet"]);
    const order = result.requests.map(([a, k]) => `${a} ${k}`);
    expect(order.indexOf("s3:PutObject daily/_glacier_manifest.json")).toBeLessThan(
      order.indexOf("s3:PutObject daily/part-00000.parquet"),
    );
    // Written once: the manifest before the copy is already the final one.
    expect(order.filter((r) => r === "s3:PutObject daily/_glacier_manifest.json")).toHaveLength(1);
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

describe("the Spark driver's checks (run_checks, the compiled SQL run by SQLite in the harness)", () => {
  const dir = staged("checked", "checked/orders.parquet");
  const checksKey = `${stepStagingPrefix(plan.sparkJobs.find((j) => j.stepName === "checked")?.stepId ?? "")}${RUN}-spark/_glacier_checks.json`;
  const customerRows = [{ id: 1 }, { id: 2 }, { id: 3 }];
  const objects = { "checked/orders.parquet": "old", [`${dir}/part-00000-a.parquet`]: "new" };
  const run = (rows: Record<string, unknown>[]) =>
    commit("checked", objects, [], "run_checks", {
      [`s3://${BUCKET}/${dir}`]: rows,
      [`s3://${BUCKET}/ref/customers.parquet`]: customerRows,
    });
  const results = (result: Result) =>
    (JSON.parse(result.objects[checksKey] as string) as { results: Record<string, unknown>[] }).results;

  it("records every result, a failed warn check included, and leaves the staged result for the commit", () => {
    const result = run([
      { id: 1, customer: 1, amount: 10 },
      { id: 2, customer: 2, amount: 5 },
    ]);
    expect(result.error).toBeNull();
    expect(results(result).map((r) => [r["name"], r["status"], r["failing"], r["message"]])).toEqual([
      [
        "relationships(customer->acme-lake/ref/customers.parquet.id)",
        "passed",
        0,
        'no row has a "customer" missing from "id" of acme-lake/ref/customers.parquet',
      ],
      ["row_count", "passed", 0, "2 rows, at least 2"],
      ["small", "failed", 1, "1 row does not satisfy amount < 9"],
      ["not_null(id)", "passed", 0, 'no row has a null in "id"'],
      ["unique(id)", "passed", 0, '"id" is unique'],
    ]);
    expect(results(result)[2]?.["sample"]).toEqual([{ id: 1, customer: 1, amount: 10 }]);
    expect(result.objects[`${dir}/part-00000-a.parquet`]).toBe("new");
    expect(denied("checked", result.requests)).toEqual([]);
  });

  it("fails a blocking check with CHECK_FAILED, deleting the staged result: the output is untouched", () => {
    const result = run([
      { id: 1, customer: 1, amount: 1 },
      { id: 1, customer: 7, amount: 2 },
    ]);
    expect(result.error).toMatchInlineSnapshot(
      `"CHECK_FAILED: step checked->acme-lake/checked/orders.parquet: 2 blocking checks failed: relationships(customer->acme-lake/ref/customers.parquet.id): 1 row has a "customer" missing from "id" of acme-lake/ref/customers.parquet, e.g. {"id":1,"customer":7,"amount":2}; unique(id): 2 rows share 1 value of "id", e.g. {"id":1,"rows":2}. The output was not committed: the previous one is intact."`,
    );
    expect(results(result).map((r) => [r["name"], r["status"], r["failing"]])).toEqual([
      ["relationships(customer->acme-lake/ref/customers.parquet.id)", "failed", 1],
      ["row_count", "passed", 0],
      ["small", "passed", 0],
      ["not_null(id)", "passed", 0],
      ["unique(id)", "failed", 2],
    ]);
    expect(result.objects["checked/orders.parquet"]).toBe("old");
    expect(Object.keys(result.objects).filter((k) => k.startsWith(dir))).toEqual([]);
    expect(denied("checked", result.requests)).toEqual([]);
  });
});
