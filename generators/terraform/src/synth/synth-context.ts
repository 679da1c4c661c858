import type { InfrastructurePlan } from "@glacier/aws-model";
import type { TerraformStack } from "cdktn";

/** The code zip of one function, or the layer zip of one architecture, as packaged into the output. */
export interface BuiltAsset {
  /** Relative to the output directory, e.g. `assets/functions/clean-sales-3f2a9c.zip`. */
  readonly path: string;
  /** Base64 SHA-256 of the zip: Lambda's `source_code_hash`. */
  readonly sha256: string;
}

/** The packaged code the synthesizer references: function zips by function, layer zips by layer. */
export interface SynthAssets {
  readonly functions: Readonly<Record<string, BuiltAsset>>;
  readonly layers: Readonly<Record<string, BuiltAsset & { readonly version: string }>>;
  /** Container steps' bundle zips by task logical id (uploaded to the artefacts bucket). */
  readonly containers?: Readonly<Record<string, BuiltAsset>>;
}

/** What every synth module needs: the stack to add to, the plan, and how names become Terraform strings. */
export interface SynthContext {
  readonly stack: TerraformStack;
  readonly plan: InfrastructurePlan;
  readonly assets: SynthAssets;
  /** A generated name with its prefix replaced by `${var.name_prefix}`. */
  readonly name: (generated: string) => string;
  /** Expression of the log retention variable. */
  readonly logRetentionDays: number;
  /** Expression of the noncurrent-version retention variable. */
  readonly noncurrentVersionDays: number;
  /** The account id, literal or a Terraform reference. */
  readonly account: string;
}

/** `${path.module}/<relative>`: files of the output directory, wherever Terraform runs from. */
export function modulePath(relative: string): string {
  return `\${path.module}/${relative}`;
}

/** The JSON of an IAM policy document. */
export function policyJson(statements: readonly Record<string, unknown>[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}
