import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DataAwsCallerIdentity } from "@cdktn/provider-aws/lib/data-aws-caller-identity/index.js";
import { AwsProvider } from "@cdktn/provider-aws/lib/provider/index.js";
import { ACCOUNT_REF, ref, type InfrastructurePlan } from "@glacier/aws-model";
import { App, Fn, LocalBackend, TerraformOutput, TerraformStack, TerraformVariable, Token } from "cdktn";
import type { SynthAssets, SynthContext } from "./synth-context.js";
import { synthCompute } from "./synth-compute.js";
import { synthOrchestration } from "./synth-orchestration.js";
import { synthStorage } from "./synth-storage.js";

/**
 * Turns an {@link InfrastructurePlan} into one Terraform root module (JSON). The only place Glacier touches
 * cdktn; callers import this module lazily so `planInfrastructure` stays cheap.
 */

let scratch: string | undefined;

/** One scratch directory per process for stacks built without synthesis (tests' cdktn matchers). */
function scratchDir(): string {
  scratch ??= mkdtempSync(join(tmpdir(), "glacier-cdktn-"));
  return scratch;
}

/** The stack's name: the module's `//.metadata.stackName`. */
const STACK = "glacier";

/** Retention periods CloudWatch Logs accepts. */
const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

function variables(stack: TerraformStack, plan: InfrastructurePlan) {
  const environment = new TerraformVariable(stack, "environment", {
    type: "string",
    default: "dev",
    description: "Deployment environment; tags every resource and reaches functions as GLACIER_ENVIRONMENT.",
  });
  const namePrefix = new TerraformVariable(stack, "name_prefix", {
    type: "string",
    default: plan.namePrefix,
    description:
      "Prefix of every generated name. The cloud executor must use the same prefix (see glacier-manifest.json).",
    validation: [
      {
        condition: `\${length(var.name_prefix) <= ${plan.maxNamePrefixLength} && can(regex("^[a-z][a-z0-9-]*$", var.name_prefix))}`,
        errorMessage: `name_prefix must be lowercase letters, digits and -, start with a letter, and be at most ${plan.maxNamePrefixLength} characters so every generated name fits AWS's limits.`,
      },
    ],
  });
  const tags = new TerraformVariable(stack, "tags", {
    type: "map(string)",
    default: {},
    description: "Extra tags for every resource (merged over the Provider's tags).",
  });
  const logRetention = new TerraformVariable(stack, "log_retention_days", {
    type: "number",
    default: plan.logRetentionDays,
    description: "Retention of the Lambda functions' log groups.",
    validation: [
      {
        condition: `\${contains([${RETENTION_DAYS.join(", ")}], var.log_retention_days)}`,
        errorMessage:
          "log_retention_days must be a retention CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90 …).",
      },
    ],
  });
  const noncurrent = new TerraformVariable(stack, "noncurrent_version_days", {
    type: "number",
    default: 30,
    description: "Days S3 keeps an overwritten or deleted object version before expiring it.",
  });
  return { environment, namePrefix, tags, logRetention, noncurrent };
}

/**
 * `~> MAJOR.MINOR` of the hashicorp/aws release that `@cdktn/provider-aws` was generated from (6.66.0 for
 * 25.x): every attribute the bindings can write exists from that release on, and `~>` stops before 7.0.
 *
 * @example
 * ```ts
 * providerVersionConstraint("6.66.0") // "~> 6.66"
 * ```
 */
export function providerVersionConstraint(providerVersion: string | undefined): string {
  const match = /^(\d+)\.(\d+)\./.exec(providerVersion ?? "");
  if (!match) throw new Error(`@cdktn/provider-aws names no provider version (${String(providerVersion)})`);
  return `~> ${match[1]}.${match[2]}`;
}

