import { absurd } from "@glacier/core/internal";
import { dirname, relative } from "node:path";
import type { Node } from "acorn";
import type { Definition, Variable } from "eslint-scope";
import { importTarget } from "./code-imports.js";
import { freeVariables, loadModule, type CodeModule } from "./code-module.js";

/**
 * The code a function can reach, as a set of hashes: the function itself, then — following its free variables
 * through the scope analysis — the declarations it uses (their text, and in turn what they use), the exported
 * bindings of the local modules it imports, and the name and installed version of each package it imports. A
 * declaration the function does not reach (another task, an unrelated constant) is not in the set, so editing it
 * changes nothing; editing anything in the set changes the fingerprint.
 */

/** What a walk reached. */
export interface Reach {
  /** One entry per piece of code or package: `code:<hash>`, `package:<name>@<version>` … Sorted, unique. */
  readonly entries: readonly string[];
  /** Readable names of what was reached (relative to the root module), for logs and tests. */
  readonly reached: readonly string[];
  /** Values the code reads that no file shows (a parameter of an enclosing function, an unresolved import). */
  readonly unseen: readonly string[];
}

class Walk {
  readonly #entries = new Set<string>();
  readonly #reached = new Set<string>();
  readonly #unseen = new Set<string>();
  readonly #visited = new Set<string>();
  readonly #base: string;

  constructor(root: string) {
    this.#base = dirname(root);
  }

  result(): Reach {
    return {
      entries: [...this.#entries].sort(),
      reached: [...this.#reached].sort(),
      unseen: [...this.#unseen].sort(),
    };
  }

  #label(file: string, name?: string): string {
    const path = relative(this.#base, file) || file;
    return name === undefined ? path : `${path}#${name}`;
  }

  #once(key: string): boolean {
    if (this.#visited.has(key)) return false;
    this.#visited.add(key);
    return true;
  }

  /** A node's own text, then everything its free variables and dynamic imports lead to. */
  node(module: CodeModule, node: Node, kind: string, label: string | undefined): void {
    if (!this.#once(`${module.file}@${node.start}:${node.end}`)) return;
    this.#entries.add(`${kind}:${module.hashRange(node.start, node.end)}`);
    if (label !== undefined) this.#reached.add(this.#label(module.file, label));
    for (const variable of freeVariables(module, node)) this.variable(module, variable);
    for (const request of module.requests) {
      if (request.dynamic && request.start >= node.start && request.start < node.end)
        this.import(module, request.specifier, "*");
    }
  }

  variable(module: CodeModule, variable: Variable): void {
    for (const def of variable.defs) this.#definition(module, variable.name, def);
  }

  #definition(module: CodeModule, name: string, def: Definition): void {
    switch (def.type) {
      case "ImportBinding": {
        const spec = def.node as Node & { imported?: Node };
        const imported =
          def.node.type === "ImportSpecifier"
            ? ((spec.imported as Node & { name?: string; value?: string }).name ??
              String((spec.imported as { value?: unknown }).value))
            : def.node.type === "ImportDefaultSpecifier"
              ? "default"
              : "*";
        const source = (def.parent as Node & { source: { value: string } }).source.value;
        this.import(module, source, imported);
        return;
      }
      case "Variable": {
        // `const` or `let` matters to what the code does; the declarator is the unit, not its whole statement.
        const kind = (def.parent as (Node & { kind?: string }) | null)?.kind ?? "var";
        this.node(module, def.node, `decl-${kind}`, name);
        return;
      }
      case "FunctionName":
      case "ClassName":
        this.node(module, def.node, "decl", name);
        return;
      case "Parameter":
      case "CatchClause":
      case "ImplicitGlobalVariable":
      case "TDZ":
        this.#unseen.add(
          `${this.#label(module.file, name)} (${def.type === "Parameter" ? "a parameter" : "a run-time value"})`,
        );
        return;
      default:
        return absurd(def.type, "definition");
    }
  }

  /** What `specifier` gives the module under `imported` (`*`: everything). */
  import(module: CodeModule, specifier: string, imported: string): void {
    const target = importTarget(module.file, specifier);
    switch (target.kind) {
      case "builtin":
        this.#entries.add(`builtin:${target.name}`);
        this.#reached.add(`node:${target.name}`);
        return;
      case "package":
        this.#entries.add(`package:${target.name}@${target.version}`);
        this.#reached.add(`${target.name}@${target.version}`);
        return;
      case "unresolved":
        this.#entries.add(`unresolved:${specifier}`);
        this.#unseen.add(`${this.#label(module.file)} imports ${JSON.stringify(specifier)} (not found)`);
        return;
      case "file":
        if (imported === "*") this.module(target.path);
        else this.export(target.path, imported);
        return;
      default:
        return absurd(target, "import target");
    }
  }

  /** An exported binding of a local module; the whole module when the binding cannot be found. */
  export(file: string, name: string): void {
    if (!this.#once(`${file}#export:${name}`)) return;
    const loaded = loadModule(file);
    if (!loaded.ok) return this.#bytes(file, loaded.bytesHash);
    const module = loaded.module;
    const target = module.exports.get(name);
    if (target?.kind === "local") {
      const variable = module.scope.set.get(target.name);
      if (variable) return this.variable(module, variable);
    } else if (target?.kind === "node") {
      return this.node(module, target.node, "export", name);
    } else if (target?.kind === "from") {
      return this.import(module, target.specifier, target.imported);
    } else if (name !== "default" && module.stars.length > 0) {
      for (const star of module.stars) this.import(module, star, name);
      return;
    }
    this.module(file);
  }

  /** Conservative: all of a module's code, and everything it imports. */
  module(file: string): void {
    if (!this.#once(`${file}#*`)) return;
    const loaded = loadModule(file);
    if (!loaded.ok) return this.#bytes(file, loaded.bytesHash);
    const module = loaded.module;
    this.#entries.add(`module:${module.hashRange(0, module.code.length)}`);
    this.#reached.add(`${this.#label(file)} (whole module)`);
    for (const request of module.requests) this.import(module, request.specifier, "*");
  }

  #bytes(file: string, hash: string | null): void {
    this.#entries.add(hash === null ? `unreadable:${file}` : `bytes:${hash}`);
    this.#reached.add(`${this.#label(file)} (bytes)`);
  }
}

/**
 * Everything a node of a module reaches.
 *
 * @example
 * ```ts
 * reachFrom(pipelineModule, taskFunctionNode, "task")
 * // { entries: ["code:…", "decl-const:…", "package:nodejs-polars@0.26.1"],
 * //   reached: ["nodejs-polars@0.26.1", "pipeline.ts#MIN_AMOUNT", "pipeline.ts#task"], unseen: [] }
 * ```
 */
export function reachFrom(module: CodeModule, node: Node, label: string): Reach {
  return labelled(reachOf(module, node), module.file, label);
}

/** What a node reaches, its own readable name left out (`labelled` adds it): shared by tasks written once. */
export function reachOf(module: CodeModule, node: Node): Reach {
  const walk = new Walk(module.file);
  walk.node(module, node, "code", undefined);
  return walk.result();
}

/** A reach with its root node's readable name, `<file>#<label>`, among what it reached. */
export function labelled(reach: Reach, file: string, label: string): Reach {
  const root = `${relative(dirname(file), file) || file}#${label}`;
  return { ...reach, reached: [...new Set([...reach.reached, root])].sort() };
}
