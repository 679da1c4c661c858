import { absurd } from "@glacier/core/internal";
import type { AnyNode, CallExpression, Identifier, Literal, Node, Pattern, Program } from "acorn";
import { KEYS } from "eslint-visitor-keys";

/**
 * What the code fingerprint needs to know of a parsed module besides its scopes: what each export name stands
 * for, which modules the code names, and where methods are called.
 */

/** What an export name stands for in its module. */
export type ExportTarget =
  | { readonly kind: "local"; readonly name: string }
  | { readonly kind: "node"; readonly node: Node }
  | { readonly kind: "from"; readonly specifier: string; readonly imported: string };

/** A module named by a string: `import … from "x"`, `export … from "x"`, `import("x")`, `require("x")`. */
export interface ModuleRequest {
  readonly specifier: string;
  /** Where it is written, so a walk follows the dynamic ones only inside code it reached. */
  readonly start: number;
  readonly dynamic: boolean;
}

/** A node's child nodes, in ESLint's visiting order. */
function children(node: Node): Node[] {
  const out: Node[] = [];
  for (const key of KEYS[node.type] ?? []) {
    const value = (node as unknown as Record<string, unknown>)[key];
    for (const child of Array.isArray(value) ? value : [value]) {
      if (child && typeof (child as Node).type === "string") out.push(child as Node);
    }
  }
  return out;
}

/** The value of a string literal. */
export function stringOf(node: Node | null | undefined): string | undefined {
  const literal = node as Literal | null | undefined;
  return literal?.type === "Literal" && typeof literal.value === "string" ? literal.value : undefined;
}

/** The name an identifier or a string literal (`export { x as "y" }`) gives. */
export function nameOf(node: Node): string {
  const named = node as Identifier | Literal;
  return named.type === "Identifier" ? named.name : String(named.value);
}

/**
 * Exports, star re-exports, the modules named, and method calls, in one walk.
 *
 * @example
 * ```ts
 * tables(parse('export { a as b } from "./x.js"; export * from "./y.js"; local.task(f);', …))
 * // { exports: Map { "b" => { kind: "from", specifier: "./x.js", imported: "a" } }, stars: ["./y.js"],
 * //   requests: [{ specifier: "./x.js", … }, { specifier: "./y.js", … }], memberCalls: [local.task(f)] }
 * ```
 */
export function tables(program: Program): {
  exports: Map<string, ExportTarget>;
  stars: string[];
  requests: ModuleRequest[];
  memberCalls: CallExpression[];
} {
  const exports = new Map<string, ExportTarget>();
  const stars: string[] = [];
  const requests: ModuleRequest[] = [];
  const memberCalls: CallExpression[] = [];
  const request = (source: Node | null | undefined, start: number, dynamic: boolean): void => {
    const specifier = stringOf(source);
    if (specifier !== undefined) requests.push({ specifier, start, dynamic });
  };
  for (const s of program.body) {
    switch (s.type) {
      case "ImportDeclaration":
        request(s.source, s.start, false);
        break;
      case "ExportAllDeclaration":
        request(s.source, s.start, false);
        if (s.exported) {
          exports.set(nameOf(s.exported), { kind: "from", specifier: String(s.source.value), imported: "*" });
        } else stars.push(String(s.source.value));
        break;
      case "ExportNamedDeclaration": {
        request(s.source, s.start, false);
        const from = stringOf(s.source);
        const declaration = s.declaration;
        if (declaration?.type === "VariableDeclaration") {
          for (const d of declaration.declarations)
            for (const name of patternNames(d.id)) exports.set(name, { kind: "local", name });
        } else if (declaration) {
          exports.set(declaration.id.name, { kind: "local", name: declaration.id.name });
        }
        for (const spec of s.specifiers) {
          exports.set(
            nameOf(spec.exported),
            from === undefined
              ? { kind: "local", name: nameOf(spec.local) }
              : { kind: "from", specifier: from, imported: nameOf(spec.local) },
          );
        }
        break;
      }
      case "ExportDefaultDeclaration": {
        const declaration = s.declaration;
        const id =
          declaration.type === "FunctionDeclaration" || declaration.type === "ClassDeclaration"
            ? declaration.id
            : null;
        exports.set("default", id ? { kind: "local", name: id.name } : { kind: "node", node: declaration });
        break;
      }
      default:
        break;
    }
  }
  const visit = (node: Node): void => {
    const any = node as AnyNode;
    if (any.type === "ImportExpression") request(any.source, any.start, true);
    if (any.type === "CallExpression") {
      if (any.callee.type === "MemberExpression") memberCalls.push(any);
      if (any.callee.type === "Identifier" && any.callee.name === "require")
        request(any.arguments[0], any.start, true);
    }
    for (const child of children(node)) visit(child);
  };
  visit(program);
  return { exports, stars, requests, memberCalls };
}

/** The names a binding pattern declares: `a`, `{ a, b: [c] }`, `...rest`. */
export function patternNames(pattern: Pattern): string[] {
  switch (pattern.type) {
    case "Identifier":
      return [pattern.name];
    case "ObjectPattern":
      return pattern.properties.flatMap((p) =>
        p.type === "RestElement" ? patternNames(p) : patternNames(p.value),
      );
    case "ArrayPattern":
      return pattern.elements.flatMap((e) => (e ? patternNames(e) : []));
    case "RestElement":
      return patternNames(pattern.argument);
    case "AssignmentPattern":
      return patternNames(pattern.left);
    case "MemberExpression":
      return [];
    default:
      return absurd(pattern);
  }
}
