import { existsSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import type TypeScript from "typescript";
import { GlacierError } from "@glacier/core";
import { displayPath } from "./import-module.js";
import { readLog, textHash, TypeCheckCache, type ReadLog } from "./type-check-cache.js";

/** The compiler API, as the lazily imported module's default export (typescript is CommonJS). */
type Ts = typeof TypeScript;

/** One type error, where it is and what TypeScript says. */
export interface TypeDiagnostic {
  /** Absolute path; null for an error of the configuration itself. */
  readonly file: string | null;
  /** 1-based, as editors show them; 0 when the error has no position. */
  readonly line: number;
  readonly column: number;
  /** TypeScript's code, e.g. 2345. */
  readonly code: number;
  /** TypeScript's message, its chain joined into one line. */
  readonly message: string;
}

/** What {@link typeCheck} found, and with which settings. */
export interface TypeCheckResult {
  readonly diagnostics: readonly TypeDiagnostic[];
  /** The tsconfig.json files used (absolute); empty when every module used {@link DEFAULT_COMPILER_OPTIONS}. */
  readonly configs: readonly string[];
  /** Source files checked (the modules and the project files they import; not node_modules). */
  readonly files: number;
}

/**
 * The settings for a module with no tsconfig.json between it and the project directory: strict, the ES2023 of
 * Node 22+ (and Node's types when `@types/node` is installed), and the resolution Glacier's loader allows
 * (Node's own type stripping, tsx when Node refuses a file): `.ts` extensions, extensionless relative imports
 * and `exports` conditions all resolve.
 */
export const DEFAULT_COMPILER_OPTIONS = {
  strict: true,
  target: "ES2023",
  lib: ["ES2023"],
  module: "preserve",
  moduleResolution: "bundler",
  allowImportingTsExtensions: true,
  resolveJsonModule: true,
  skipLibCheck: true,
  noEmit: true,
} as const;

/**
 * The nearest tsconfig.json from the module's directory upwards; a module inside `projectDir` looks no
 * higher than it, so an unrelated config above the project is never picked up.
 */
function nearestConfig(file: string, projectDir: string): string | undefined {
  const inside = !relative(projectDir, file).startsWith("..");
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const candidate = join(dir, "tsconfig.json");
    if (existsSync(candidate)) return candidate;
    if ((inside && dir === projectDir) || dirname(dir) === dir) return undefined;
  }
}

function oneLine(ts: Ts, text: string | TypeScript.DiagnosticMessageChain): string {
  return ts
    .flattenDiagnosticMessageText(text, "\n")
    .split("\n")
    .map((part) => part.trim())
    .filter(Boolean)
    .join(" ");
}

function toDiagnostic(ts: Ts, d: TypeScript.Diagnostic): TypeDiagnostic {
  if (d.file === undefined || d.start === undefined) {
    return {
      file: d.file?.fileName ?? null,
      line: 0,
      column: 0,
      code: d.code,
      message: oneLine(ts, d.messageText),
    };
  }
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
  return {
    file: resolve(d.file.fileName),
    line: line + 1,
    column: character + 1,
    code: d.code,
    message: oneLine(ts, d.messageText),
  };
}

/**
 * The options a project's tsconfig.json sets (its `extends` followed), made fit for a check: nothing
 * emitted, no build info, and the `.d.ts` files of dependencies not checked — this check is about the
 * pipeline code; `tsc` is still the full one. TypeScript 6 deprecations (`baseUrl`, `moduleResolution: node`
 * …) are accepted, as TypeScript 6 itself does with `ignoreDeprecations`.
 */
function configOptions(
  ts: Ts,
  configFile: string,
  sys: TypeScript.System,
): { options: TypeScript.CompilerOptions; errors: readonly TypeScript.Diagnostic[] } {
  const read = ts.readConfigFile(configFile, sys.readFile);
  if (read.error) return { options: {}, errors: [read.error] };
  const parsed = ts.parseJsonConfigFileContent(read.config, sys, dirname(configFile), undefined, configFile);
  const options: TypeScript.CompilerOptions = {
    ...parsed.options,
    noEmit: true,
    skipLibCheck: true,
    incremental: false,
    composite: false,
    ignoreDeprecations: parsed.options.ignoreDeprecations ?? "6.0",
  };
  delete options.tsBuildInfoFile;
  delete options.outDir;
  delete options.declarationDir;
  // A config without files of its own ("files": [], or an include matching nothing) is not an error here.
  const errors = parsed.errors.filter((e) => e.code !== 18003 && e.code !== 18002);
  return { options, errors };
}

