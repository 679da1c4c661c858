import type { InfrastructurePlan } from "@glacier/aws-model";
import type { StepLocation } from "./package/locate-steps.js";

/**
 * The README of the output directory: what was generated from which pipeline code, which steps run where,
 * what Step Functions cannot run, and how to apply it. Derived from the plan only, so it is as deterministic
 * as the Terraform.
 */

/** Where each Lambda step's bundle came from, with paths relative to the project. */
export type BundleSources = ReadonlyMap<
  string,
  Pick<StepLocation, "module" | "exports" | "definedAt" | "located">
>;

function cell(text: string): string {
  return text.replace(/\|/g, "\\|");
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return "_none_\n";
  return (
    [
      `| ${header.join(" | ")} |`,
      `| ${header.map(() => "---").join(" | ")} |`,
      ...rows.map((row) => `| ${row.map(cell).join(" | ")} |`),
    ].join("\n") + "\n"
  );
}

function stepsSection(plan: InfrastructurePlan): string {
  const rows = plan.steps.map((s) => [
    `\`${s.stepId}\``,
    s.executor,
    s.runsOn === "in-process"
      ? "in-process (`glacier run --mode cloud`)"
      : `${s.runsOn} \`${s.resourceName ?? ""}\``,
    s.pipelines.join(", "),
  ]);
  return `## Steps\n\n${table(["step", "executor", "runs on", "pipelines"], rows)}`;
}

function pipelinesSection(plan: InfrastructurePlan): string {
  const parts = plan.pipelines.map((p) => {
    const machine = plan.stateMachines.find((m) => m.logicalId === p.stateMachineLogicalId);
    const lines = [`### ${p.name}${p.description ? ` — ${p.description}` : ""}`, ""];
    if (!machine) {
      lines.push(`No state machine: ${p.note ?? "none of its steps runs in the cloud"}.`);
    } else {
      lines.push(
        `State machine \`${machine.name}\` runs ${machine.steps.length} of ${p.steps.length} steps.`,
      );
      for (const excluded of machine.excluded)
        lines.push(`- not run by it: \`${excluded.stepId}\` — ${excluded.reason}`);
    }
    if (p.schedule)
      lines.push("", `Schedule: \`${p.schedule}\` (UTC), EventBridge Scheduler starts the state machine.`);
    return lines.join("\n");
  });
  return `## Pipelines\n\nLocal-executor steps cannot run inside Step Functions: \`glacier run --mode cloud\` runs them in-process, and a state machine stops before the first step that needs one.\n\n${parts.join("\n\n")}\n`;
}

function resourcesSection(plan: InfrastructurePlan): string {
  const buckets = plan.buckets.map((b) => [
    `\`${b.name}\``,
    b.managed ? "created" : "external (referenced only)",
    b.kmsKeyArn === undefined ? "SSE-S3" : `SSE-KMS \`${b.kmsKeyArn}\``,
  ]);
  const roles = plan.roles.map((r) => [
    `\`${r.name}\``,
    r.purpose,
    r.statements.map((s) => s.sid).join(", "),
  ]);
  const jobs = plan.sparkJobs.map((j) => [
    `\`${j.applicationName}\``,
    j.releaseLabel,
    `driver ${j.driver.cpu} vCPU/${j.driver.memory} GB, ${j.executor.workers} × ${j.executor.cpu} vCPU/${j.executor.memory} GB`,
    `\`${j.scriptPath}\``,
  ]);
  return [
    "## Resources\n",
    "### S3 buckets\n",
    "Every created bucket has versioning, SSE-S3 encryption (SSE-KMS with a bucket's `kmsKeyArn`), all public",
    "access blocked, bucket-owner-enforced ownership, a policy denying non-TLS requests, and a lifecycle expiring",
    "abandoned staged writes (`.glacier-tmp/`) with their old versions, delete markers and incomplete uploads, and",
    `old versions. Glacier's own artefacts go to \`${plan.artefacts.name.replace(/\$\{[^}]*\}/g, "<account id>")}\`.\n`,
    table(["bucket", "managed", "encryption"], buckets),
    "### EMR Serverless applications\n",
    table(["application", "release", "initial capacity", "Spark SQL driver"], jobs),
    "### IAM roles\n",
    "Each role has one inline policy naming exact resources: a step reads only its inputs and writes only its",
    "output and its own staging prefix (`.glacier-tmp/<step>/`), with the KMS keys of SSE-KMS buckets it uses.\n",
    table(["role", "assumed by", "statements"], roles),
  ].join("\n");
}

