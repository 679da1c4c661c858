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
 * Codes with which Node's own type stripping refuses a module that tsx loads: TypeScript-only syntax (enums,
 * namespaces, parameter properties, decorators), `.tsx`, `.ts` under node_modules, a `./x.js` import of
 * `x.ts` or a tsconfig `paths` alias, and a value import of a type-only export. Node raises each while it
 * loads and links the module graph, before any module body runs, so importing again through tsx repeats no
 * side effect.
 */
const NATIVE_REFUSALS = new Set([
  "ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX",
  "ERR_INVALID_TYPESCRIPT_SYNTAX",
  "ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING",
  "ERR_UNKNOWN_FILE_EXTENSION",
  "ERR_MODULE_NOT_FOUND",
  "ERR_REQUIRE_ESM",
]);

function refusedByNativeStripping(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string") return NATIVE_REFUSALS.has(code);
  // A value import of a name the target only exports as a type: a link-time SyntaxError.
  return error instanceof SyntaxError && /does not provide an export named/.test(error.message);
}

/**
 * Imports a module with Node's built-in type stripping when the runtime has it (Node 22.18+/23.6+; measured on
 * Node 24 with the complete example: ~80 ms against ~105 ms through tsx, whose loader alone costs ~30 ms), and
 * through tsx when Node refuses the file (see {@link NATIVE_REFUSALS}) or strips no types. The retry imports
 * a distinct URL: Node caches a failed import under the first one.
 */
async function importWithLoader(href: string): Promise<Record<string, unknown>> {
  const native = (process.features as { typescript?: unknown }).typescript;
  if (native === "strip" || native === "transform") {
    try {
      return (await import(href)) as Record<string, unknown>;
    } catch (error) {
      if (!refusedByNativeStripping(error)) throw error;
    }
    await registerTypeScript();
    return (await import(`${href}?glacier-loader=tsx`)) as Record<string, unknown>;
  }
  await registerTypeScript();
  return (await import(href)) as Record<string, unknown>;
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
  try {
    return exportsOf(await importWithLoader(pathToFileURL(path).href));
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