function outputs(stack: TerraformStack, plan: InfrastructurePlan): void {
  const map = <T>(items: readonly T[], key: (t: T) => string, value: (t: T) => string) =>
    Object.fromEntries(items.map((item) => [key(item), value(item)]));
  new TerraformOutput(stack, "data_buckets", {
    description: "Data buckets this module manages.",
    value: plan.buckets.filter((b) => b.managed).map((b) => ref("aws_s3_bucket", b.logicalId, "bucket")),
  });
  new TerraformOutput(stack, "artefacts_bucket", { value: ref("aws_s3_bucket", "artefacts", "bucket") });
  new TerraformOutput(stack, "function_arns", {
    description: "Lambda function ARN per step id.",
    value: map(
      plan.functions,
      (f) => f.stepId,
      (f) => ref("aws_lambda_function", f.logicalId, "arn"),
    ),
  });
  new TerraformOutput(stack, "emr_application_ids", {
    description: "EMR Serverless application id per step id.",
    value: map(
      plan.sparkJobs,
      (j) => j.stepId,
      (j) => ref("aws_emrserverless_application", j.logicalId, "id"),
    ),
  });
  new TerraformOutput(stack, "state_machine_arns", {
    description: "Step Functions state machine ARN per pipeline.",
    value: map(
      plan.stateMachines,
      (m) => m.pipeline,
      (m) => ref("aws_sfn_state_machine", m.logicalId, "arn"),
    ),
  });
}

/**
 * Builds the cdktn stack of a plan (for cdktn's `Testing` matchers); {@link synthesizeStack} renders it.
 */
export function buildStack(
  plan: InfrastructurePlan,
  assets: SynthAssets,
  outdir: string = scratchDir(),
): TerraformStack {
  // No construct stack traces: capturing one per resource is most of the synthesis time. cdktn's App creates
  // its output directory (`cdktf.out/stacks`) at construction; Glacier renders the JSON itself, so that goes to
  // a scratch directory instead of the user's working directory.
  const app = new App({ outdir, skipValidation: true, skipBackendValidation: true, stackTraces: false });
  const stack = new TerraformStack(app, STACK);
  new LocalBackend(stack, { path: "terraform.tfstate" });
  const vars = variables(stack, plan);
  const provider = new AwsProvider(stack, "aws", {
    region: plan.region,
    ...(plan.accountId === null ? {} : { allowedAccountIds: [plan.accountId] }),
    defaultTags: [
      {
        tags: Token.asStringMap(
          Fn.merge([
            {
              ...plan.tags,
              "glacier:managed-by": "glacier",
              "glacier:environment": vars.environment.stringValue,
            },
            vars.tags.value,
          ]),
        ),
      },
    ],
  });
  // cdktn writes the short source "aws" and an exact version; name the registry namespace and allow the
  // releases from the one the bindings were generated from up to the next major.
  stack.addOverride("terraform.required_providers.aws", {
    source: "hashicorp/aws",
    version: providerVersionConstraint(provider.terraformGeneratorMetadata?.providerVersion),
  });
  if (plan.accountId === null) new DataAwsCallerIdentity(stack, "current");
  const prefixExpression = "${var.name_prefix}";
  const ctx: SynthContext = {
    stack,
    plan,
    assets,
    name: (generated) => {
      if (!generated.startsWith(`${plan.namePrefix}-`))
        throw new Error(`"${generated}" lacks the name prefix`);
      return `${prefixExpression}${generated.slice(plan.namePrefix.length)}`;
    },
    logRetentionDays: vars.logRetention.numberValue,
    noncurrentVersionDays: vars.noncurrent.numberValue,
    account: plan.accountId ?? ACCOUNT_REF,
  };
  synthStorage(ctx);
  synthCompute(ctx);
  synthOrchestration(ctx);
  outputs(stack, plan);
  return stack;
}

/**
 * Synthesises the plan: the Terraform JSON object of `main.tf.json`, without cdktn's metadata.
 *
 * @example
 * ```ts
 * const json = synthesizeStack(plan, assets);
 * Object.keys(json.resource.aws_lambda_function) // ["clean_sales_f7e1d6"]
 * ```
 */
export function synthesizeStack(plan: InfrastructurePlan, assets: SynthAssets): Record<string, unknown> {
  // cdktn records a full stack trace for every token it creates; with source maps on (tsx, vitest,
  // --enable-source-maps) formatting those traces is most of the synthesis time, and nothing reads them.
  const sourceMaps = process.sourceMapsEnabled;
  if (sourceMaps) process.setSourceMapsEnabled(false);
  const outdir = mkdtempSync(join(tmpdir(), "glacier-cdktn-"));
  try {
    return withoutMetadata(buildStack(plan, assets, outdir).toTerraform()) as Record<string, unknown>;
  } finally {
    if (sourceMaps) process.setSourceMapsEnabled(true);
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** cdktn's construct metadata (`"//"`) is for its own CLI; plain Terraform ignores it, so it is dropped. */
function withoutMetadata(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutMetadata);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .filter(([key]) => key !== "//")
      .map(([key, v]) => [key, withoutMetadata(v)]),
  );
}
