import { createRequire } from "node:module";
import type { StepNode } from "@glacier/core";
import { canonicalJson, shortHash, stepInputs } from "@glacier/core/internal";
import { WRITER_SETTINGS } from "./materialize.js";
import { describeLocation, resolveLocation, type StorageOptions } from "./storage.js";

let engine: string | undefined;

/** `nodejs-polars@<version>`: a polars upgrade may change output bytes, so it reruns every step. */
function engineVersion(): string {
  if (engine === undefined) {
    try {
      const require = createRequire(import.meta.url);
      engine = `nodejs-polars@${(require("nodejs-polars/package.json") as { version: string }).version}`;
    } catch {
      engine = "nodejs-polars@unknown";
    }
  }
  return engine;
}

/**
 * The `options` component of a local step (see the engine's `StepComponents`): a hash of its storage bindings,
 * writer settings and polars version.
 */
export function optionsHash(step: StepNode, storage?: StorageOptions): string {
  const bucket = (b: StepNode["output"]) => ({
    location: describeLocation(resolveLocation(b, storage)),
    format: b.format,
    dataset: b.dataset,
    schema: b.schema ?? null,
  });
  return shortHash(
    canonicalJson({
      inputs: Object.fromEntries(stepInputs(step).map(([key, b]) => [key, bucket(b)])),
      output: bucket(step.output),
      writer: WRITER_SETTINGS,
      engine: engineVersion(),
    }),
    16,
  );
}
