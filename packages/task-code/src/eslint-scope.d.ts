/**
 * The part of eslint-scope 8's API that the code fingerprint uses. The package ships no types (its 9.x line
 * does, but needs Node 22.13, above this project's floor of 22.12).
 */
declare module "eslint-scope" {
  import type { Identifier, Node } from "acorn";

  export type DefinitionType =
    | "CatchClause"
    | "ClassName"
    | "FunctionName"
    | "ImplicitGlobalVariable"
    | "ImportBinding"
    | "Parameter"
    | "TDZ"
    | "Variable";

  export interface Definition {
    readonly type: DefinitionType;
    readonly name: Identifier;
    readonly node: Node;
    readonly parent: Node | null;
  }

  export interface Variable {
    readonly name: string;
    readonly defs: readonly Definition[];
    readonly scope: Scope;
  }

  export interface Reference {
    readonly identifier: Identifier;
    readonly from: Scope;
    readonly resolved: Variable | null;
  }

  export interface Scope {
    readonly type: string;
    readonly block: Node;
    readonly set: ReadonlyMap<string, Variable>;
    readonly references: readonly Reference[];
    readonly childScopes: readonly Scope[];
  }

  export interface ScopeManager {
    readonly scopes: readonly Scope[];
    readonly globalScope: Scope | null;
  }

  export function analyze(
    ast: Node,
    options?: {
      readonly ecmaVersion?: number;
      readonly sourceType?: "script" | "module" | "commonjs";
      readonly childVisitorKeys?: Readonly<Record<string, readonly string[]>>;
      readonly fallback?: "iteration" | "none";
    },
  ): ScopeManager;
}
