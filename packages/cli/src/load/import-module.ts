import { existsSync, statSync } from "node:fs";
import { extname, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { GlacierError } from "@glacier/core";

const MODULE_EXTENSIONS = new Set([".ts", ".mts", ".cts", ".tsx", ".js", ".mjs", ".cjs", ".jsx"]);

let tsLoader: Promise<void> | undefined;

/**
 * Registers tsx's loaders once, process-wide: ESM and CommonJS, because a `.ts` file in a package without
 * `"type": "module"` is compiled to CommonJS and must still load. Process-wide hooks (rather than tsx's
 * namespaced `tsImport`) mean the user's `import "@glacier/core"` resolves to the same module instance the
 * CLI uses, and a `.js` entry may import `.ts` files. Loaded only when a user module is.
 */
function registerTypeScript(): Promise<void> {
  tsLoader ??= Promise.all([import("tsx/cjs/api"), import("tsx/esm/api")]).then(([cjs, esm]) => {
    cjs.register();
    esm.register();
  });
  return tsLoader;
}

/**
 * The module's exports. A `.ts` file in a CommonJS package is compiled to CommonJS; Node then exposes its
 * `module.exports` only as `default`, marked `__esModule` by the compiler: unwrap it, as bundlers do.
 */
function exportsOf(namespace: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  const inner = namespace.default as { __esModule?: unknown } | null | undefined;
  const onlyDefault = Object.keys(namespace).every((key) => key === "default" || key === "module.exports");
  if (onlyDefault && typeof inner === "object" && inner !== null && inner.__esModule === true) {
    return inner as Readonly<Record<string, unknown>>;
  }
  return namespace;
}

/** A path for messages: relative to the working directory when inside it. */
export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith("..") ? rel : file;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const lines = text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  // esbuild's transform errors put the useful part ("file:line:col: ERROR: …") on a later line.
  const located = lines.find((l) => /:\d+:\d+: ERROR: /.test(l));
  return (located ?? lines[0] ?? "unknown error").replace(/\.$/, "");
}

/**
 * Imports a user module (TypeScript or JavaScript) and returns its exports. A missing file is
 * ENTRY_NOT_FOUND; a syntax error, a missing import or a throw while the module runs is ENTRY_LOAD_FAILED
 * naming the file — except a GlacierError thrown by the module (a definition error), which keeps its code.
 *
 * @example
 * ```ts
 * const exports = await importModule("examples/simple/pipeline.ts");
 * Object.keys(exports); // ["cleanedSales", "dailyRevenueReport", "provider", "rawSales", "sales"]
 * ```
 */
export async function importModule(file: string): Promise<Readonly<Record<string, unknown>>> {
  const path = resolve(file);
  const shown = displayPath(path);
  if (!existsSync(path)) {
    throw new GlacierError("ENTRY_NOT_FOUND", "no such file.", {
      subject: { kind: "file", name: shown },
      hint: "Pass the path of a .ts or .js module that exports pipelines, or run without an entry to discover them.",
    });
  }
  if (statSync(path).isDirectory() || !MODULE_EXTENSIONS.has(extname(path))) {
    throw new GlacierError("ENTRY_NOT_FOUND", "is not a .ts or .js module.", {
      subject: { kind: "file", name: shown },
      hint: "Pass a module file, or run glacier in that directory (--cwd DIR) to discover its pipelines.",
    });
  }
  await registerTypeScript();
  try {
    return exportsOf((await import(pathToFileURL(path).href)) as Record<string, unknown>);
  } catch (error) {
    if (GlacierError.is(error)) {
      // A definition error (e.g. serverless({ memory: 64 })): its code and message stay; say where it came from.
      throw new GlacierError(error.code, `${shown}: ${error.message}`, { cause: error });
    }
    throw new GlacierError(
      "ENTRY_LOAD_FAILED",
      `could not be loaded: ${firstLine(error).replaceAll(path, shown)}.`,
      {
        subject: { kind: "file", name: shown },
        hint: "Fix the module (run it with --verbose for the stack).",
        cause: error,
      },
    );
  }
}
