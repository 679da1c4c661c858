import { readFileSync, rmSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { LineageGraph } from "@glacier/core";
import { generateTerraform } from "@glacier/terraform";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStsStandIn, type StsStandIn } from "./sts-stand-in.js";
import {
  findTerraformTools,
  planOutcome,
  terraform,
  validateDiagnostics,
  type Diagnostic,
  type PlanOutcome,
  type TerraformTools,
} from "./terraform-cli.js";

/**
 * `glacier generate`'s promise, checked with the real Terraform: every example, and a pipeline that makes every
 * kind of resource Glacier emits, is generated, initialised offline against a local provider mirror, validated
 * and planned — with no error and no warning (a deprecated attribute is a warning today and an error in the
 * next major provider).
 *
 * Provider version. The generated module asks for `~> 6.66` (what @cdktn/provider-aws 25.x is generated from);
 * these machines mirror hashicorp/aws 5.100 only and cannot download, so a test-only `zz_test_override.tf.json`
 * (Terraform merges `*_override.tf.json` last) pins the mirrored version. What differs between 5.100 and 6.x for
 * this module, and what the override therefore changes:
 * - Lambda runtimes: 5.100 validates `runtime` and `compatible_runtimes` against an enum that ends at
 *   `nodejs22.x`, so where the module says `nodejs24.x` (6.x accepts it) the override says `nodejs22.x`. The
 *   fixture pipeline uses `nodejs22.x` itself, so one module is planned exactly as generated.
 * - Everything else the module writes exists in both majors with the same schema (6.x adds a per-resource
 *   `region` argument, which Glacier does not use, and removes attributes deprecated in 5.x — which is why any
 *   deprecation warning fails this test).
 * The override also gives the provider fake credentials and points STS at a loopback stand-in, since the
 * module reads `data.aws_caller_identity` when the Provider names no account.
 */

const REPO = fileURLToPath(new URL("../../", import.meta.url));
/** Shared with @glacier/terraform's tests: the polars layer is zipped once per machine. */
const LAYER_CACHE = join(tmpdir(), "glacier-terraform-test-cache");

interface Case {
  readonly name: string;
  readonly entry: string;
  /** Resources `terraform plan` creates. */
  readonly resources: number;
}

const CASES: readonly Case[] = [
  { name: "simple", entry: join(REPO, "examples/simple/pipeline.ts"), resources: 23 },
  { name: "complete", entry: join(REPO, "examples/complete/pipeline.ts"), resources: 47 },
  { name: "multi-source", entry: join(REPO, "examples/multi-source/pipeline.ts"), resources: 40 },
  { name: "every-resource", entry: join(REPO, "test/terraform/fixtures/every-resource.ts"), resources: 38 },
];

interface Outcome {
  readonly main: Record<string, unknown>;
  readonly override: Record<string, unknown>;
  readonly init: { code: number; stderr: string };
  readonly validate: readonly Diagnostic[];
  readonly plan: PlanOutcome & { readonly code: number; readonly stderr: string };
  readonly seconds: number;
}

/** Resources of one type in a Terraform JSON document, by name. */
function resources(json: Record<string, unknown>, type: string): Record<string, Record<string, unknown>> {
  return ((json["resource"] ?? {}) as Record<string, Record<string, Record<string, unknown>>>)[type] ?? {};
}

/** The test-only override: the mirrored provider, fake credentials, STS on loopback, 5.x-known runtimes. */
function overrideFor(
  main: Record<string, unknown>,
  tools: TerraformTools,
  sts: string,
): Record<string, unknown> {
  const major = Number(tools.awsVersion.split(".")[0]);
  const known = (runtime: unknown) => (major < 6 && runtime === "nodejs24.x" ? "nodejs22.x" : runtime);
  const functions = Object.fromEntries(
    Object.entries(resources(main, "aws_lambda_function"))
      .filter(([, fn]) => known(fn["runtime"]) !== fn["runtime"])
      .map(([name, fn]) => [name, { runtime: known(fn["runtime"]) }]),
  );
  const layers = Object.fromEntries(
    Object.entries(resources(main, "aws_lambda_layer_version"))
      .filter(([, layer]) => (layer["compatible_runtimes"] as string[]).some((r) => known(r) !== r))
      .map(([name, layer]) => [
        name,
        { compatible_runtimes: [...new Set((layer["compatible_runtimes"] as string[]).map(known))] },
      ]),
  );
  const resource = {
    ...(Object.keys(functions).length > 0 ? { aws_lambda_function: functions } : {}),
    ...(Object.keys(layers).length > 0 ? { aws_lambda_layer_version: layers } : {}),
  };
  return {
    terraform: { required_providers: { aws: { source: "hashicorp/aws", version: tools.awsVersion } } },
    provider: {
      aws: {
        access_key: "glacier-test",
        secret_key: "glacier-test",
        skip_credentials_validation: true,
        skip_requesting_account_id: true,
        skip_metadata_api_check: true,
        endpoints: [{ sts }],
      },
    },
    ...(Object.keys(resource).length > 0 ? { resource } : {}),
    // Container steps default to the account's default VPC, read by data sources at plan time; name networks
    // instead, so the plan reads nothing but STS. (Validate checks the data sources' configuration.)
    ...(main["variable"] && "container_subnets" in (main["variable"] as object)
      ? {
          variable: {
            container_subnets: { default: ["subnet-0123456789abcdef0"] },
            container_security_groups: { default: ["sg-0123456789abcdef0"] },
          },
        }
      : {}),
  };
}

