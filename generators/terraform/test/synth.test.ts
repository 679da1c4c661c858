import { CloudwatchLogGroup } from "@cdktn/provider-aws/lib/cloudwatch-log-group/index.js";
import { DataAwsCallerIdentity } from "@cdktn/provider-aws/lib/data-aws-caller-identity/index.js";
import { EmrserverlessApplication } from "@cdktn/provider-aws/lib/emrserverless-application/index.js";
import { LambdaFunction } from "@cdktn/provider-aws/lib/lambda-function/index.js";
import { LambdaLayerVersion } from "@cdktn/provider-aws/lib/lambda-layer-version/index.js";
import { AwsProvider } from "@cdktn/provider-aws/lib/provider/index.js";
import { S3Bucket } from "@cdktn/provider-aws/lib/s3-bucket/index.js";
import { S3BucketPolicy } from "@cdktn/provider-aws/lib/s3-bucket-policy/index.js";
import { S3Object } from "@cdktn/provider-aws/lib/s3-object/index.js";
import { SfnStateMachine } from "@cdktn/provider-aws/lib/sfn-state-machine/index.js";
import { planInfrastructure, type InfrastructurePlan } from "@glacier/aws-model";
import { LineageGraph, Provider } from "@glacier/core";
import { TerraformStack, Testing } from "cdktn";
import { beforeAll, describe, expect, it } from "vitest";
import { esbuildTarget } from "../src/package/package-assets.js";
import { buildStack, providerVersionConstraint, synthesizeStack } from "../src/synth/synth-stack.js";
import {
  EXAMPLES,
  exampleGraph,
  LAYER_ZIP,
  placeholderAssets,
  resourcesOf,
  useCdktnMatchers,
  type Example,
} from "./support.js";

useCdktnMatchers();

const plans = {} as Record<Example, InfrastructurePlan>;
const synthesized = {} as Record<Example, string>;
const modules = {} as Record<Example, Record<string, unknown>>;

beforeAll(async () => {
  for (const example of EXAMPLES) {
    const plan = planInfrastructure(await exampleGraph(example));
    plans[example] = plan;
    synthesized[example] = Testing.synth(buildStack(plan, placeholderAssets(plan)));
    modules[example] = synthesizeStack(plan, placeholderAssets(plan));
  }
});

