import { SourceMap, stripTypeScriptTypes } from "node:module";
import { extname } from "node:path";

/**
 * The JavaScript Node would run for a module of the user's code, for the code fingerprint to parse: TypeScript
 * types stripped in place (positions kept) with Node's own stripper; TypeScript that only transforms (an enum, a
 * namespace) transformed, with the source map that leads its positions back to the file.
 */

const TYPESCRIPT = new Set([".ts", ".mts", ".cts"]);
const JAVASCRIPT = new Set([".js", ".mjs", ".cjs"]);

/**
 * Node's `stripTypeScriptTypes` warns once per process that it is experimental; the warning is about our use,
 * not the user's code, so it is not shown.
 */
function quietly<T>(fn: () => T): T {
  const emit = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: never[]) => {
    const text = typeof warning === "string" ? warning : warning.message;
    if (/stripTypeScriptTypes/.test(text)) return;
    emit.call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return fn();
  } finally {
    process.emitWarning = emit;
  }
}

/** The code to parse, and the map back to the file when positions moved. */
export interface Prepared {
  readonly code: string;
  /** Maps a generated 0-based line/column back to the source, when stripping had to transform. */
  readonly map?: SourceMap;
}

/**
 * Strips types in place when the syntax is erasable; otherwise transforms (enums, namespaces) with a map. A string
 * says why the file cannot be read.
 *
 * @example
 * ```ts
 * prepare("/repo/a.ts", "const n: number = 1;") // { code: "const n         = 1;" }
 * prepare("/repo/view.jsx", "…")                // ".jsx is not a module the fingerprint reads"
 * ```
 */
export function prepare(file: string, source: string): Prepared | string {
  const ext = extname(file);
  if (JAVASCRIPT.has(ext)) return { code: source };
  if (!TYPESCRIPT.has(ext))
    return `${ext || "a file without extension"} is not a module the fingerprint reads`;
  if (typeof stripTypeScriptTypes !== "function") {
    return "this Node has no module.stripTypeScriptTypes (Node 22.13 or later has it)";
  }
  try {
    return { code: quietly(() => stripTypeScriptTypes(source, { mode: "strip" })) };
  } catch {
    try {
      const out = quietly(() => stripTypeScriptTypes(source, { mode: "transform", sourceMap: true }));
      const inline = /\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/.exec(out);
      const payload = inline
        ? (JSON.parse(Buffer.from(inline[1] as string, "base64").toString("utf8")) as ConstructorParameters<
            typeof SourceMap
          >[0])
        : undefined;
      return payload ? { code: out, map: new SourceMap(payload) } : { code: out };
    } catch (error) {
      return `its types cannot be stripped: ${(error as Error).message.split("\n")[0]}`;
    }
  }
}
