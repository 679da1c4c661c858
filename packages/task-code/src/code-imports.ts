import { existsSync, readFileSync, statSync } from "node:fs";
import { isBuiltin } from "node:module";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * How the code fingerprint resolves what a module imports: a relative (or absolute, or `file:`) specifier is a
 * file of the project, read and followed; a bare one is a package, identified by its name and installed version;
 * `node:` names are built-ins.
 */

/** What an import specifier names. */
export type ImportTarget =
  | { readonly kind: "file"; readonly path: string }
  | { readonly kind: "package"; readonly name: string; readonly version: string | null }
  | { readonly kind: "builtin"; readonly name: string }
  | { readonly kind: "unresolved"; readonly specifier: string };

const EXTENSIONS = [".ts", ".mts", ".cts", ".tsx", ".js", ".mjs", ".cjs", ".jsx", ".json"];

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The file a local specifier names, the way Node with TypeScript sources and bundlers find it: as written, with
 * `./a.js` standing for `./a.ts`, with an extension added, or as a directory's index.
 */
function resolveFile(from: string, specifier: string): string | null {
  const base = specifier.startsWith("file:")
    ? fileURLToPath(specifier)
    : isAbsolute(specifier)
      ? specifier
      : resolve(dirname(from), specifier);
  const stem = base.replace(/\.(m|c)?jsx?$/, "");
  const candidates = [
    base,
    ...EXTENSIONS.map((ext) => stem + ext),
    ...EXTENSIONS.map((ext) => join(base, `index${ext}`)),
  ];
  return candidates.find(isFile) ?? null;
}

/** `@scope/name/sub/path` → `@scope/name`; `name/sub` → `name`. */
function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] as string);
}

const versions = new Map<string, { readonly key: string; readonly version: string | null }>();

/** The version in a package.json, re-read only when the file's size or mtime changed. */
function versionAt(packageJson: string): string | null {
  const stat = statSync(packageJson, { bigint: true });
  const key = `${stat.size}:${stat.mtimeNs}`;
  const known = versions.get(packageJson);
  if (known?.key === key) return known.version;
  let version: string | null = null;
  try {
    const parsed = JSON.parse(readFileSync(packageJson, "utf8")) as { version?: unknown };
    version = typeof parsed.version === "string" ? parsed.version : null;
  } catch {
    version = null;
  }
  versions.set(packageJson, { key, version });
  return version;
}

/**
 * The installed version of a package as Node would find it from `from`: the nearest `node_modules/<name>` up
 * the directory tree (read directly, so a package whose `exports` hide its package.json is found too).
 */
function installedVersion(from: string, name: string): string | null {
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name, "package.json");
    if (existsSync(candidate)) return versionAt(candidate);
    if (dirname(dir) === dir) return null;
  }
}

/**
 * What `specifier`, imported by the module at `from`, names.
 *
 * @example
 * ```ts
 * importTarget("/repo/pipeline.ts", "./helpers.js")  // { kind: "file", path: "/repo/helpers.ts" }
 * importTarget("/repo/pipeline.ts", "nodejs-polars") // { kind: "package", name: "nodejs-polars", version: "0.26.1" }
 * importTarget("/repo/pipeline.ts", "node:path")     // { kind: "builtin", name: "path" }
 * ```
 */
export function importTarget(from: string, specifier: string): ImportTarget {
  if (isBuiltin(specifier)) return { kind: "builtin", name: specifier.replace(/^node:/, "") };
  if (/^(\.{1,2}(\/|$)|\/|file:)/.test(specifier)) {
    const path = resolveFile(from, specifier);
    return path === null ? { kind: "unresolved", specifier } : { kind: "file", path };
  }
  // `#internal` imports and tsconfig path aliases are not packages: nothing says what they hold.
  if (specifier.startsWith("#")) return { kind: "unresolved", specifier };
  const name = packageName(specifier);
  const version = installedVersion(from, name);
  return version === null ? { kind: "unresolved", specifier } : { kind: "package", name, version };
}
