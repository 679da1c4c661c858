import { execFile } from "node:child_process";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";

/**
 * The real `terraform` binary and a local provider mirror, for tests that init, validate and plan generated
 * modules offline. Missing tools are an error that says what is missing and how to point at it — never a skip.
 */

/** Where the tools are. */
export interface TerraformTools {
  readonly binary: string;
  /** A filesystem mirror root: `<root>/registry.terraform.io/hashicorp/aws/<version>/<os>_<arch>/…`. */
  readonly pluginDir: string;
  /** The hashicorp/aws version the mirror holds (the newest when several). */
  readonly awsVersion: string;
}

const PLATFORM = `${process.platform}_${process.arch === "x64" ? "amd64" : process.arch}`;

function onPath(name: string): string | undefined {
  for (const dir of (process.env["PATH"] ?? "").split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

function versionKey(version: string): number[] {
  return version.split(/[.-]/).map((p) => Number.parseInt(p, 10) || 0);
}

function newest(versions: readonly string[]): string | undefined {
  return [...versions].sort((a, b) => {
    const [x, y] = [versionKey(a), versionKey(b)];
    for (let i = 0; i < Math.max(x.length, y.length); i++)
      if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
    return 0;
  })[versions.length - 1];
}

/** hashicorp/aws versions under a mirror root that have a binary for this platform. */
function awsVersions(root: string): string[] {
  const dir = join(root, "registry.terraform.io", "hashicorp", "aws");
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((version) => {
    const platform = join(dir, version, PLATFORM);
    return existsSync(platform) && readdirSync(platform).some((f) => f.startsWith("terraform-provider-aws_"));
  });
}

/**
 * Finds `terraform` (`GLACIER_TERRAFORM`, else `PATH`) and a provider mirror holding hashicorp/aws
 * (`GLACIER_TF_PLUGIN_DIR`, else the usual mirror roots). Throws an Error naming what is missing.
 */
export function findTerraformTools(): TerraformTools {
  const binary = process.env["GLACIER_TERRAFORM"] ?? onPath("terraform");
  if (!binary || !existsSync(binary)) {
    throw new Error(
      "the terraform binary is missing: install Terraform ≥ 1.5 on PATH or set GLACIER_TERRAFORM to its path " +
        "(this test checks that Terraform accepts generated modules; it does not skip).",
    );
  }
  const given = process.env["GLACIER_TF_PLUGIN_DIR"];
  const roots = given
    ? [given]
    : [
        "/opt/tf-plugins",
        join(homedir(), ".terraform.d", "plugins"),
        join(homedir(), ".local", "share", "terraform", "plugins"),
        "/usr/local/share/terraform/plugins",
        "/usr/share/terraform/plugins",
      ];
  for (const root of roots) {
    const version = newest(awsVersions(root));
    if (version) return { binary, pluginDir: root, awsVersion: version };
  }
  throw new Error(
    `no hashicorp/aws provider for ${PLATFORM} in a local mirror (looked in ${roots.join(", ")}): set ` +
      "GLACIER_TF_PLUGIN_DIR to a directory holding registry.terraform.io/hashicorp/aws/<version>/<platform>/ " +
      "(this test runs terraform offline and does not skip).",
  );
}

/** One diagnostic of `validate -json` or of a `plan -json` message. */
export interface Diagnostic {
  readonly severity: "error" | "warning";
  readonly summary: string;
  readonly detail: string;
  readonly address?: string;
}

/** What `terraform plan -json` said. */
export interface PlanOutcome {
  readonly diagnostics: readonly Diagnostic[];
  /** `change_summary.changes.add`. */
  readonly add: number;
  /** Planned creations per resource type. */
  readonly types: Readonly<Record<string, number>>;
}

/** Runs terraform in `dir`; resolves with stdout and stderr, whatever the exit code. */
export function terraform(
  tools: TerraformTools,
  dir: string,
  args: readonly string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  // An empty CLI configuration: no ~/.terraformrc warning, no provider installation from anywhere else.
  const config = join(dir, ".terraformrc-test");
  if (!existsSync(config)) writeFileSync(config, "");
  return new Promise((resolve) => {
    execFile(
      tools.binary,
      [...args],
      {
        cwd: dir,
        maxBuffer: 64 * 1024 * 1024,
        env: {
          ...process.env,
          TF_CLI_CONFIG_FILE: config,
          TF_IN_AUTOMATION: "1",
          TF_INPUT: "0",
          CHECKPOINT_DISABLE: "1",
          // Nothing else may be reached: the provider talks to the STS stand-in only.
          AWS_EC2_METADATA_DISABLED: "true",
        },
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Diagnostics of `terraform validate -json`. */
export function validateDiagnostics(stdout: string): Diagnostic[] {
  const parsed = JSON.parse(stdout) as { diagnostics?: Diagnostic[] };
  return (parsed.diagnostics ?? []).map((d) => ({
    severity: d.severity,
    summary: d.summary,
    detail: d.detail ?? "",
    ...(d.address === undefined ? {} : { address: d.address }),
  }));
}

/** Diagnostics, the add count and planned resource types of `terraform plan -json` (one JSON object a line). */
export function planOutcome(stdout: string): PlanOutcome {
  const diagnostics: Diagnostic[] = [];
  const types: Record<string, number> = {};
  let add = -1;
  for (const line of stdout.split("\n")) {
    if (!line.startsWith("{")) continue;
    const message = JSON.parse(line) as {
      type?: string;
      diagnostic?: Diagnostic;
      changes?: { add?: number };
      change?: { action?: string; resource?: { resource_type?: string } };
    };
    if (message.type === "diagnostic" && message.diagnostic) {
      const d = message.diagnostic;
      diagnostics.push({
        severity: d.severity,
        summary: d.summary,
        detail: d.detail ?? "",
        ...(d.address === undefined ? {} : { address: d.address }),
      });
    }
    if (message.type === "change_summary") add = message.changes?.add ?? -1;
    if (message.type === "planned_change" && message.change?.action === "create") {
      const type = message.change.resource?.resource_type ?? "?";
      types[type] = (types[type] ?? 0) + 1;
    }
  }
  return { diagnostics, add, types };
}
