import { Node, SyntaxKind, type CallExpression, type SourceFile } from "ts-morph";

/**
 * A syntax-only symbol table of the user's modules: where tasks are defined (`x.task(function name…)`,
 * `x.task(fn, { name })`, `x.sql("name", …)`), what each module exports, and which task definitions an
 * export's value passes to `.transform(...)`, following identifiers across local imports and re-exports.
 */

/** A call that defines a task. */
export interface TaskSite {
  readonly file: string;
  readonly name: string;
  readonly node: CallExpression;
}

export interface ModuleSymbols {
  /** Definitions of tasks with this name. */
  taskSites(name: string): readonly TaskSite[];
  /** Names a module exports (`default` included), sorted. */
  exportsOf(path: string): readonly string[];
  /** True when the export's value transforms with the task defined at `site`. */
  exportUses(path: string, exportName: string, site: TaskSite): boolean;
}

type Target =
  | { readonly kind: "local"; readonly name: string }
  | { readonly kind: "import"; readonly file: string; readonly name: string }
  | { readonly kind: "node"; readonly node: Node };

interface FileTable {
  readonly decls: Map<string, Node>;
  readonly imports: Map<string, { file: string; name: string }>;
  readonly exports: Map<string, Target>;
  readonly stars: string[];
}

interface Reach {
  readonly tasks: Set<TaskSite>;
  readonly used: Set<TaskSite>;
}

function stringValue(node: Node | undefined): string | undefined {
  return node && (Node.isStringLiteral(node) || Node.isNoSubstitutionTemplateLiteral(node))
    ? node.getLiteralValue()
    : undefined;
}

/** The name a `.task(...)`/`.sql(...)` call gives its task, as core would. */
function taskName(call: CallExpression, table: FileTable): string | undefined {
  const callee = call.getExpression();
  if (!Node.isPropertyAccessExpression(callee)) return undefined;
  const [first, second] = call.getArguments();
  if (callee.getName() === "sql") return stringValue(first);
  if (callee.getName() !== "task") return undefined;
  if (second && Node.isObjectLiteralExpression(second)) {
    const named = second.getProperty("name");
    if (named && Node.isPropertyAssignment(named)) {
      const value = stringValue(named.getInitializer());
      if (value) return value;
    }
  }
  if (first && Node.isFunctionExpression(first)) return first.getName();
  if (first && Node.isIdentifier(first)) {
    const decl = table.decls.get(first.getText());
    if (decl && Node.isVariableDeclaration(decl)) {
      const init = decl.getInitializer();
      return init && Node.isFunctionExpression(init) ? (init.getName() ?? decl.getName()) : decl.getName();
    }
    return first.getText();
  }
  return undefined;
}

function isReference(id: Node): boolean {
  const parent = id.getParent();
  if (!parent) return false;
  if (Node.isPropertyAccessExpression(parent) && parent.getNameNode() === id) return false;
  if (Node.isPropertyAssignment(parent) && parent.getNameNode() === id) return false;
  if (
    (Node.isVariableDeclaration(parent) || Node.isParameterDeclaration(parent)) &&
    parent.getNameNode() === id
  ) {
    return false;
  }
  return !(
    Node.isFunctionDeclaration(parent) ||
    Node.isFunctionExpression(parent) ||
    Node.isClassDeclaration(parent)
  );
}

function tableOf(file: SourceFile, resolveImport: (spec: string) => string | null): FileTable {
  const table: FileTable = { decls: new Map(), imports: new Map(), exports: new Map(), stars: [] };
  for (const statement of file.getVariableStatements()) {
    for (const decl of statement.getDeclarations()) {
      table.decls.set(decl.getName(), decl);
      if (statement.hasExportKeyword())
        table.exports.set(decl.getName(), { kind: "local", name: decl.getName() });
    }
  }
  for (const decl of [...file.getFunctions(), ...file.getClasses()]) {
    const name = decl.getName();
    if (name) table.decls.set(name, decl);
    // Keyword checks, not isExported(): those build a type checker over the standard library.
    if (decl.hasExportKeyword() && decl.hasDefaultKeyword())
      table.exports.set("default", name ? { kind: "local", name } : { kind: "node", node: decl });
    else if (decl.hasExportKeyword() && name) table.exports.set(name, { kind: "local", name });
  }
  for (const decl of file.getImportDeclarations()) {
    const target = resolveImport(decl.getModuleSpecifierValue());
    if (!target) continue;
    const def = decl.getDefaultImport();
    if (def) table.imports.set(def.getText(), { file: target, name: "default" });
    const ns = decl.getNamespaceImport();
    if (ns) table.imports.set(ns.getText(), { file: target, name: "*" });
    for (const named of decl.getNamedImports()) {
      table.imports.set(named.getAliasNode()?.getText() ?? named.getName(), {
        file: target,
        name: named.getName(),
      });
    }
  }
  for (const decl of file.getExportDeclarations()) {
    const specifier = decl.getModuleSpecifierValue();
    const target = specifier === undefined ? null : resolveImport(specifier);
    if (specifier !== undefined && !target) continue;
    if (decl.isNamespaceExport()) {
      const ns = decl.getNamespaceExport();
      if (ns && target) table.exports.set(ns.getName(), { kind: "import", file: target, name: "*" });
      else if (target) table.stars.push(target);
      continue;
    }
    for (const named of decl.getNamedExports()) {
      const exported = named.getAliasNode()?.getText() ?? named.getName();
      table.exports.set(
        exported,
        target
          ? { kind: "import", file: target, name: named.getName() }
          : { kind: "local", name: named.getName() },
      );
    }
  }
  for (const assignment of file.getExportAssignments()) {
    const expr = assignment.getExpression();
    table.exports.set(
      "default",
      Node.isIdentifier(expr) ? { kind: "local", name: expr.getText() } : { kind: "node", node: expr },
    );
  }
  return table;
}