describe("resource properties (cdktn Testing matchers)", () => {
  it("sets the AWS provider's region and default tags from the Provider", () => {
    expect(synthesized.simple).toHaveProviderWithProperties(AwsProvider, { region: "eu-west-1" });
    expect(synthesized["multi-source"]).toHaveProviderWithProperties(AwsProvider, { region: "eu-west-1" });
    const provider = (modules.simple["provider"] as { aws: { default_tags: { tags: string }[] }[] }).aws[0];
    expect(provider?.default_tags[0]?.tags).toContain('"project" = "glacier-examples"');
    expect(provider?.default_tags[0]?.tags).toContain("var.tags");
  });

  it("gives a serverless step a Lambda function sized by its executor", () => {
    expect(synthesized.simple).toHaveResourceWithProperties(LambdaFunction, {
      function_name: "${var.name_prefix}-clean-sales-f7e1d6",
      runtime: "nodejs24.x",
      handler: "index.handler",
      memory_size: 2048,
      timeout: 300,
      ephemeral_storage: { size: 512 },
      architectures: ["x86_64"],
      filename: "${path.module}/assets/functions/clean-sales-f7e1d6.zip",
      source_code_hash: "FUNCTION-ZIP-SHA256",
      layers: ["${aws_lambda_layer_version.nodejs_polars_x86_64.arn}"],
      role: "${aws_iam_role.clean_sales_f7e1d6_lambda.arn}",
    });
    expect(synthesized.complete).toHaveResourceWithProperties(LambdaFunction, {
      memory_size: 3008,
      timeout: 600,
      ephemeral_storage: { size: 2048 },
    });
  });

  it("gives each function a log group with retention, used by the function", () => {
    expect(synthesized.simple).toHaveResourceWithProperties(CloudwatchLogGroup, {
      name: "/aws/lambda/${var.name_prefix}-clean-sales-f7e1d6",
      retention_in_days: "${var.log_retention_days}",
    });
    const fn = resourcesOf(modules.simple, "aws_lambda_function")["clean_sales_f7e1d6"];
    expect(fn?.["logging_config"]).toEqual({
      log_format: "Text",
      log_group: "${aws_cloudwatch_log_group.clean_sales_f7e1d6_logs.name}",
    });
  });

  it("ships polars in one layer, uploaded to the artefacts bucket", () => {
    expect(synthesized.complete).toHaveResourceWithProperties(LambdaLayerVersion, {
      layer_name: "${var.name_prefix}-nodejs-polars-x86-64",
      compatible_runtimes: ["nodejs24.x"],
      compatible_architectures: ["x86_64"],
      s3_bucket: "${aws_s3_object.nodejs_polars_x86_64_zip.bucket}",
    });
    expect(Object.keys(resourcesOf(modules.complete, "aws_lambda_layer_version"))).toEqual([
      "nodejs_polars_x86_64",
    ]);
    expect(synthesized.complete).toHaveResourceWithProperties(S3Object, {
      bucket: "${aws_s3_bucket.artefacts.bucket}",
      source: `${"${path.module}"}/${LAYER_ZIP}`,
    });
  });

  it("gives a spark step an EMR Serverless application with the executor's initial capacity", () => {
    expect(synthesized.complete).toHaveResourceWithProperties(EmrserverlessApplication, {
      name: "${var.name_prefix}-enrich-orders-1314c5",
      release_label: "emr-7.14.0",
      type: "spark",
      initial_capacity: [
        {
          initial_capacity_type: "Driver",
          initial_capacity_config: {
            worker_count: 1,
            worker_configuration: { cpu: "2 vCPU", memory: "8 GB" },
          },
        },
        {
          initial_capacity_type: "Executor",
          initial_capacity_config: {
            worker_count: 4,
            worker_configuration: { cpu: "4 vCPU", memory: "16 GB" },
          },
        },
      ],
    });
    expect(synthesized.complete).toHaveResourceWithProperties(S3Object, {
      key: "glacier/spark/enrich-orders-1314c5.py",
      source: "${path.module}/spark/enrich-orders-1314c5.py",
      content_type: "text/x-python",
    });
  });

  it("gives each pipeline with cloud steps a state machine", () => {
    expect(synthesized.simple).toHaveResourceWithProperties(SfnStateMachine, {
      name: "${var.name_prefix}-sales",
      type: "STANDARD",
      role_arn: "${aws_iam_role.pipeline_sales_sfn.arn}",
    });
    expect(Object.keys(resourcesOf(modules.complete, "aws_sfn_state_machine")).sort()).toEqual([
      "pipeline_cleaned_orders",
      "pipeline_enrichment",
      "pipeline_regional",
      "pipeline_segments",
      "pipeline_top_spenders",
    ]);
  });

  it("looks the account up only when the Provider does not give it", () => {
    expect(synthesized.simple).toHaveDataSource(DataAwsCallerIdentity);
    expect(resourcesOf(modules.simple, "aws_s3_bucket")["artefacts"]?.["bucket"]).toBe(
      "${var.name_prefix}-artefacts-${data.aws_caller_identity.current.account_id}-eu-west-1",
    );
  });

  it("declares the variables, an explicit relative backend and the outputs", () => {
    const json = modules.complete as {
      terraform: { backend: unknown; required_providers: unknown };
      variable: Record<string, unknown>;
      output: Record<string, { value: unknown }>;
    };
    expect(json.terraform.backend).toEqual({ local: { path: "terraform.tfstate" } });
    // From the release @cdktn/provider-aws is generated from (6.66.0 for 25.x), not written by hand.
    const generatedFrom = new AwsProvider(new TerraformStack(Testing.app(), "probe"), "aws", {})
      .terraformGeneratorMetadata?.providerVersion;
    expect(generatedFrom).toMatch(/^6\.66\./);
    expect(json.terraform.required_providers).toEqual({
      aws: { source: "hashicorp/aws", version: providerVersionConstraint(generatedFrom) },
    });
    expect(providerVersionConstraint(generatedFrom)).toBe("~> 6.66");
    expect(Object.keys(json.variable).sort()).toEqual([
      "environment",
      "log_retention_days",
      "name_prefix",
      "noncurrent_version_days",
      "tags",
    ]);
    expect(Object.keys(json.output).sort()).toEqual([
      "artefacts_bucket",
      "data_buckets",
      "emr_application_ids",
      "function_arns",
      "state_machine_arns",
    ]);
    expect(json.output["function_arns"]?.value).toEqual({
      "cleanOrders->glacier-example-lake/cleaned/orders.parquet":
        "${aws_lambda_function.clean_orders_396c35.arn}",
      "segmentSummary->glacier-example-lake/output/segment_mix.parquet":
        "${aws_lambda_function.segment_summary_61f989.arn}",
    });
  });

  it("references only resources the module declares", () => {
    for (const example of EXAMPLES) {
      const json = modules[example];
      const text = JSON.stringify(json);
      const references = [...text.matchAll(/\$\{(aws_[a-z0-9_]+)\.([a-z0-9_]+)\.[a-z_]+\}/g)];
      expect(references.length).toBeGreaterThan(0);
      for (const [, type, name] of references) {
        expect(resourcesOf(json, type as string), `${type}.${name} in ${example}`).toHaveProperty(
          name as string,
        );
      }
    }
  });
});

