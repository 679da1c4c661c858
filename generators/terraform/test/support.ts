import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { InfrastructurePlan } from "@glacier/aws-model";
import { LineageGraph } from "@glacier/core";
import { Testing } from "cdktn";
import { afterAll, expect } from "vitest";
import type { SynthAssets } from "../src/synth/synth-context.js";

/** The repository root. */
export const REPO = fileURLToPath(new URL("../../../", import.meta.url));

export const EXAMPLES = ["simple", "complete", "multi-source"] as const;
export type Example = (typeof EXAMPLES)[number];

/** The example's pipeline module path. */
export function exampleEntry(example: Example): string {
  return join(REPO, "examples", example, "pipeline.ts");
}

/** The graph of an example: every export of its pipeline module, as the CLI builds it. */
export async function exampleGraph(example: Example): Promise<LineageGraph> {
  return LineageGraph.from((await import(exampleEntry(example))) as Record<string, never>);
}

/** The nodejs-polars version this project resolves: the one `generate` puts in the layer. */
export const POLARS_VERSION = (
  JSON.parse(readFileSync(createRequire(import.meta.url).resolve("nodejs-polars/package.json"), "utf8")) as {
    version: string;
  }
).version;

/** The layer zip's path in a generated module, for this project's polars. */
export const LAYER_ZIP = `assets/layers/nodejs-polars-${POLARS_VERSION}-x86_64.zip`;

/** Stand-in zips for synthesis tests that do not package (packaging has its own tests). */
export function placeholderAssets(plan: InfrastructurePlan): SynthAssets {
  return {
    functions: Object.fromEntries(
      plan.functions.map((f) => [f.logicalId, { path: f.bundlePath, sha256: "FUNCTION-ZIP-SHA256" }]),
    ),
    layers: Object.fromEntries(
      plan.layers.map((l) => [
        l.logicalId,
        {
          path: `assets/layers/nodejs-polars-${POLARS_VERSION}-${l.architecture}.zip`,
          sha256: "TEFZRVI=",
          version: POLARS_VERSION,
        },
      ]),
    ),
  };
}

/** A fresh directory under the OS temp dir, removed after the file's tests. */
export function tempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `glacier-terraform-${label}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Shared by every test run on this machine: the polars layer is zipped once (seconds) and then reused, as
 * `generate` reuses it for users. Outside the repository, so tests leave nothing behind in it.
 */
export const LAYER_CACHE = join(tmpdir(), "glacier-terraform-test-cache");

let matchers = false;
/** cdktn's Testing matchers (`toHaveResourceWithProperties` …) on vitest's expect. */
export function useCdktnMatchers(): void {
  if (matchers) return;
  (globalThis as { expect?: unknown }).expect = expect;
  Testing.setupJest();
  matchers = true;
}

declare module "vitest" {
  // vitest 5 merges custom matchers through `Matchers<R, T>` (R: what the matcher returns); merged declarations
  // must repeat its type parameters, so T stays although these matchers do not use it.
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  interface Matchers<R extends void | Promise<void> = void | Promise<void>, T = unknown> {
    toHaveResource(type: { readonly tfResourceType: string }): R;
    toHaveResourceWithProperties(
      type: { readonly tfResourceType: string },
      properties: Record<string, unknown>,
    ): R;
    toHaveDataSource(type: { readonly tfResourceType: string }): R;
    toHaveProviderWithProperties(
      type: { readonly tfResourceType: string },
      properties: Record<string, unknown>,
    ): R;
  }
}

/** The synthesised module's resources of one type, by name. */
export function resourcesOf(
  json: Record<string, unknown>,
  type: string,
): Record<string, Record<string, unknown>> {
  const resources = (json["resource"] ?? {}) as Record<string, Record<string, Record<string, unknown>>>;
  return resources[type] ?? {};
}