/** Builds the symbol table of the given modules (absolute path → source file). */
export function moduleSymbols(
  modules: ReadonlyMap<string, { readonly file: SourceFile }>,
  resolveImport: (from: string, specifier: string) => string | null,
): ModuleSymbols {
  const tables = new Map<string, FileTable>();
  for (const [path, { file }] of modules)
    tables.set(
      path,
      tableOf(file, (spec) => resolveImport(path, spec)),
    );
  const sites = new Map<CallExpression, TaskSite>();
  for (const [path, { file }] of modules) {
    for (const call of file.getDescendantsOfKind(SyntaxKind.CallExpression)) {
      const name = taskName(call, tables.get(path) as FileTable);
      if (name) sites.set(call, { file: path, name, node: call });
    }
  }
  const memo = new Map<string, Reach>();
  const empty = (): Reach => ({ tasks: new Set(), used: new Set() });
  const merge = (into: Reach, from: Reach): void => {
    from.tasks.forEach((t) => into.tasks.add(t));
    from.used.forEach((t) => into.used.add(t));
  };

  const reachNode = (path: string, node: Node): Reach => {
    const reach = empty();
    const calls = Node.isCallExpression(node)
      ? [node, ...node.getDescendantsOfKind(SyntaxKind.CallExpression)]
      : node.getDescendantsOfKind(SyntaxKind.CallExpression);
    for (const call of calls) {
      const site = sites.get(call);
      if (site) reach.tasks.add(site);
      const callee = call.getExpression();
      if (Node.isPropertyAccessExpression(callee) && callee.getName() === "transform") {
        for (const arg of call.getArguments()) reachNode(path, arg).tasks.forEach((t) => reach.used.add(t));
      }
    }
    const ids = Node.isIdentifier(node) ? [node] : node.getDescendantsOfKind(SyntaxKind.Identifier);
    for (const id of ids) if (isReference(id)) merge(reach, reachName(path, id.getText()));
    return reach;
  };

  const reachName = (path: string, name: string): Reach => {
    const table = tables.get(path);
    const imported = table?.imports.get(name);
    if (imported) return reachExport(imported.file, imported.name);
    const decl = table?.decls.get(name);
    if (!decl) return empty();
    return remember(`${path}#local:${name}`, () => reachNode(path, decl));
  };

  const reachExport = (path: string, name: string): Reach => {
    if (name === "*") {
      const all = empty();
      for (const exported of exportsOf(path)) merge(all, reachExport(path, exported));
      return all;
    }
    return remember(`${path}#export:${name}`, () => {
      const table = tables.get(path);
      const target = table?.exports.get(name);
      if (target?.kind === "local") return reachName(path, target.name);
      if (target?.kind === "import") return reachExport(target.file, target.name);
      if (target?.kind === "node") return reachNode(path, target.node);
      const star = table?.stars.find((file) => exportsOf(file).includes(name));
      return star ? reachExport(star, name) : empty();
    });
  };

  // Cycles (a module importing itself through others) resolve to what was found so far.
  const remember = (key: string, compute: () => Reach): Reach => {
    const known = memo.get(key);
    if (known) return known;
    const pending = empty();
    memo.set(key, pending);
    merge(pending, compute());
    return pending;
  };

  const exportNames = new Map<string, string[]>();
  const exportsOf = (path: string): string[] => {
    const known = exportNames.get(path);
    if (known) return known;
    const names = new Set<string>();
    exportNames.set(path, []);
    const table = tables.get(path);
    for (const name of table?.exports.keys() ?? []) names.add(name);
    for (const star of table?.stars ?? [])
      for (const name of exportsOf(star)) if (name !== "default") names.add(name);
    const sorted = [...names].sort();
    exportNames.set(path, sorted);
    return sorted;
  };

  return {
    taskSites: (name) => [...sites.values()].filter((s) => s.name === name),
    exportsOf,
    exportUses: (path, exportName, site) => reachExport(path, exportName).used.has(site),
  };
}
