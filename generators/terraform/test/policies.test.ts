import { planInfrastructure, type InfrastructurePlan } from "@glacier/aws-model";
import { LineageGraph, Provider, type StepNode } from "@glacier/core";
import { stepInputs, stepStagingPrefix } from "@glacier/core/internal";
import { beforeAll, describe, expect, it } from "vitest";
import { synthesizeStack } from "../src/synth/synth-stack.js";
import { EXAMPLES, exampleGraph, placeholderAssets, resourcesOf } from "./support.js";

/** What a policy statement looks like once Terraform has it. */
interface Statement {
  Sid: string;
  Effect: string;
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string[]>>;
}

interface Role {
  name: string;
  trust: { Statement: { Principal: { Service: string }; Action: string }[] };
  statements: Statement[];
}

/** Every role of a synthesised module, with its parsed trust and inline policies. */
function roles(json: Record<string, unknown>): Map<string, Role> {
  const policies = resourcesOf(json, "aws_iam_role_policy");
  const result = new Map<string, Role>();
  for (const [id, role] of Object.entries(resourcesOf(json, "aws_iam_role"))) {
    const attached = Object.values(policies).filter((p) => p["role"] === `\${aws_iam_role.${id}.id}`);
    expect(attached, `one inline policy on ${id}`).toHaveLength(1);
    result.set(id, {
      name: role["name"] as string,
      trust: JSON.parse(role["assume_role_policy"] as string),
      statements: JSON.parse(attached[0]?.["policy"] as string).Statement,
    });
  }
  return result;
}

/** A second pipeline shape: a directory dataset written by Lambda, read by Spark, an external source. */
function datasetGraph(): LineageGraph {
  const aws = new Provider({ cloud: "aws", region: "eu-west-1", accountId: "123456789012" });
  const lambda = aws.serverless({ architecture: "arm64" });
  const spark = aws.spark();
  const events = aws.bucket({ bucket: "partner-feed", path: "events/2024-*.jsonl", external: true });
  const daily = aws.bucket({ bucket: "acme-lake", path: "daily/", format: "parquet" });
  const summary = aws.bucket({ bucket: "acme-lake", path: "summary/totals.csv" });
  const roll = lambda.task(function roll(df) {
    return df;
  });
  const total = spark.sql("total", "SELECT COUNT(*) AS n FROM input");
  return LineageGraph.from({
    totals: events.transform(roll).to(daily).transform(total).to(summary).withName("totals"),
  });
}

const cases: [string, () => Promise<LineageGraph>][] = [
  ...EXAMPLES.map((e) => [e, () => exampleGraph(e)] as [string, () => Promise<LineageGraph>]),
  ["datasets", async () => datasetGraph()],
];

const synthesized = new Map<
  string,
  { graph: LineageGraph; plan: InfrastructurePlan; json: Record<string, unknown> }
>();
beforeAll(async () => {
  for (const [name, graphOf] of cases) {
    const graph = await graphOf();
    const plan = planInfrastructure(graph);
    synthesized.set(name, { graph, plan, json: synthesizeStack(plan, placeholderAssets(plan)) });
  }
});

const ALLOWED_ACTIONS = new Set([
  "s3:GetObject",
  "s3:PutObject",
  "s3:DeleteObject",
  "s3:ListBucket",
  "s3:AbortMultipartUpload",
  "s3:ListMultipartUploadParts",
  "logs:CreateLogStream",
  "logs:PutLogEvents",
  "lambda:InvokeFunction",
  "emr-serverless:StartJobRun",
  "emr-serverless:GetJobRun",
  "emr-serverless:CancelJobRun",
  "iam:PassRole",
  "events:PutRule",
  "events:PutTargets",
  "events:DescribeRule",
  "states:StartExecution",
  "kms:Decrypt",
  "kms:GenerateDataKey",
]);

