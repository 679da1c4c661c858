import { resolve } from "node:path";
import { planInfrastructure, type InfrastructurePlan, type PlanOptions } from "@glacier/aws-model";
import { GlacierError, type GenerateOptions, type GenerateResult, type LineageGraph } from "@glacier/core";
import { outputReadme } from "./output-readme.js";
import type { PackageOptions } from "./package/package-assets.js";
import { MANIFEST, writeOutput } from "./write-output.js";

/** Options of `generate`: core's, plus packaging and naming settings of this package. */
export interface TerraformGenerateOptions extends Omit<GenerateOptions, "mode">, PlanOptions, PackageOptions {
  readonly mode?: "generate";
}

/** What `generate` did, beyond the files: for the CLI's summary and for tests. */
export interface GenerateReport extends GenerateResult {
  readonly unchanged: readonly string[];
  readonly removed: readonly string[];
  readonly plan: InfrastructurePlan;
  /** Layers taken from the cache instead of being zipped again. */
  readonly layerCacheHits: number;
}

/** Stable JSON: two-space indentation and a final newline. */
function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/**
 * Generates the Terraform module of a graph into `outputDir`: validates and plans, packages the Lambda code
 * and the polars layer, synthesises with cdktn, then writes. On any error nothing is written.
 *
 * @example
 * ```ts
 * const report = await generateTerraform(LineageGraph.from({ sales }), {
 *   outputDir: "terraform",
 *   entry: "examples/simple/pipeline.ts",
 * });
 * report.files
 * // ["README.md", "assets/functions/clean-sales-f7e1d6.zip", "assets/layers/nodejs-polars-0.24.1-x86_64.zip",
 * //  "glacier-manifest.json", "main.tf.json"]
 * ```
 */
export async function generateTerraform(
  graph: LineageGraph,
  options: TerraformGenerateOptions,
): Promise<GenerateReport> {
  if (typeof options?.outputDir !== "string" || options.outputDir.trim() === "") {
    throw new GlacierError("INVALID_OPTION", "generate needs an output directory.", {
      subject: { kind: "option", name: "outputDir" },
      hint: 'Pass it: glacier generate ./terraform, or run({ mode: "generate", outputDir: "terraform" }).',
    });
  }
  const plan = planInfrastructure(graph, {
    ...(options.namePrefix === undefined ? {} : { namePrefix: options.namePrefix }),
    ...(options.logRetentionDays === undefined ? {} : { logRetentionDays: options.logRetentionDays }),
  });
  const { packageAssets } = await import("./package/package-assets.js");
  const assets = await packageAssets(plan, graph, options);
  const { synthesizeStack } = await import("./synth/synth-stack.js");
  const terraform = synthesizeStack(plan, assets.synth);

  const files = [
    { path: "main.tf.json", data: json(terraform) },
    { path: "README.md", data: outputReadme(plan, assets.locations) },
    ...plan.sparkJobs.map((job) => ({ path: job.scriptPath, data: job.script })),
    ...assets.files,
  ];
  const paths = [...files.map((f) => f.path), MANIFEST].sort();
  files.push({ path: MANIFEST, data: json({ generator: "@glacier/terraform", files: paths, plan }) });
  const outputDir = resolve(options.outputDir);
  return {
    outputDir,
    ...(await writeOutput(outputDir, files)),
    plan,
    layerCacheHits: assets.layerCacheHits,
  };
}

/**
 * The `generate` interpreter: what `runGraph` calls for `run({ mode: "generate", outputDir })` and
 * `glacier generate <outdir> [entry]`.
 */
export async function interpret(graph: LineageGraph, options: GenerateOptions): Promise<GenerateResult> {
  const report = await generateTerraform(graph, options);
  return {
    outputDir: report.outputDir,
    files: report.files,
    unchanged: report.unchanged,
    removed: report.removed,
  };
}