async function planCase(c: Case, tools: TerraformTools, sts: string, root: string): Promise<Outcome> {
  const started = performance.now();
  const dir = join(root, c.name);
  const graph = LineageGraph.from((await import(c.entry)) as Record<string, never>);
  await generateTerraform(graph, { outputDir: dir, entry: c.entry, projectDir: REPO, cacheDir: LAYER_CACHE });
  const main = JSON.parse(readFileSync(join(dir, "main.tf.json"), "utf8")) as Record<string, unknown>;
  const override = overrideFor(main, tools, sts);
  writeFileSync(join(dir, "zz_test_override.tf.json"), `${JSON.stringify(override, null, 2)}\n`);
  const init = await terraform(tools, dir, [
    "init",
    `-plugin-dir=${tools.pluginDir}`,
    "-input=false",
    "-no-color",
  ]);
  const validate = await terraform(tools, dir, ["validate", "-json", "-no-color"]);
  const plan = await terraform(tools, dir, [
    "plan",
    "-refresh=false",
    "-lock=false",
    "-input=false",
    "-json",
    "-no-color",
  ]);
  return {
    main,
    override,
    init: { code: init.code, stderr: init.stderr },
    validate: validate.stdout.trim().startsWith("{")
      ? validateDiagnostics(validate.stdout)
      : [{ severity: "error", summary: "validate printed no JSON", detail: validate.stderr }],
    plan: { ...planOutcome(plan.stdout), code: plan.code, stderr: plan.stderr },
    seconds: (performance.now() - started) / 1000,
  };
}

const outcomes = new Map<string, Outcome>();
let tools: TerraformTools;
let sts: StsStandIn | undefined;
let root: string | undefined;

/** A missing tool or a failed generation: every test reports it, none is skipped. */
let setupError: unknown;

function outcomeOf(name: string): Outcome {
  if (setupError !== undefined) throw setupError;
  return outcomes.get(name) as Outcome;
}

beforeAll(async () => {
  try {
    tools = findTerraformTools();
  } catch (error) {
    setupError = error;
    return;
  }
  sts = await startStsStandIn();
  root = mkdtempSync(join(tmpdir(), "glacier-terraform-plan-"));
  // Concurrently: each plan spends most of its ~15 s starting the 700 MB provider and waiting on it.
  const results = await Promise.all(
    CASES.map(
      async (c) => [c.name, await planCase(c, tools, (sts as StsStandIn).endpoint, root as string)] as const,
    ),
  );
  for (const [name, outcome] of results) outcomes.set(name, outcome);
}, 600_000);

afterAll(async () => {
  await sts?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

/** Diagnostics as one readable line each, so a failure shows what Terraform said. */
function shown(diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics.map((d) =>
    `${d.severity}: ${d.summary}${d.address ? ` (${d.address})` : ""} ${d.detail}`.trim(),
  );
}

describe("terraform init, validate and plan of generated modules", () => {
  it("finds terraform and a local hashicorp/aws provider mirror", () => {
    if (setupError !== undefined) throw setupError;
    expect(tools.awsVersion).toMatch(/^\d+\.\d+\.\d+$/);
  });

  for (const c of CASES) {
    it(`accepts ${c.name}: no error, no warning, ${c.resources} resources planned`, () => {
      const outcome = outcomeOf(c.name);
      expect(outcome.init.code, outcome.init.stderr).toBe(0);
      expect(shown(outcome.validate)).toEqual([]);
      expect(shown(outcome.plan.diagnostics)).toEqual([]);
      expect(outcome.plan.code, outcome.plan.stderr).toBe(0);
      expect(outcome.plan.add).toBe(c.resources);
    });
  }

  it("plans every kind of resource Glacier emits for the fixture pipeline", () => {
    const { plan } = outcomeOf("every-resource");
    expect(plan.types).toEqual({
      // The function's and the container task's.
      aws_cloudwatch_log_group: 2,
      aws_ecs_cluster: 1,
      aws_ecs_task_definition: 1,
      aws_emrserverless_application: 1,
      // The function's, the EMR job's, the container's task and execution roles, the state machine's and the
      // scheduler's.
      aws_iam_role: 6,
      aws_iam_role_policy: 6,
      aws_lambda_function: 1,
      aws_lambda_layer_version: 1,
      // The data bucket and the artefacts bucket; the external bucket is referenced, never created.
      aws_s3_bucket: 2,
      aws_s3_bucket_lifecycle_configuration: 2,
      aws_s3_bucket_ownership_controls: 2,
      aws_s3_bucket_policy: 2,
      aws_s3_bucket_public_access_block: 2,
      aws_s3_bucket_server_side_encryption_configuration: 2,
      aws_s3_bucket_versioning: 2,
      // The Spark driver, the layer zip and the container step's bundle.
      aws_s3_object: 3,
      aws_scheduler_schedule: 1,
      aws_sfn_state_machine: 1,
    });
  });

  it("changes nothing but what provider 5.x cannot know: the fixture is planned as generated", () => {
    expect(outcomeOf("every-resource").override["resource"]).toBeUndefined();
    const complete = outcomeOf("complete");
    expect(Object.values(resources(complete.main, "aws_lambda_function")).map((f) => f["runtime"])).toEqual([
      "nodejs24.x",
      "nodejs24.x",
    ]);
    expect(Object.keys(complete.override["resource"] as object).sort()).toEqual([
      "aws_lambda_function",
      "aws_lambda_layer_version",
    ]);
  });

  it("asks STS for the caller's identity and nothing else", () => {
    outcomeOf("complete");
    expect(new Set(sts?.actions)).toEqual(new Set(["GetCallerIdentity"]));
  });
});
