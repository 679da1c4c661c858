import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { StepNode } from "@glacier/core";
import { Project, type Node, type SourceFile } from "ts-morph";
import { moduleSymbols, type ModuleSymbols, type TaskSite } from "./module-symbols.js";

/**
 * Finds, with ts-morph (load this module lazily: ts-morph bundles TypeScript), which module and exports of the user's code a Lambda bundle must import so that its
 * graph contains a step: the module that exports buckets whose chains `.transform(...)` the step's task,
 * deepest in the import tree first (the pipeline's own file rather than an index re-exporting it). Only the
 * entry and the local modules it imports are read; syntax only, no type checking.
 */

/** Where a step's code is. Paths are absolute. */
export interface StepLocation {
  readonly module: string;
  /** Exports of `module` the bundle imports (`default` for a default export). */
  readonly exports: readonly string[];
  /** Where the task is defined, `path:line`, when found. */
  readonly definedAt?: string;
  /** False when the task's definition was not found and the bundle imports the whole entry module. */
  readonly located: boolean;
}

const EXTENSIONS = [".ts", ".mts", ".cts", ".tsx", ".js", ".mjs", ".cjs", ".jsx"];

/** Resolves a relative import the way Node with TypeScript sources does (`./a.js` may be `./a.ts`). */
function resolveRelative(from: string, specifier: string): string | null {
  const base = resolve(dirname(from), specifier);
  const stem = base.replace(/\.(m|c)?jsx?$/, "");
  const candidates = [
    base,
    ...EXTENSIONS.map((ext) => stem + ext),
    ...EXTENSIONS.map((ext) => `${base}/index${ext}`),
  ];
  return candidates.find((c) => existsSync(c) && !c.endsWith("/")) ?? null;
}

/** The entry and every local module it imports, breadth first, with their depth. */
function loadModules(entry: string): Map<string, { file: SourceFile; depth: number }> {
  const project = new Project({
    skipAddingFilesFromTsConfig: true,
    skipFileDependencyResolution: true,
    compilerOptions: { allowJs: true },
  });
  const modules = new Map<string, { file: SourceFile; depth: number }>();
  const queue: [string, number][] = [[entry, 0]];
  while (queue.length > 0) {
    const [path, depth] = queue.shift() as [string, number];
    if (modules.has(path)) continue;
    const file = project.addSourceFileAtPath(path);
    modules.set(path, { file, depth });
    for (const decl of [...file.getImportDeclarations(), ...file.getExportDeclarations()]) {
      const specifier = decl.getModuleSpecifierValue();
      if (!specifier?.startsWith(".")) continue;
      const target = resolveRelative(path, specifier);
      if (target && !target.includes("/node_modules/")) queue.push([target, depth + 1]);
    }
  }
  return modules;
}

function lineOf(site: TaskSite): string {
  return `${site.file}:${(site.node as Node).getStartLineNumber()}`;
}

/**
 * Locates every step: one ts-morph pass over the entry's modules.
 *
 * @example
 * ```ts
 * locateSteps("/repo/examples/simple/pipeline.ts", [cleanSalesStep])
 * // Map { "cleanSales->…" => { module: "/repo/examples/simple/pipeline.ts", exports: ["sales"],
 * //                             definedAt: "/repo/examples/simple/pipeline.ts:27", located: true } }
 * ```
 */
export function locateSteps(entry: string, steps: readonly StepNode[]): Map<string, StepLocation> {
  const modules = loadModules(entry);
  const symbols = moduleSymbols(modules, resolveRelative);
  const located = new Map<string, StepLocation>();
  for (const step of steps) located.set(step.id, locateOne(step, modules, symbols, entry));
  return located;
}

function locateOne(
  step: StepNode,
  modules: Map<string, { depth: number }>,
  symbols: ModuleSymbols,
  entry: string,
): StepLocation {
  const sites = symbols.taskSites(step.name);
  const candidates = [...modules.entries()]
    .map(([path, { depth }]) => ({
      path,
      depth,
      exports: symbols
        .exportsOf(path)
        .filter((name) => sites.some((site) => symbols.exportUses(path, name, site))),
    }))
    .filter((c) => c.exports.length > 0)
    .sort((a, b) => b.depth - a.depth || (a.path < b.path ? -1 : 1));
  const best = candidates[0];
  const definedAt = sites[0] ? { definedAt: lineOf(sites[0]) } : {};
  if (!best) return { module: entry, exports: symbols.exportsOf(entry), ...definedAt, located: false };
  return { module: best.path, exports: best.exports, ...definedAt, located: true };
}