/**
 * {@link DEFAULT_COMPILER_OPTIONS}, with Node's types when the project has `@types/node`: TypeScript 6 no
 * longer includes every `@types` package by default, and pipeline modules use `import.meta.url`, `URL`,
 * `process.env`.
 */
function defaultOptions(ts: Ts, projectDir: string, sys: TypeScript.System): TypeScript.CompilerOptions {
  const converted = ts.convertCompilerOptionsFromJson(DEFAULT_COMPILER_OPTIONS, projectDir);
  const nodeTypes = ts.resolveTypeReferenceDirective("node", join(projectDir, "tsconfig.json"), {}, sys);
  return { ...converted.options, ...(nodeTypes.resolvedTypeReferenceDirective ? { types: ["node"] } : {}) };
}

/**
 * File access that records into `log` what it read (with the hash of the text) and what it looked for and
 * did not find: what a cached result depends on (`type-check-cache.ts`).
 */
function recording<
  H extends {
    readFile(path: string, encoding?: string): string | undefined;
    fileExists(path: string): boolean;
    directoryExists?(path: string): boolean;
  },
>(host: H, log: ReadLog): H {
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const directoryExists = host.directoryExists?.bind(host);
  host.readFile = (path, encoding) => {
    const text = readFile(path, encoding);
    if (text !== undefined) log.read.set(resolve(path), textHash(text));
    else log.missing.add(`file:${resolve(path)}`);
    return text;
  };
  host.fileExists = (path) => {
    const found = fileExists(path);
    if (!found) log.missing.add(`file:${resolve(path)}`);
    return found;
  };
  if (directoryExists) {
    host.directoryExists = (path) => {
      const found = directoryExists(path);
      if (!found) log.missing.add(`dir:${resolve(path)}`);
      return found;
    };
  }
  return host;
}

/** A compiler host whose `.d.ts` files come from `cache` when another program parsed them already. */
function sharedHost(
  ts: Ts,
  options: TypeScript.CompilerOptions,
  cache: Map<string, TypeScript.SourceFile | undefined>,
  log: ReadLog,
): TypeScript.CompilerHost {
  const host = recording(ts.createCompilerHost(options), log);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, language, onError, create) => {
    if (!fileName.endsWith(".d.ts")) return getSourceFile(fileName, language, onError, create);
    const mode =
      typeof language === "object" ? `${language.languageVersion}/${language.impliedNodeFormat}` : language;
    const key = `${mode}:${fileName}`;
    if (!cache.has(key)) cache.set(key, getSourceFile(fileName, language, onError, create));
    return cache.get(key);
  };
  return host;
}

/** The compiler API (TypeScript 6, a dependency of this package), loaded only when a check runs. */
async function loadTypeScript(): Promise<Ts> {
  try {
    return (await import("typescript")).default;
  } catch (error) {
    throw new GlacierError(
      "INTERPRETER_MISSING",
      `the TypeScript compiler could not be loaded: ${(error as Error).message}`,
      {
        subject: { kind: "option", name: "--typecheck" },
        hint: "Reinstall @glacier/cli (it depends on typescript 6), or pass --no-typecheck.",
        cause: error,
      },
    );
  }
}

const inNodeModules = (file: string): boolean => file.split(/[\\/]/).includes("node_modules");

/**
 * Type-checks the pipeline modules with the TypeScript compiler API (TypeScript 6, loaded only when called):
 * each module with the nearest tsconfig.json up to `projectDir` (its `include` is not used: the modules are
 * the roots, and what they import is checked with them), else {@link DEFAULT_COMPILER_OPTIONS}. Returns the
 * errors in the project's own files — the modules and the files they import, not node_modules.
 *
 * A clean result is kept in `.glacier/cache/typecheck/` and reused while nothing the check read changed
 * (`type-check-cache.ts`); `store: false` reads it but writes none.
 *
 * @example
 * ```ts
 * const { diagnostics } = await typeCheck(["/work/shop/pipeline.ts"], "/work/shop");
 * formatTypeDiagnostic(diagnostics[0]);
 * // "pipeline.ts:12:9: Expected 1-2 arguments, but got 0. (TS2554)"
 * ```
 */
