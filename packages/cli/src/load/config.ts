import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { GlacierError } from "@glacier/core";
import { displayPath, importModule } from "./import-module.js";

/**
 * `glacier.config.ts` (or `.mts`, `.js`, `.mjs`) in the project directory: which modules hold pipelines.
 *
 * @example
 * ```ts
 * // glacier.config.ts
 * import { defineConfig } from "@glacier/cli";
 * export default defineConfig({ pipelines: ["pipelines/**\/*.ts"] });
 * ```
 */
export interface GlacierConfig {
  /** Globs, relative to the config file, of the modules whose exported buckets are the project's pipelines. */
  readonly pipelines: readonly string[];
  /** Price overrides for `glacier analyze`, merged over the analyzer's table (see `@glacier/analyze`). */
  readonly prices?: Readonly<Record<string, unknown>>;
  /**
   * Where `glacier run` also sends its OpenLineage events (besides the run record's `openlineage.jsonl`):
   * `{ url, endpoint?, apiKey?, namespace? }`. The `OPENLINEAGE_*` variables win over it.
   */
  readonly openlineage?: OpenLineageConfig;
}

/** An OpenLineage HTTP endpoint: events are POSTed to `<url>/<endpoint>` (default `api/v1/lineage`). */
export interface OpenLineageConfig {
  readonly url: string;
  readonly endpoint?: string;
  readonly apiKey?: string;
  /** The namespace of Glacier's jobs (default `glacier`). */
  readonly namespace?: string;
}

/** Types a config file's default export; returns it unchanged. */
export function defineConfig(config: GlacierConfig): GlacierConfig {
  return config;
}

/** The config file names looked for, in this order. */
export const CONFIG_FILES = [
  "glacier.config.ts",
  "glacier.config.mts",
  "glacier.config.js",
  "glacier.config.mjs",
];

const KNOWN_KEYS = new Set<string>(["pipelines", "prices", "openlineage"]);

/** The config file in `dir`, if there is one. */
export function findConfig(dir: string): string | undefined {
  return CONFIG_FILES.map((name) => join(dir, name)).find((file) => existsSync(file));
}

function invalid(file: string, message: string, hint: string): GlacierError {
  return new GlacierError("INVALID_CONFIG", message, {
    subject: { kind: "file", name: displayPath(file) },
    hint,
  });
}

/** Checks a config file's default export; every mistake is INVALID_CONFIG naming the file and the key. */
export function checkConfig(value: unknown, file: string): GlacierConfig {
  const example = 'Write export default { pipelines: ["pipelines/**/*.ts"] }.';
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalid(file, "the default export must be a config object.", example);
  }
  for (const key of Object.keys(value)) {
    if (!KNOWN_KEYS.has(key)) {
      throw invalid(file, `unknown key "${key}".`, `The keys are: ${[...KNOWN_KEYS].join(", ")}.`);
    }
  }
  const { pipelines, prices, openlineage } = value as {
    pipelines?: unknown;
    prices?: unknown;
    openlineage?: unknown;
  };
  if (
    !Array.isArray(pipelines) ||
    pipelines.length === 0 ||
    pipelines.some((p) => typeof p !== "string" || p.trim() === "")
  ) {
    throw invalid(file, "pipelines must be a non-empty array of glob strings.", example);
  }
  if (prices !== undefined && (typeof prices !== "object" || prices === null || Array.isArray(prices))) {
    throw invalid(
      file,
      "prices must be an object of price overrides.",
      "See @glacier/analyze's README for the keys.",
    );
  }
  return Object.freeze({
    pipelines: Object.freeze([...(pipelines as string[])]),
    ...(prices === undefined ? {} : { prices: prices as Readonly<Record<string, unknown>> }),
    ...(openlineage === undefined ? {} : { openlineage: checkOpenLineage(openlineage, file) }),
  });
}

function checkOpenLineage(value: unknown, file: string): OpenLineageConfig {
  const example =
    'Write openlineage: { url: "http://localhost:5000" } (endpoint, apiKey and namespace optional).';
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalid(file, "openlineage must be an object.", example);
  }
  const { url, endpoint, apiKey, namespace, ...rest } = value as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) {
    throw invalid(file, `openlineage has an unknown key "${unknown[0]}".`, example);
  }
  if (typeof url !== "string" || !URL.canParse(url) || !/^https?:/.test(url)) {
    throw invalid(file, `openlineage.url must be an http(s) URL, got ${JSON.stringify(url)}.`, example);
  }
  for (const [key, given] of Object.entries({ endpoint, apiKey, namespace })) {
    if (given !== undefined && (typeof given !== "string" || given === "")) {
      throw invalid(file, `openlineage.${key} must be a non-empty string.`, example);
    }
  }
  return Object.freeze({
    url,
    ...(endpoint === undefined ? {} : { endpoint: endpoint as string }),
    ...(apiKey === undefined ? {} : { apiKey: apiKey as string }),
    ...(namespace === undefined ? {} : { namespace: namespace as string }),
  });
}

/** Loads and checks a config file. */
export async function readConfig(
  file: string,
): Promise<{ readonly config: GlacierConfig; readonly dir: string }> {
  let exports: Readonly<Record<string, unknown>>;
  try {
    exports = await importModule(file);
  } catch (error) {
    if (!GlacierError.is(error) || error.code !== "ENTRY_LOAD_FAILED") throw error;
    throw new GlacierError("INVALID_CONFIG", error.message, { cause: error });
  }
  if (!("default" in exports)) {
    throw invalid(
      file,
      "has no default export.",
      'Write export default { pipelines: ["pipelines/**/*.ts"] }.',
    );
  }
  return { config: checkConfig(exports.default, file), dir: dirname(file) };
}
