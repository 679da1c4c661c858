import type { Program } from "acorn";
import type { Variable } from "eslint-scope";
import type { SourceLocation } from "@glacier/core";
import { importTarget } from "./code-imports.js";
import { callAt, freeVariables, loadModule, type CodeModule } from "./code-module.js";
import { patternNames } from "./code-tables.js";

/**
 * Which exports of a module carry a step, found from where the step was recorded rather than guessed from
 * names: the `.to(` call at the step's `definedAt` sits in one top-level declaration, and an export carries the
 * step when its value is built from that declaration, directly or through other declarations of the module
 * (a bucket's lineage travels with every bucket derived from it). The Lambda bundler imports just those.
 */

/** The module-scope variables a top-level statement declares, or `"default"` for an anonymous default export. */
function declared(
  module: CodeModule,
  statement: Program["body"][number],
  offset: number,
): Variable[] | "default" | null {
  const inner =
    statement.type === "ExportNamedDeclaration" || statement.type === "ExportDefaultDeclaration"
      ? statement.declaration
      : statement;
  const variables = (names: readonly string[]): Variable[] =>
    names.flatMap((name) => module.scope.set.get(name) ?? []);
  const anonymousDefault = statement.type === "ExportDefaultDeclaration" ? "default" : null;
  switch (inner?.type) {
    case "VariableDeclaration": {
      const declarator = inner.declarations.find((d) => d.start <= offset && offset < d.end);
      return declarator ? variables(patternNames(declarator.id)) : null;
    }
    case "FunctionDeclaration":
    case "ClassDeclaration":
      return inner.id ? variables([inner.id.name]) : anonymousDefault;
    default:
      return anonymousDefault;
  }
}

/**
 * The exports of `at.file` whose value carries the step whose `.to(` call is at `at`, sorted; `null` when the
 * module cannot be read, no `.to(` call is at that position, or no export carries it (the step is built in a
 * function that another module calls, or by a statement no export refers to).
 *
 * @example
 * ```ts
 * // pipelines.ts:  export const cleaned = raw.transform(clean).to(lake("clean.parquet"));   ← step.definedAt
 * //                export default cleaned.transform(summarise).to(lake("summary.parquet"));
 * exportsCarrying(step.definedAt) // ["cleaned", "default"]
 * ```
 */
export function exportsCarrying(at: SourceLocation): readonly string[] | null {
  const loaded = loadModule(at.file);
  if (!loaded.ok) return null;
  const module = loaded.module;
  const call = callAt(module, ["to"], at);
  if (!call) return null;
  const statement = module.program.body.find((s) => s.start <= call.start && call.end <= s.end);
  const seeds = statement ? declared(module, statement, call.start) : null;
  if (seeds === null) return null;
  const memo = new Map<Variable, boolean>();
  const carries = (variable: Variable): boolean => {
    const known = memo.get(variable);
    if (known !== undefined) return known;
    // A cycle between declarations resolves to "not through here".
    memo.set(variable, false);
    const result =
      (seeds !== "default" && seeds.includes(variable)) ||
      (variable.scope === module.scope &&
        variable.defs.some(
          (def) => def.type !== "ImportBinding" && freeVariables(module, def.node).some(carries),
        ));
    memo.set(variable, result);
    return result;
  };
  const carried = [...module.exports].filter(([name, target]) => {
    if (target.kind === "node")
      return seeds === "default" || freeVariables(module, target.node).some(carries);
    if (target.kind === "local") {
      if (name === "default" && seeds === "default") return true;
      const variable = module.scope.set.get(target.name);
      return variable !== undefined && carries(variable);
    }
    return false;
  });
  return carried.length > 0 ? carried.map(([name]) => name).sort() : null;
}

/**
 * Every name a module exports, `export * from` a local module included (a star never re-exports `default`),
 * sorted; `null` when the module cannot be read.
 *
 * @example
 * ```ts
 * // index.ts:  export * from "./pipelines.js";  export { default as summary } from "./pipelines.js";
 * exportNames("/repo/index.ts") // ["cleaned", "summary"]
 * ```
 */
export function exportNames(file: string, seen = new Set<string>()): readonly string[] | null {
  const loaded = loadModule(file);
  if (!loaded.ok) return null;
  seen.add(file);
  const names = new Set(loaded.module.exports.keys());
  for (const star of loaded.module.stars) {
    const target = importTarget(file, star);
    if (target.kind !== "file" || seen.has(target.path)) continue;
    for (const name of exportNames(target.path, seen) ?? []) if (name !== "default") names.add(name);
  }
  return [...names].sort();
}
