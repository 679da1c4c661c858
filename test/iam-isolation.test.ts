import { LineageGraph, Pipeline, Provider } from "@glacier/core";
import { stagingKey, stepStagingPrefix } from "@glacier/core/internal";
import { describe, expect, it } from "vitest";
import { planInfrastructure, type InfrastructurePlan, type PolicyStatement } from "@glacier/aws-model";
import { outputTarget } from "../packages/local/src/output-target.js";

/**
 * Cross-package: the IAM grants of `@glacier/aws-model` against the staging keys the local executor (and so the
 * Lambda handler) really writes. What each step's role may write, checked against the keys every other step writes: with IAM's wildcards
 * (`*` spans `/`), no role may put, delete or abort a key that belongs to another step's output or staging.
 */

/** IAM's resource matching: `*` any run of characters (including `/`), `?` one character. */
function iamMatches(pattern: string, arn: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${regex}$`).test(arn);
}

const MUTATING = ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"];

/** The object ARNs a role may change. */
function writable(statements: readonly PolicyStatement[]): string[] {
  return statements
    .filter((s) => s.actions.some((a) => MUTATING.includes(a)))
    .flatMap((s) => s.resources)
    .filter((r) => r.startsWith("arn:aws:s3:::") && r.includes("/"));
}

function roleOf(plan: InfrastructurePlan, stepId: string) {
  const fn = plan.functions.find((f) => f.stepId === stepId);
  const job = plan.sparkJobs.find((j) => j.stepId === stepId);
  const logicalId = fn?.roleLogicalId ?? job?.roleLogicalId;
  return plan.roles.find((r) => r.logicalId === logicalId);
}

const aws = new Provider({ cloud: "aws", region: "eu-west-1" });
const lambda = aws.serverless();
const spark = aws.spark();
const copy = (name: string) => lambda.task(Object.defineProperty((df: never) => df, "name", { value: name }));

/** The review's case: `orders.parquet` and `team-b/orders.parquet`, plus a Spark step and a dataset. */
function graph(): LineageGraph {
  const raw = aws.bucket({ bucket: "acme-lake", path: "raw/orders.parquet" });
  const orders = aws.bucket({ bucket: "acme-lake", path: "orders.parquet" });
  const teamB = aws.bucket({ bucket: "acme-lake", path: "team-b/orders.parquet" });
  const daily = aws.bucket({ bucket: "acme-lake", path: "out/", format: "parquet" });
  const summary = aws.bucket({ bucket: "acme-lake", path: "out-summary/orders.parquet" });
  return LineageGraph.from({
    a: raw.transform(copy("teamA")).to(orders),
    b: raw.transform(copy("teamB")).to(teamB),
    d: raw.transform(spark.sql("daily", "SELECT * FROM input")).to(daily),
    s: Pipeline({ o: orders, t: teamB })
      .transform(spark.sql("summary", "SELECT * FROM o", { inputs: ["o", "t"] }))
      .to(summary),
  });
}

describe("write grants", () => {
  const g = graph();
  const plan = planInfrastructure(g);

  it("give each step its own staging prefix, the one every executor stages under", () => {
    for (const step of g.steps) {
      const planned = [...plan.functions, ...plan.sparkJobs].find((p) => p.stepId === step.id);
      expect(planned?.stagingPrefix).toBe(stepStagingPrefix(step.id));
      // The local executor (and so the Lambda handler, which runs it) stages S3 writes there…
      const target = outputTarget(
        step,
        {
          kind: "s3",
          url: step.output.location,
          bucket: step.output.bucket,
          key: step.output.path,
          cloudOptions: {},
        },
        "20240131T120000Z-3f2a",
      );
      expect(target.kind === "s3" && target.tempKey.startsWith(stepStagingPrefix(step.id))).toBe(true);
      // …and the Spark driver too.
      const job = plan.sparkJobs.find((j) => j.stepId === step.id);
      if (job)
        expect(job.script).toContain(`.glacier-tmp/${stepStagingPrefix(step.id).split("/")[1]}/{run}/`);
    }
  });

  it("cannot reach another step's output or staged keys, however the keys nest", () => {
    for (const step of g.steps) {
      const role = roleOf(plan, step.id);
      if (!role) continue;
      const mine = writable(role.statements);
      for (const other of g.steps.filter((s) => s !== step)) {
        const theirs = [
          `arn:aws:s3:::${other.output.bucket}/${other.output.dataset ? `${other.output.path}part-0.parquet` : other.output.path}`,
          `arn:aws:s3:::${other.output.bucket}/${stagingKey(other.id, "20240131T120000Z-3f2a-9c1e", other.output.path)}`,
          `arn:aws:s3:::${other.output.bucket}/${stagingKey(other.id, "20240131T120000Z-3f2a-spark", other.output.path.replace(/\/$/, ""))}/part-00000.parquet`,
        ];
        for (const key of theirs) {
          const reaching = mine.filter((pattern) => iamMatches(pattern, key));
          expect(reaching, `${step.name}'s role reaches ${key}`).toEqual([]);
        }
      }
    }
  });

  it("still cover the step's own writes", () => {
    for (const step of g.steps) {
      const mine = writable(roleOf(plan, step.id)?.statements ?? []);
      const own = `arn:aws:s3:::${step.output.bucket}/${stagingKey(step.id, "r-1", step.output.path)}`;
      expect(mine.some((p) => iamMatches(p, own))).toBe(true);
    }
  });
});

