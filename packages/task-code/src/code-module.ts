import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import {
  parse,
  type CallExpression,
  type MemberExpression,
  type Node,
  type Program,
  type Token,
} from "acorn";
import { analyze, type Reference, type Scope, type Variable } from "eslint-scope";
import { KEYS } from "eslint-visitor-keys";
import { prepare } from "./code-strip.js";
import { nameOf, stringOf, tables, type ExportTarget, type ModuleRequest } from "./code-tables.js";

/**
 * One module of the user's code, parsed for the code fingerprint: TypeScript types stripped (positions kept),
 * parsed by acorn, scopes analysed by eslint-scope, with the tables the fingerprint walks — references by
 * position, exports, and every module the code names. Parsed once per file content: the cache is keyed by the
 * file's size and mtime, so a run of many steps reads each file once.
 */

/** A parsed module. */
export interface CodeModule {
  readonly file: string;
  /** The JavaScript parsed: the file with its types stripped. */
  readonly code: string;
  readonly program: Program;
  /** Where top-level declarations live (the module scope, or CommonJS's function scope). */
  readonly scope: Scope;
  /** Every reference of the module, sorted by position. */
  readonly references: readonly Reference[];
  readonly exports: ReadonlyMap<string, ExportTarget>;
  /** `export * from "x"` specifiers. */
  readonly stars: readonly string[];
  readonly requests: readonly ModuleRequest[];
  /** Calls of a method (`a.task(…)`, `x.to(…)`), for finding a definition by its position. */
  readonly memberCalls: readonly CallExpression[];
  /** The 1-based original line and column of an offset in `code`. */
  original(offset: number): { readonly line: number; readonly column: number } | undefined;
  /**
   * A hash of the tokens in `[start, end)`: comments and whitespace do not count, and neither do TypeScript
   * types, which stripping turned into whitespace.
   */
  hashRange(start: number, end: number): string;
}

/** A module, or why it could not be parsed (with a hash of its bytes, so a conservative caller can use it). */
export type LoadedModule =
  | { readonly ok: true; readonly module: CodeModule }
  | { readonly ok: false; readonly reason: string; readonly bytesHash: string | null };

function sha(text: string | Buffer): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

function lineStarts(code: string): number[] {
  const starts = [0];
  for (let i = 0; i < code.length; i++) if (code.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

/** The last index whose value is ≤ target, in a sorted array of numbers. */
function floorIndex(sorted: readonly number[], target: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((sorted[mid] as number) <= target) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function parseModule(file: string, source: string): LoadedModule {
  const prepared = prepare(file, source);
  if (typeof prepared === "string") return { ok: false, reason: prepared, bytesHash: sha(source) };
  const { code, map } = prepared;
  const tokens: Token[] = [];
  let program: Program;
  let sourceType: "module" | "commonjs" = "module";
  const options = { ecmaVersion: "latest", ranges: true, allowHashBang: true, onToken: tokens } as const;
  try {
    program = parse(code, { ...options, sourceType: "module" });
  } catch {
    tokens.length = 0;
    try {
      // CommonJS that is not valid as a module (a top-level return, `with`, legacy octal …).
      program = parse(code, { ...options, sourceType: "script", allowReturnOutsideFunction: true });
      sourceType = "commonjs";
    } catch (error) {
      return { ok: false, reason: `it does not parse: ${(error as Error).message}`, bytesHash: sha(source) };
    }
  }
  const manager = analyze(program, {
    ecmaVersion: 2022,
    sourceType,
    childVisitorKeys: KEYS,
    fallback: "iteration",
  });
  const scope = manager.globalScope?.childScopes[0] ?? (manager.globalScope as Scope);
  const references = manager.scopes
    .flatMap((s) => s.references)
    .sort((a, b) => a.identifier.start - b.identifier.start);
  const starts = lineStarts(code);
  const tokenStarts = tokens.map((t) => t.start);
  const { exports, stars, requests, memberCalls } = tables(program);
  return {
    ok: true,
    module: {
      file,
      code,
      program,
      scope,
      references,
      exports,
      stars,
      requests,
      memberCalls,
      original(offset) {
        const line = floorIndex(starts, offset);
        const column = offset - (starts[line] as number);
        if (!map) return { line: line + 1, column: column + 1 };
        const entry = map.findEntry(line, column) as { originalLine?: number; originalColumn?: number };
        return entry.originalLine === undefined || entry.originalColumn === undefined
          ? undefined
          : { line: entry.originalLine + 1, column: entry.originalColumn + 1 };
      },
      hashRange(start, end) {
        const hash = createHash("sha256");
        for (let i = tokens.length ? floorIndex(tokenStarts, start) : 0; i < tokens.length; i++) {
          const token = tokens[i] as Token;
          if (token.start < start) continue;
          if (token.end > end) break;
          hash.update(code.slice(token.start, token.end)).update(" ");
        }
        return hash.digest("hex").slice(0, 16);
      },
    },
  };
}

const cache = new Map<string, { readonly key: string; readonly loaded: LoadedModule }>();

/**
 * The parsed module at `file`, from the cache while the file's size and mtime are unchanged.
 *
 * @example
 * ```ts
 * const loaded = loadModule("/repo/pipeline.ts");
 * loaded.ok && loaded.module.exports.get("sales") // { kind: "local", name: "sales" }
 * ```
 */
export function loadModule(file: string): LoadedModule {
  let key: string;
  try {
    const stat = statSync(file, { bigint: true });
    key = `${stat.size}:${stat.mtimeNs}`;
  } catch (error) {
    return { ok: false, reason: `it cannot be read: ${(error as Error).message}`, bytesHash: null };
  }
  const known = cache.get(file);
  if (known?.key === key) return known.loaded;
  let loaded: LoadedModule;
  try {
    loaded = parseModule(file, readFileSync(file, "utf8"));
  } catch (error) {
    loaded = { ok: false, reason: `it cannot be read: ${(error as Error).message}`, bytesHash: null };
  }
  cache.set(file, { key, loaded });
  return loaded;
}

/**
 * The method call (`.task(`, `.sql(`, `.to(`) written at a recorded position: V8 reports a method call at its
 * property name. `undefined` when no such call is there, e.g. when the loader's positions are not the file's.
 */
export function callAt(
  module: CodeModule,
  methods: readonly string[],
  at: { readonly line: number; readonly column: number },
): CallExpression | undefined {
  return module.memberCalls.find((call) => {
    const callee = call.callee as MemberExpression;
    const property = callee.property;
    // `x[task](…)` names a variable, `x["task"](…)` the method.
    const method = callee.computed ? stringOf(property) : nameOf(property);
    if (method === undefined || !methods.includes(method)) return false;
    const position = module.original(property.start);
    return position?.line === at.line && position.column === at.column;
  });
}

/**
 * Variables a node uses but does not declare, in order of first use. Unresolved names (globals such as `Math` or
 * `process`) are left out: their use is in the node's own text.
 */
export function freeVariables(module: CodeModule, node: Node): Variable[] {
  const out = new Set<Variable>();
  const refs = module.references;
  let lo = 0;
  let hi = refs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((refs[mid] as Reference).identifier.start < node.start) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < refs.length; i++) {
    const ref = refs[i] as Reference;
    if (ref.identifier.start >= node.end) break;
    const variable = ref.resolved;
    if (!variable) continue;
    const inside = variable.defs.every((d) => d.name.start >= node.start && d.name.end <= node.end);
    if (!inside) out.add(variable);
  }
  return [...out];
}
