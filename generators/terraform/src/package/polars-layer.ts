import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import type { LayerPlan } from "@glacier/aws-model";
import { GlacierError } from "@glacier/core";
import { deterministicZip, sha256Base64, type ZipEntry } from "./deterministic-zip.js";

/**
 * The shared Lambda layer: `nodejs/node_modules/nodejs-polars` plus the native binary package of the
 * function architecture, as Lambda's Node.js runtime expects (`/opt/nodejs/node_modules`). Zipping the
 * ~100 MB binary takes seconds, so a built zip is kept in a cache directory under a key made from the two
 * packages' versions and file listings (paths, sizes, modification times) and reused while they are unchanged.
 */

/** A built (or cached) layer zip. */
export interface BuiltLayer {
  /** The zip in the cache directory. */
  readonly zipPath: string;
  readonly sha256: string;
  /** nodejs-polars version inside. */
  readonly version: string;
  /** Size of the layer's files, unzipped (Lambda limits code and layers to 250 MB unzipped). */
  readonly unzippedBytes: number;
  /** True when the zip came from the cache. */
  readonly cached: boolean;
}

/** Bumped when the layer's layout or zip settings change, so old cache entries are not reused. */
const LAYER_FORMAT = "glacier-polars-layer-1";

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && !relative(dir, e.parentPath).split(/[\\/]/).includes("node_modules"))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

function packageDir(name: string, from: string): string | null {
  try {
    return dirname(createRequire(join(from, "noop.js")).resolve(`${name}/package.json`));
  } catch {
    return null;
  }
}

function missing(name: string, hint: string, subject = "nodejs-polars"): GlacierError {
  return new GlacierError("GENERATE_FAILED", `cannot build the polars layer: ${name}.`, {
    subject: { kind: "file", name: subject },
    hint,
  });
}

/** The two package directories, checked: same version, binary present. */
async function layerPackages(layer: LayerPlan, projectDir: string) {
  const polars = packageDir("nodejs-polars", projectDir);
  if (!polars)
    throw missing("nodejs-polars is not installed", "Install it in the project: npm install nodejs-polars.");
  const version = (JSON.parse(await readFile(join(polars, "package.json"), "utf8")) as { version: string })
    .version;
  const binary = packageDir(layer.binaryPackage, polars) ?? packageDir(layer.binaryPackage, projectDir);
  if (!binary) {
    const [os, cpu] = layer.architecture === "arm64" ? ["linux", "arm64"] : ["linux", "x64"];
    throw missing(
      `${layer.binaryPackage} (polars for Lambda ${layer.architecture}) is not installed`,
      `Install it next to nodejs-polars: npm install --no-save --os=${os} --cpu=${cpu} ${layer.binaryPackage}@${version}.`,
      layer.binaryPackage,
    );
  }
  const binaryVersion = (
    JSON.parse(await readFile(join(binary, "package.json"), "utf8")) as { version: string }
  ).version;
  if (binaryVersion !== version) {
    throw missing(
      `${layer.binaryPackage} is ${binaryVersion} but nodejs-polars is ${version}`,
      `Install matching versions: npm install ${layer.binaryPackage}@${version}.`,
      layer.binaryPackage,
    );
  }
  return { polars, binary, version };
}

/**
 * Returns the layer zip for one architecture, building it only when the cache has none for these packages.
 *
 * @example
 * ```ts
 * await buildPolarsLayer(plan.layers[0], { projectDir: ".", cacheDir: "node_modules/.cache/glacier" })
 * // { zipPath: "node_modules/.cache/glacier/layers/5c1e….zip", sha256: "q1w2…=", version: "0.24.1", cached: true }
 * ```
 */
export async function buildPolarsLayer(
  layer: LayerPlan,
  options: { readonly projectDir: string; readonly cacheDir: string },
): Promise<BuiltLayer> {
  const { polars, binary, version } = await layerPackages(layer, options.projectDir);
  const sources = [
    { dir: polars, into: "nodejs/node_modules/nodejs-polars" },
    { dir: binary, into: `nodejs/node_modules/${layer.binaryPackage}` },
  ];
  const files = await Promise.all(
    sources.map(async (source) => ({ ...source, files: await listFiles(source.dir) })),
  );
  const key = createHash("sha256").update(LAYER_FORMAT).update(layer.architecture);
  let unzippedBytes = 0;
  for (const source of files) {
    for (const file of source.files) {
      const info = await stat(file);
      unzippedBytes += info.size;
      key.update(`\n${source.into}/${relative(source.dir, file)}\t${info.size}\t${info.mtimeMs}`);
    }
  }
  const dir = join(options.cacheDir, "layers");
  const base = join(dir, `${layer.architecture}-${key.digest("hex").slice(0, 32)}`);
  try {
    const meta = JSON.parse(await readFile(`${base}.json`, "utf8")) as { sha256: string; version: string };
    await stat(`${base}.zip`);
    return {
      zipPath: `${base}.zip`,
      sha256: meta.sha256,
      version: meta.version,
      unzippedBytes,
      cached: true,
    };
  } catch {
    // Not cached yet (or a half-written entry): build it.
  }
  const entries: ZipEntry[] = [];
  for (const source of files) {
    for (const file of source.files) {
      entries.push({
        path: `${source.into}/${relative(source.dir, file).split("\\").join("/")}`,
        data: await readFile(file),
      });
    }
  }
  const zip = deterministicZip(entries, 1);
  const sha256 = sha256Base64(zip);
  await mkdir(dir, { recursive: true });
  // Written under temporary names and renamed, so a concurrent or interrupted build never leaves a torn entry.
  const token = `${process.pid}-${Date.now()}`;
  await writeFile(`${base}.${token}.zip`, zip);
  await rename(`${base}.${token}.zip`, `${base}.zip`);
  await writeFile(`${base}.${token}.json`, JSON.stringify({ sha256, version }));
  await rename(`${base}.${token}.json`, `${base}.json`);
  return { zipPath: `${base}.zip`, sha256, version, unzippedBytes, cached: false };
}