describe("SSE-KMS buckets", () => {
  const key = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
  const outKey = "arn:aws:kms:eu-west-1:123456789012:key/mrk-0123456789abcdef0123456789abcdef";
  const drop = aws.bucket({ bucket: "partner-drop", path: "in.parquet", external: true, kmsKeyArn: key });
  const lake = aws.bucket({ bucket: "acme-lake", path: "out.parquet", kmsKeyArn: outKey });
  const plan = planInfrastructure(LineageGraph.from({ p: drop.transform(copy("ingest")).to(lake) }));

  it("grant decrypt on the input's key and encrypt on the output's, only through S3 in the region", () => {
    const role = plan.roles.find((r) => r.service === "lambda.amazonaws.com");
    expect(role?.statements.filter((s) => s.actions.some((a) => a.startsWith("kms:")))).toEqual([
      {
        sid: "DecryptData",
        actions: ["kms:Decrypt"],
        resources: [key, outKey].sort(),
        condition: { StringEquals: { "kms:ViaService": ["s3.eu-west-1.amazonaws.com"] } },
      },
      {
        sid: "EncryptOutput",
        actions: ["kms:GenerateDataKey"],
        resources: [outKey],
        condition: { StringEquals: { "kms:ViaService": ["s3.eu-west-1.amazonaws.com"] } },
      },
    ]);
  });

  it("make a created bucket encrypt with its key", () => {
    expect(plan.buckets.map((b) => [b.name, b.managed, b.kmsKeyArn ?? null])).toEqual([
      ["acme-lake", true, outKey],
      ["partner-drop", false, key],
    ]);
  });

  it("grant no KMS use without a key", () => {
    const plain = planInfrastructure(
      LineageGraph.from({
        p: aws
          .bucket({ bucket: "acme-lake", path: "a.parquet" })
          .transform(copy("plain"))
          .to(aws.bucket({ bucket: "acme-lake", path: "b.parquet" })),
      }),
    );
    expect(
      plain.roles.flatMap((r) => r.statements).filter((s) => s.actions.some((a) => a.startsWith("kms:"))),
    ).toEqual([]);
  });
});

describe("trust policies", () => {
  it("let EMR Serverless assume a job role only for this account's application of the step", () => {
    const plan = planInfrastructure(graph());
    const job = plan.sparkJobs[0];
    const role = plan.roles.find((r) => r.logicalId === job?.roleLogicalId);
    expect(role?.trustCondition).toEqual({
      StringEquals: { "aws:SourceAccount": ["${data.aws_caller_identity.current.account_id}"] },
      ArnLike: {
        "aws:SourceArn": [
          `\${aws_emrserverless_application.${job?.logicalId}.arn}`,
          `\${aws_emrserverless_application.${job?.logicalId}.arn}/*`,
        ],
      },
    });
  });
});
