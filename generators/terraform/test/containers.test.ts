import { readFileSync } from "node:fs";
import { join } from "node:path";
import { unzipSync } from "fflate";
import { containerCommand } from "@glacier/aws-model";
import { LineageGraph } from "@glacier/core";
import { beforeAll, describe, expect, it } from "vitest";
import { generateTerraform, type GenerateReport } from "../src/index.js";
import { LAYER_CACHE, REPO, tempDir } from "./support.js";

/**
 * `generate` for a container step: its bundle (the SDK inside, polars outside), the task definition that runs
 * the bootstrap on the public Node 24 image, and the layer zip in S3 without a Lambda layer version.
 */

const root = tempDir("containers");
const ENTRY = join(REPO, "generators/terraform/test/fixtures/container-module.ts");
let report: GenerateReport;
let main: {
  resource: Record<string, Record<string, Record<string, unknown>>>;
  variable: Record<string, unknown>;
};

beforeAll(async () => {
  const graph = LineageGraph.from((await import(ENTRY)) as Record<string, never>);
  report = await generateTerraform(graph, {
    outputDir: root,
    entry: ENTRY,
    projectDir: REPO,
    cacheDir: LAYER_CACHE,
  });
  main = JSON.parse(readFileSync(join(root, "main.tf.json"), "utf8")) as typeof main;
}, 300_000);

describe("a container step's Terraform", () => {
  it("bundles the step with the AWS SDK inside and only nodejs-polars left to the layer", () => {
    const task = report.plan.containers!.tasks[0]!;
    expect(report.files).toContain(task.bundlePath);
    const zip = unzipSync(readFileSync(join(root, task.bundlePath)));
    expect(Object.keys(zip).sort()).toEqual(["index.mjs", "index.mjs.map"]);
    const code = new TextDecoder().decode(zip["index.mjs"]);
    const externals = [...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
    // Node's built-ins, and the SDK's optional CRT signer (required inside a try, for SigV4a only), aside.
    const packages = externals.filter(
      (name) =>
        !name!.startsWith("node:") && !/^[a-z_]+$/.test(name!) && name !== "@aws-sdk/signature-v4-crt",
    );
    expect([...new Set(packages)]).toEqual(["nodejs-polars"]);
    expect(code).toContain("runContainerStep");
    expect(code).toContain("PutObjectCommand");
  });

  it("defines a Fargate task on the public Node 24 image whose command is the bootstrap", () => {
    const [definition] = Object.values(main.resource["aws_ecs_task_definition"]!);
    expect(definition).toMatchObject({
      cpu: "4096",
      memory: "30720",
      network_mode: "awsvpc",
      requires_compatibilities: ["FARGATE"],
      ephemeral_storage: { size_in_gib: 64 },
      runtime_platform: { cpu_architecture: "X86_64", operating_system_family: "LINUX" },
    });
    const [container] = JSON.parse(String(definition!["container_definitions"])) as {
      image: string;
      command: string[];
      environment: { name: string; value: string }[];
    }[];
    expect(container!.image).toBe("public.ecr.aws/docker/library/node:24-slim");
    expect(container!.command).toEqual(containerCommand());
    expect(Object.fromEntries(container!.environment.map((e) => [e.name, e.value]))).toMatchObject({
      GLACIER_TIMEOUT_SECONDS: "5400",
      GLACIER_LAYER_S3:
        "s3://${aws_s3_object.nodejs_polars_x86_64_zip.bucket}/${aws_s3_object.nodejs_polars_x86_64_zip.key}",
    });
  });

  it("uploads the layer zip for the task but publishes no Lambda layer version without a function", () => {
    expect(main.resource["aws_lambda_layer_version"]).toBeUndefined();
    expect(Object.keys(main.resource["aws_s3_object"]!).sort()).toEqual([
      "nodejs_polars_x86_64_zip",
      expect.stringMatching(/^roll_up_[0-9a-f]{6}_bundle$/),
    ]);
    expect(Object.keys(main.variable)).toEqual(
      expect.arrayContaining([
        "container_subnets",
        "container_security_groups",
        "container_assign_public_ip",
      ]),
    );
  });

  it("says in the output README how the container step runs and where", () => {
    const readme = readFileSync(join(root, "README.md"), "utf8");
    expect(readme).toContain("## Container steps (ECS on Fargate)");
    expect(readme).toContain("4 vCPU, 30 GB, 64 GiB, x86_64, 5400 s");
  });
});