export async function typeCheck(
  files: readonly string[],
  projectDir: string,
  options: { readonly store?: boolean } = {},
): Promise<TypeCheckResult> {
  const byConfig = new Map<string | undefined, string[]>();
  const configs = files.map((file) => nearestConfig(resolve(file), resolve(projectDir)));
  for (const [i, file] of files.entries()) {
    const config = configs[i];
    byConfig.set(config, [...(byConfig.get(config) ?? []), resolve(file)]);
  }
  const cache = new TypeCheckCache<TypeCheckResult>(projectDir, files, configs);
  const known = await cache.lookup();
  if (known) return known;
  const log = readLog();
  const result = await checkPrograms(await loadTypeScript(), byConfig, projectDir, log);
  // Only a clean result is kept: a run refused for its type errors writes nothing, not even `.glacier/`; nor
  // does a caller that must not write (`run --plan`), which still reads a kept result.
  return result.diagnostics.length === 0 && options.store !== false ? cache.store(result, log) : result;
}

/** The check itself: one program per tsconfig.json, recording into `log` what it reads. */
async function checkPrograms(
  ts: Ts,
  byConfig: ReadonlyMap<string | undefined, readonly string[]>,
  projectDir: string,
  log: ReadLog,
): Promise<TypeCheckResult> {
  const sys = recording({ ...ts.sys }, log);
  const diagnostics: TypeDiagnostic[] = [];
  const seen = new Set<string>();
  const checked = new Set<string>();
  const keep = (d: TypeDiagnostic) => {
    const key = `${d.file}:${d.line}:${d.column}:${d.code}:${d.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      diagnostics.push(d);
    }
  };
  // Declaration files (lib, @types/node, nodejs-polars …) are parsed once for all the programs.
  const parsed = new Map<string, TypeScript.SourceFile | undefined>();
  for (const [config, roots] of byConfig) {
    const { options, errors } =
      config === undefined
        ? { options: defaultOptions(ts, projectDir, sys), errors: [] }
        : configOptions(ts, config, sys);
    // A config's own errors (an unknown option, a bad `extends`) are reported against the config file.
    for (const error of errors) {
      const d = toDiagnostic(ts, error);
      keep(d.file === null ? { ...d, file: config ?? null } : d);
    }
    const program = ts.createProgram({
      rootNames: [...roots],
      options,
      host: sharedHost(ts, options, parsed, log),
    });
    for (const d of [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()])
      keep(toDiagnostic(ts, d));
    for (const source of program.getSourceFiles()) {
      if (source.isDeclarationFile || inNodeModules(source.fileName)) continue;
      checked.add(resolve(source.fileName));
      for (const d of [
        ...program.getSyntacticDiagnostics(source),
        ...program.getSemanticDiagnostics(source),
      ]) {
        keep(toDiagnostic(ts, d));
      }
    }
  }
  return {
    diagnostics: diagnostics.sort(
      (a, b) => (a.file ?? "").localeCompare(b.file ?? "") || a.line - b.line || a.column - b.column,
    ),
    configs: [...byConfig.keys()].filter((c): c is string => c !== undefined).sort(),
    files: checked.size,
  };
}

/**
 * One diagnostic as the CLI prints it: `file:line:col: message (TScode)`, the path relative to the working
 * directory.
 *
 * @example
 * ```ts
 * formatTypeDiagnostic({ file: "/work/shop/pipeline.ts", line: 12, column: 9, code: 2554, message: "Expected 1-2 arguments, but got 0." });
 * // "pipeline.ts:12:9: Expected 1-2 arguments, but got 0. (TS2554)"
 * ```
 */
export function formatTypeDiagnostic(d: TypeDiagnostic): string {
  const where =
    d.file === null
      ? ""
      : d.line === 0
        ? `${displayPath(d.file)}: `
        : `${displayPath(d.file)}:${d.line}:${d.column}: `;
  return `${where}${d.message} (TS${d.code})`;
}