/** The key patterns a step may touch: its inputs to read, its output and its own staging prefix. */
function allowedKeys(step: StepNode): { read: string[]; write: string[] } {
  const pattern = (path: string, dataset: boolean) =>
    !dataset ? path : path.endsWith("/") ? `${path}*` : path.replace(/\{[^}]*\}|\[[^\]]*\]/g, "*");
  return {
    read: stepInputs(step).map(([, b]) => `arn:aws:s3:::${b.bucket}/${pattern(b.path, b.dataset)}`),
    write: [
      `arn:aws:s3:::${step.output.bucket}/${pattern(step.output.path, step.output.dataset)}`,
      // Its own staging prefix, which no other step's keys share (see aws-model's iam-isolation test).
      `arn:aws:s3:::${step.output.bucket}/${stepStagingPrefix(step.id)}*`,
      // EMRFS's HEAD of a dataset directory's own key before listing it (read-only: InspectOutput).
      ...(step.task.executor.kind === "spark" && step.output.dataset
        ? [`arn:aws:s3:::${step.output.bucket}/${step.output.path.replace(/\/+$/, "")}`]
        : []),
    ],
  };
}

describe("least privilege, per role", () => {
  for (const [name] of cases) {
    it(`holds for every role of ${name}`, () => {
      const { graph, plan, json } = synthesized.get(name)!;
      const all = roles(json);
      expect(all.size).toBe(plan.roles.length);
      for (const [id, role] of all) {
        for (const statement of role.statements) {
          expect(statement.Effect).toBe("Allow");
          for (const action of statement.Action) {
            expect(ALLOWED_ACTIONS, `${id}: ${action}`).toContain(action);
          }
          for (const resource of statement.Resource) {
            expect(resource, `${id}/${statement.Sid}`).not.toBe("*");
            expect(resource).not.toMatch(/^arn:aws:s3:::[^/]+\/\*$/);
            expect(resource).not.toMatch(/^arn:aws:s3:::\*/);
          }
          if (statement.Action.includes("s3:ListBucket")) {
            expect(
              statement.Condition?.["StringLike"]?.["s3:prefix"]?.length,
              `${id} lists with a prefix`,
            ).toBeGreaterThan(0);
          }
        }
        const step =
          plan.functions.find((f) => f.roleLogicalId === id) ??
          plan.sparkJobs.find((j) => j.roleLogicalId === id);
        if (!step) continue;
        const keys = allowedKeys(graph.step(step.stepId));
        const objects = role.statements
          .flatMap((s) => s.Resource)
          .filter((r) => r.startsWith("arn:aws:s3:::") && r.includes("/"));
        for (const object of objects) {
          const marker =
            object.endsWith("_$folder$") &&
            role.trust.Statement[0]?.Principal.Service === "emr-serverless.amazonaws.com";
          expect(marker || [...keys.read, ...keys.write].includes(object), `${id} may touch ${object}`).toBe(
            true,
          );
        }
        const reads = role.statements.find((s) => s.Sid === "ReadInputs");
        expect(reads?.Resource.sort()).toEqual([...new Set(keys.read)].sort());
        const writes = role.statements.filter(
          (s) => s.Action.includes("s3:PutObject") && s.Sid === "WriteOutput",
        );
        expect(writes).toHaveLength(1);
        for (const s of role.statements) {
          if (s.Sid !== "WriteOutput" && s.Sid !== "StageOutput" && s.Sid !== "WriteJobLogs") {
            expect(s.Action, `${id}/${s.Sid} writes nothing`).not.toContain("s3:PutObject");
          }
        }
      }
    });
  }

  it("lets a Lambda step read its input, write its output and staged copies, and log — exactly", () => {
    const role = roles(synthesized.get("simple")!.json).get("clean_sales_f7e1d6_lambda")!;
    expect(role.name).toBe("${var.name_prefix}-clean-sales-f7e1d6-lambda");
    expect(role.trust.Statement).toEqual([
      { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
    expect(role.statements).toMatchInlineSnapshot(`
      [
        {
          "Action": [
            "s3:GetObject",
          ],
          "Effect": "Allow",
          "Resource": [
            "arn:aws:s3:::glacier-example-sales/raw/sales.csv",
          ],
          "Sid": "ReadInputs",
        },
        {
          "Action": [
            "s3:ListBucket",
          ],
          "Condition": {
            "StringLike": {
              "s3:prefix": [
                "raw/sales.csv",
                "raw/sales.csv/",
              ],
            },
          },
          "Effect": "Allow",
          "Resource": [
            "arn:aws:s3:::glacier-example-sales",
          ],
          "Sid": "ListInputs",
        },
        {
          "Action": [
            "s3:AbortMultipartUpload",
            "s3:GetObject",
            "s3:ListMultipartUploadParts",
            "s3:PutObject",
          ],
          "Effect": "Allow",
          "Resource": [
            "arn:aws:s3:::glacier-example-sales/.glacier-tmp/cleanSales-f7e1d6975f86/*",
            "arn:aws:s3:::glacier-example-sales/clean/sales.parquet",
          ],
          "Sid": "WriteOutput",
        },
        {
          "Action": [
            "s3:DeleteObject",
          ],
          "Effect": "Allow",
          "Resource": [
            "arn:aws:s3:::glacier-example-sales/.glacier-tmp/cleanSales-f7e1d6975f86/*",
          ],
          "Sid": "StageOutput",
        },
        {
          "Action": [
            "s3:ListBucket",
          ],
          "Condition": {
            "StringLike": {
              "s3:prefix": [
                ".glacier-tmp/cleanSales-f7e1d6975f86",
                ".glacier-tmp/cleanSales-f7e1d6975f86/",
                ".glacier-tmp/cleanSales-f7e1d6975f86/*",
                "clean/sales.parquet",
                "clean/sales.parquet/",
              ],
            },
          },
          "Effect": "Allow",
          "Resource": [
            "arn:aws:s3:::glacier-example-sales",
          ],
          "Sid": "ListOutput",
        },
        {
          "Action": [
            "logs:CreateLogStream",
            "logs:PutLogEvents",
          ],
          "Effect": "Allow",
          "Resource": [
            "\${aws_cloudwatch_log_group.clean_sales_f7e1d6_logs.arn}:*",
          ],
          "Sid": "WriteLogs",
        },
      ]
    `);
  });

  it("scopes a dataset write to its directory and a glob read to its pattern", () => {
    const all = roles(synthesized.get("datasets")!.json);
    const roll = [...all.values()].find((r) => r.name.includes("-roll-"))!;
    expect(roll.statements.find((s) => s.Sid === "ReadInputs")?.Resource).toEqual([
      "arn:aws:s3:::partner-feed/events/2024-*.jsonl",
    ]);
    expect(roll.statements.find((s) => s.Sid === "ListInputs")?.Condition).toEqual({
      StringLike: { "s3:prefix": ["events", "events/", "events/*"] },
    });
    expect(roll.statements.find((s) => s.Sid === "StageOutput")?.Resource).toEqual([
      `arn:aws:s3:::acme-lake/${stepStagingPrefix(synthesized.get("datasets")!.graph.step("roll").id)}*`,
      "arn:aws:s3:::acme-lake/daily/*",
    ]);
  });

  it("lets a state machine invoke only its own steps' functions and jobs", () => {
    const { json, plan } = synthesized.get("complete")!;
    const all = roles(json);
    for (const machine of plan.stateMachines) {
      const role = all.get(machine.roleLogicalId)!;
      const invoked = role.statements
        .filter((s) => s.Action.includes("lambda:InvokeFunction"))
        .flatMap((s) => s.Resource);
      const own = plan.functions.filter((f) => machine.steps.includes(f.stepId));
      expect(invoked.sort()).toEqual(
        own
          .flatMap((f) => [
            `\${aws_lambda_function.${f.logicalId}.arn}`,
            `\${aws_lambda_function.${f.logicalId}.arn}:*`,
          ])
          .sort(),
      );
    }
  });

  it("lets a state machine run its EMR jobs and pass only their roles, only to EMR Serverless", () => {
    const { json } = synthesized.get("datasets")!;
    const sfn = roles(json).get("pipeline_totals_sfn")!;
    expect(sfn.statements.map((s) => s.Sid)).toEqual([
      "InvokeFunctions",
      "StartJobRuns",
      "WatchJobRuns",
      "PassJobRoles",
      "ManageSyncRule",
    ]);
    expect(sfn.statements.find((s) => s.Sid === "PassJobRoles")).toEqual({
      Sid: "PassJobRoles",
      Effect: "Allow",
      Action: ["iam:PassRole"],
      Resource: ["${aws_iam_role.total_542cd5_emr.arn}"],
      Condition: { StringEquals: { "iam:PassedToService": ["emr-serverless.amazonaws.com"] } },
    });
    expect(sfn.statements.find((s) => s.Sid === "ManageSyncRule")?.Resource).toEqual([
      "arn:aws:events:eu-west-1:123456789012:rule/StepFunctionsGetEventsForEMRServerlessJobRule",
    ]);
  });
});