describe("security defaults on every bucket", () => {
  for (const example of EXAMPLES) {
    it(`holds for every bucket of ${example}`, () => {
      const json = modules[example];
      const buckets = Object.keys(resourcesOf(json, "aws_s3_bucket"));
      expect(buckets).toContain("artefacts");
      const settings = (type: string) => Object.values(resourcesOf(json, type));
      const forBucket = (type: string, bucket: string) =>
        settings(type).filter((r) => r["bucket"] === `\${aws_s3_bucket.${bucket}.id}`);
      for (const bucket of buckets) {
        expect(forBucket("aws_s3_bucket_versioning", bucket)).toEqual([
          { bucket: `\${aws_s3_bucket.${bucket}.id}`, versioning_configuration: { status: "Enabled" } },
        ]);
        expect(forBucket("aws_s3_bucket_server_side_encryption_configuration", bucket)[0]?.["rule"]).toEqual([
          { apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } },
        ]);
        expect(forBucket("aws_s3_bucket_public_access_block", bucket)[0]).toMatchObject({
          block_public_acls: true,
          block_public_policy: true,
          ignore_public_acls: true,
          restrict_public_buckets: true,
        });
        expect(forBucket("aws_s3_bucket_ownership_controls", bucket)[0]?.["rule"]).toEqual({
          object_ownership: "BucketOwnerEnforced",
        });
        const policy = JSON.parse(forBucket("aws_s3_bucket_policy", bucket)[0]?.["policy"] as string);
        expect(policy.Statement).toEqual([
          {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [`\${aws_s3_bucket.${bucket}.arn}`, `\${aws_s3_bucket.${bucket}.arn}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
        ]);
        const rules = forBucket("aws_s3_bucket_lifecycle_configuration", bucket)[0]?.["rule"] as {
          id: string;
        }[];
        expect(rules.map((r) => r.id)).toEqual([
          "abort-incomplete-multipart-uploads",
          "expire-abandoned-staged-writes",
          "remove-staging-delete-markers",
          "expire-noncurrent-versions",
        ]);
        // Staged copies are deleted on commit: in a versioned bucket each leaves a noncurrent version and a
        // delete marker, which must not pile up for noncurrent_version_days.
        expect(
          rules.filter(
            (r) => r.id !== "abort-incomplete-multipart-uploads" && r.id !== "expire-noncurrent-versions",
          ),
        ).toEqual([
          {
            id: "expire-abandoned-staged-writes",
            status: "Enabled",
            filter: [{ prefix: ".glacier-tmp/" }],
            expiration: [{ days: 2 }],
            noncurrent_version_expiration: [{ noncurrent_days: 1 }],
            abort_incomplete_multipart_upload: [{ days_after_initiation: 1 }],
          },
          {
            id: "remove-staging-delete-markers",
            status: "Enabled",
            filter: [{ prefix: ".glacier-tmp/" }],
            expiration: [{ expired_object_delete_marker: true }],
          },
        ]);
      }
      expect(synthesized[example]).toHaveResource(S3BucketPolicy);
    });
  }

  it("creates a bucket per bucket name, once even when many locations share it", () => {
    expect(Object.keys(resourcesOf(modules.complete, "aws_s3_bucket")).sort()).toEqual([
      "artefacts",
      "bucket_glacier_example_lake",
    ]);
    expect(synthesized.complete).toHaveResourceWithProperties(S3Bucket, { bucket: "glacier-example-lake" });
  });
});

describe("runtimes and encryption follow the pipeline's options", () => {
  const key = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
  const aws = new Provider({ cloud: "aws", region: "eu-west-1" });
  const node22 = aws.serverless({ runtime: "nodejs22.x" });
  const copy = node22.task(function copy(df) {
    return df;
  });
  const plan = planInfrastructure(
    LineageGraph.from({
      p: aws
        .bucket({ bucket: "acme-lake", path: "in.parquet", kmsKeyArn: key })
        .transform(copy)
        .to(aws.bucket({ bucket: "acme-lake", path: "out.parquet", kmsKeyArn: key })),
    }),
  );
  const json = synthesizeStack(plan, placeholderAssets(plan));

  it("deploys a nodejs22.x function with a layer for that runtime, bundled for Node 22", () => {
    expect(Object.values(resourcesOf(json, "aws_lambda_function")).map((f) => f["runtime"])).toEqual([
      "nodejs22.x",
    ]);
    expect(
      Object.values(resourcesOf(json, "aws_lambda_layer_version")).map((l) => l["compatible_runtimes"]),
    ).toEqual([["nodejs22.x"]]);
    expect(esbuildTarget("nodejs22.x")).toBe("node22");
    expect(esbuildTarget("nodejs24.x")).toBe("node24");
  });

  it("encrypts a created bucket with its KMS key, one data key per bucket", () => {
    const encryption = resourcesOf(json, "aws_s3_bucket_server_side_encryption_configuration");
    expect(encryption["bucket_acme_lake_encryption"]?.["rule"]).toEqual([
      {
        apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: key },
        bucket_key_enabled: true,
      },
    ]);
    expect(encryption["artefacts_encryption"]?.["rule"]).toEqual([
      { apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } },
    ]);
  });
});

describe("synthesis leaves the working directory alone", () => {
  it("writes no cdktf.out/ where generate runs", async () => {
    const { existsSync } = await import("node:fs");
    const plan = planInfrastructure(await exampleGraph("simple"));
    synthesizeStack(plan, placeholderAssets(plan));
    expect(existsSync(`${process.cwd()}/cdktf.out`)).toBe(false);
  });
});
