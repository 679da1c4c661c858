import { existsSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import type { FunctionPlan, InfrastructurePlan } from "@glacier/aws-model";
import { GlacierError, type LineageGraph } from "@glacier/core";
import type { SynthAssets } from "../synth/synth-context.js";
import { bundleFunction, type FunctionBundle } from "./bundle-function.js";
import { deterministicZip, sha256Base64 } from "./deterministic-zip.js";
import { buildPolarsLayer } from "./polars-layer.js";
import type { StepLocation } from "./locate-steps.js";

/**
 * Packaging: per function a zip of its esbuild bundle, per architecture the shared polars layer (from the
 * cache when unchanged). Everything is computed before anything is written, so a failure leaves the output
 * directory as it was.
 */

/** A file to write into the output directory: bytes, or a copy of a cached file. */
export type OutputFile =
  | { readonly path: string; readonly data: Uint8Array | string }
  | { readonly path: string; readonly copyFrom: string };

/** Where packaging finds the user's code and keeps its cache. */
export interface PackageOptions {
  /** The module defining the pipelines. */
  readonly entry?: string;
  /** Root for relative paths in bundles and for node_modules; default: nearest ancestor of the entry with one. */
  readonly projectDir?: string;
  /** Default `<projectDir>/node_modules/.cache/glacier`. */
  readonly cacheDir?: string;
}

/** The packaged code: files to write, what the synthesizer references, where each step's code came from. */
export interface PackagedAssets {
  readonly files: readonly OutputFile[];
  readonly synth: SynthAssets;
  /** Where each Lambda step's code came from; paths relative to the project directory. */
  readonly locations: ReadonlyMap<string, StepLocation & { readonly bundleInputs: number }>;
  readonly layerCacheHits: number;
}

/** Lambda's limit on a function's code and layers, unzipped. */
const UNZIPPED_LIMIT = 250 * 1024 * 1024;
/** Lambda's limit on a zip uploaded directly (functions are; the layer goes through S3). */
const ZIPPED_LIMIT = 50 * 1024 * 1024;

function entryModule(given: string | undefined): string {
  const argv = process.argv[1];
  const candidate =
    given ?? (argv && /\.(m|c)?(t|j)sx?$/.test(argv) && !argv.includes("node_modules") ? argv : undefined);
  if (candidate === undefined) {
    throw new GlacierError(
      "GENERATE_FAILED",
      "serverless steps need the module that defines them, to bundle it.",
      {
        subject: { kind: "option", name: "entry" },
        hint: 'Pass the pipeline file: glacier generate <outdir> <entry>, or run({ mode: "generate", outputDir, entry }).',
      },
    );
  }
  const path = isAbsolute(candidate) ? candidate : resolve(candidate);
  if (!existsSync(path)) {
    throw new GlacierError("ENTRY_NOT_FOUND", `${path} does not exist.`, {
      subject: { kind: "file", name: candidate },
      hint: "Pass the path of the module that defines the pipelines.",
    });
  }
  return path;
}

/** esbuild's target for container bundles: the image's Node (`node:24-slim`). */
export const CONTAINER_TARGET = "node24";

/** esbuild's target for a Lambda runtime: `nodejs24.x` → `node24`. */
export function esbuildTarget(runtime: FunctionPlan["runtime"]): string {
  return runtime.replace(/^nodejs(\d+)\.x$/, "node$1");
}

function projectPath(projectDir: string, path: string): string {
  return relative(projectDir, path).split(sep).join("/");
}

function projectDirOf(entry: string): string {
  for (let dir = dirname(entry); ; dir = dirname(dir)) {
    if (existsSync(join(dir, "node_modules"))) return dir;
    if (dirname(dir) === dir) return dirname(entry);
  }
}

/**
 * @example
 * ```ts
 * const assets = await packageAssets(plan, graph, { entry: "examples/simple/pipeline.ts" });
 * assets.files.map((f) => f.path)
 * // ["assets/functions/clean-sales-f7e1d6.zip", "assets/layers/nodejs-polars-0.24.1-x86_64.zip"]
 * ```
 */
export async function packageAssets(
  plan: InfrastructurePlan,
  graph: LineageGraph,
  options: PackageOptions,
): Promise<PackagedAssets> {
  const containerTasks = plan.containers?.tasks ?? [];
  if (plan.functions.length === 0 && containerTasks.length === 0)
    return {
      files: [],
      synth: { functions: {}, layers: {}, containers: {} },
      locations: new Map(),
      layerCacheHits: 0,
    };
  // The entry is needed only for a step whose recorded definition cannot be used: with several modules (a
  // config, discovery) and no entry, every step is bundled from the module it was written in.
  let entry: string | undefined;
  const theEntry = (): string => (entry ??= entryModule(options.entry));
  const { locateSteps } = await import("./locate-steps.js");
  const located = locateSteps(
    theEntry,
    [...plan.functions, ...containerTasks].map((f) => graph.step(f.stepId)),
  );
  const anchor = options.entry !== undefined ? theEntry() : [...located.values()][0]?.module;
  const projectDir = options.projectDir ?? projectDirOf(anchor ?? theEntry());
  const cacheDir = options.cacheDir ?? join(projectDir, "node_modules", ".cache", "glacier");
  const layers = new Map(
    await Promise.all(
      plan.layers.map(
        async (layer) =>
          [
            layer.logicalId,
            { layer, built: await buildPolarsLayer(layer, { projectDir, cacheDir }) },
          ] as const,
      ),
    ),
  );
  const bundles = new Map<string, Promise<FunctionBundle>>();
  const files: OutputFile[] = [];
  const functions: Record<string, { path: string; sha256: string }> = {};
  const locations = new Map<string, StepLocation & { bundleInputs: number }>();
  /** Where a step's code came from, relative to the project directory, for the manifest and README. */
  const locate = (stepId: string, location: StepLocation, bundle: FunctionBundle): void => {
    locations.set(stepId, {
      ...location,
      module: projectPath(projectDir, location.module),
      ...(location.definedAt === undefined ? {} : { definedAt: projectPath(projectDir, location.definedAt) }),
      bundleInputs: bundle.inputs.length,
    });
  };
  for (const fn of plan.functions) {
    const location = located.get(fn.stepId) as StepLocation;
    const target = esbuildTarget(fn.runtime);
    const key = `${location.module}\n${location.exports.join(",")}\n${target}`;
    if (!bundles.has(key)) {
      bundles.set(
        key,
        bundleFunction({ projectDir, module: location.module, exports: location.exports, target }),
      );
    }
    const bundle = await (bundles.get(key) as Promise<FunctionBundle>);
    const zip = deterministicZip([
      { path: "index.mjs", data: bundle.code },
      { path: "index.mjs.map", data: bundle.map },
    ]);
    const layer = layers.get(fn.layerLogicalId);
    const unzipped = bundle.code.length + bundle.map.length + (layer?.built.unzippedBytes ?? 0);
    if (zip.length > ZIPPED_LIMIT || unzipped > UNZIPPED_LIMIT) {
      throw new GlacierError(
        "GENERATE_FAILED",
        `the function's code (${(zip.length / 1e6).toFixed(1)} MB zipped) and the polars layer take ${(unzipped / 1048576).toFixed(0)} MiB unzipped; Lambda allows ${ZIPPED_LIMIT / 1048576} MiB zipped and ${UNZIPPED_LIMIT / 1048576} MiB unzipped.`,
        {
          subject: { kind: "step", name: fn.stepId },
          hint: "Move large dependencies out of the pipeline module, or run the step on provider.spark().",
        },
      );
    }
    files.push({ path: fn.bundlePath, data: zip });
    functions[fn.logicalId] = { path: fn.bundlePath, sha256: sha256Base64(zip) };
    locate(fn.stepId, location, bundle);
  }
  const containers: Record<string, { path: string; sha256: string }> = {};
  for (const task of containerTasks) {
    const location = located.get(task.stepId) as StepLocation;
    const key = `${location.module}\n${location.exports.join(",")}\ncontainer`;
    if (!bundles.has(key)) {
      bundles.set(
        key,
        bundleFunction({
          projectDir,
          module: location.module,
          exports: location.exports,
          target: CONTAINER_TARGET,
          flavour: "container",
        }),
      );
    }
    const bundle = await (bundles.get(key) as Promise<FunctionBundle>);
    const zip = deterministicZip([
      { path: "index.mjs", data: bundle.code },
      { path: "index.mjs.map", data: bundle.map },
    ]);
    files.push({ path: task.bundlePath, data: zip });
    containers[task.logicalId] = { path: task.bundlePath, sha256: sha256Base64(zip) };
    locate(task.stepId, location, bundle);
  }
  const synthLayers: Record<string, { path: string; sha256: string; version: string }> = {};
  let layerCacheHits = 0;
  for (const { layer, built } of layers.values()) {
    const path = `assets/layers/nodejs-polars-${built.version}-${layer.architecture}.zip`;
    files.push({ path, copyFrom: built.zipPath });
    synthLayers[layer.logicalId] = { path, sha256: built.sha256, version: built.version };
    if (built.cached) layerCacheHits++;
  }
  return { files, synth: { functions, layers: synthLayers, containers }, locations, layerCacheHits };
}