function packagingSection(plan: InfrastructurePlan, sources: BundleSources): string {
  if (plan.functions.length === 0) return "";
  const rows = plan.functions.map((f) => {
    const source = sources.get(f.stepId);
    return [
      `\`${f.functionName}\``,
      `\`${f.bundlePath}\``,
      source ? `${source.exports.map((e) => `\`${e}\``).join(", ")} of \`${source.module}\`` : "",
      source?.definedAt ? `\`${source.definedAt}\`` : "",
    ];
  });
  const layers = plan.layers
    .map((l) => `\`${l.name}\` (${l.architecture}, \`${l.binaryPackage}\`)`)
    .join(", ");
  return [
    "## Packaging\n",
    "Each function's zip holds `index.mjs`, an esbuild bundle of the exports below and Glacier's handler",
    `(\`@glacier/aws/lambda-handler\`). nodejs-polars and its native binary come from the shared layer ${layers};`,
    `the AWS SDK from the Lambda runtime (${[...new Set(plan.functions.map((f) => `\`${f.runtime}\``))].sort().join(", ")}). Zips are deterministic: regenerating unchanged code changes nothing.\n`,
    table(["function", "zip", "bundles", "task defined at"], rows),
  ].join("\n");
}

/** Container steps: their task definitions, bundles, and the networking variables (only when there are some). */
function containersSection(plan: InfrastructurePlan, sources: BundleSources): string {
  const containers = plan.containers;
  if (!containers) return "";
  const rows = containers.tasks.map((t) => {
    const source = sources.get(t.stepId);
    return [
      `\`${t.family}\``,
      `${t.cpu} vCPU, ${t.memory} GB, ${t.ephemeralStorage} GiB, ${t.architecture}, ${t.timeout} s`,
      `\`${t.bundlePath}\``,
      source ? `${source.exports.map((e) => `\`${e}\``).join(", ")} of \`${source.module}\`` : "",
    ];
  });
  return [
    "## Container steps (ECS on Fargate)\n",
    `Each runs as a task on the cluster \`${containers.cluster.name}\` from the public image \`${containers.image}\``,
    "(nothing is built): its command fetches the step's bundle (uploaded to the artefacts bucket) and the polars",
    "layer zip, and runs the same handler as a Lambda step. Networking: `container_subnets` and",
    "`container_security_groups` (default: the account's default VPC and its `default` security group) and",
    "`container_assign_public_ip` (default `ENABLED`, needed in public subnets without a NAT gateway).\n",
    table(["task definition", "size", "bundle", "bundles"], rows),
  ].join("\n");
}

const APPLY = `## Apply

\`\`\`sh
terraform init
terraform plan  -var environment=prod
terraform apply -var environment=prod
\`\`\`

Variables: \`environment\` (default \`dev\`), \`name_prefix\` (every generated name starts with it; the cloud
executor must use the same prefix — see \`glacier-manifest.json\`), \`tags\`, \`log_retention_days\`,
\`noncurrent_version_days\`.

State is kept in \`terraform.tfstate\` next to this file (local backend). To share it, add a
\`backend_override.tf.json\` (Terraform merges \`*_override.tf.json\` files and glacier generate leaves them alone):

\`\`\`json
{ "terraform": { "backend": { "s3": { "bucket": "my-tf-state", "key": "glacier/terraform.tfstate", "region": "eu-west-1" } } } }
\`\`\`

Regenerate with \`glacier generate\` after changing the pipeline code; edit nothing here by hand. Files a
previous generation wrote and this one does not are removed; other files in this directory are left alone.
`;

/**
 * @example
 * ```ts
 * outputReadme(plan, sources)
 * // "# Glacier infrastructure\n\nGenerated by `glacier generate` … | `cleanSales->…` | serverless | lambda …"
 * ```
 */
export function outputReadme(plan: InfrastructurePlan, sources: BundleSources): string {
  const account = plan.accountId ?? "the account of the credentials applying it";
  return [
    "# Glacier infrastructure\n",
    "Generated by `glacier generate` (@glacier/terraform) from the pipeline code. One Terraform root module",
    `(\`main.tf.json\`) for region \`${plan.region}\` and ${plan.accountId ? `account \`${account}\`` : account}; every`,
    `name starts with the prefix \`${plan.namePrefix}\`.\n`,
    stepsSection(plan),
    pipelinesSection(plan),
    resourcesSection(plan),
    packagingSection(plan, sources),
    containersSection(plan, sources),
    APPLY,
  ]
    .filter((part) => part !== "")
    .join("\n");
}
