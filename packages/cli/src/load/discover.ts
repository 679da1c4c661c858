import { readFileSync } from "node:fs";
import type { Node, SourceFile } from "ts-morph";
import { glob } from "tinyglobby";

/** What discovery never scans: dependencies, build output, tests, declarations and the config itself. */
export const DISCOVERY_IGNORE = [
  "**/node_modules/**",
  "**/dist/**",
  "**/.git/**",
  "**/.glacier/**",
  "**/.turbo/**",
  "**/coverage/**",
  "**/*.d.ts",
  "**/*.d.mts",
  "**/*.test.ts",
  "**/*.spec.ts",
  "**/*.test-d.ts",
  "**/glacier.config.*",
];

const CORE = "@glacier/core";

/** True when the file imports a value (not only types) from @glacier/core: it can build buckets. */
function importsCoreValues(source: SourceFile): boolean {
  return source.getImportDeclarations().some((declaration) => {
    if (declaration.getModuleSpecifierValue() !== CORE || declaration.isTypeOnly()) return false;
    if (declaration.getDefaultImport() || declaration.getNamespaceImport()) return true;
    const named = declaration.getNamedImports();
    return named.length === 0 || named.some((n) => !n.isTypeOnly());
  });
}

/**
 * True when the file exports something that can be a Bucket: `export const`, `export {…}` / `export * from`,
 * `export default <expr>`. Exported functions, classes and types cannot be buckets.
 */
function exportsValues(source: SourceFile, node: typeof Node): boolean {
  return source.getStatements().some((statement) => {
    if (node.isVariableStatement(statement)) return statement.isExported();
    if (node.isExportDeclaration(statement)) return !statement.isTypeOnly();
    return node.isExportAssignment(statement);
  });
}

/**
 * Finds the project's pipeline modules without a config: the TypeScript sources under `dir` (not
 * node_modules, dist or tests) that import `@glacier/core` and export values. Only syntax is read — ts-morph
 * parses each candidate, nothing is type-checked or resolved — so a project of hundreds of files is scanned
 * in well under a second. A cheap text test skips files that never mention the package.
 *
 * @example
 * ```ts
 * await discoverModules("/work/shop");
 * // ["/work/shop/pipelines/orders.ts", "/work/shop/pipelines/reports.ts"]
 * ```
 */
export async function discoverModules(dir: string): Promise<readonly string[]> {
  const files = await glob(["**/*.{ts,mts,cts}"], { cwd: dir, absolute: true, ignore: DISCOVERY_IGNORE });
  const candidates = files
    .sort()
    .map((file) => ({ file, text: readFileSync(file, "utf8") }))
    .filter(({ text }) => text.includes(CORE));
  if (candidates.length === 0) return [];
  const { Node, Project } = await import("ts-morph");
  const project = new Project({
    useInMemoryFileSystem: true,
    skipAddingFilesFromTsConfig: true,
    skipFileDependencyResolution: true,
    skipLoadingLibFiles: true,
  });
  return candidates
    .filter(({ file, text }) => {
      const source = project.createSourceFile(file, text, { overwrite: true });
      return importsCoreValues(source) && exportsValues(source, Node);
    })
    .map(({ file }) => file);
}
