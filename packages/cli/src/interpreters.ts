import type { Interpreter, RunMode } from "@glacier/core";
import { importInterpreter } from "@glacier/core/internal";

/**
 * The CLI is the composition root: it picks each mode's interpreter here and hands it to `runGraph`, so core
 * never looks a package up. Each is imported on first use only (`glacier visualize` loads none), from the
 * CLI's own dependencies; a mode whose package is not installed is INTERPRETER_MISSING naming it. The result
 * types are the packages' own (`@glacier/local`'s run records, `@glacier/aws`'s cloud plan …), not casts.
 *
 * @example
 * ```ts
 * const result = await runGraph(graph, { mode: "local" }, await INTERPRETERS.local());
 * // RecordedRunResult: every step's full record (code, notes, attempts …)
 * ```
 */
export const INTERPRETERS = {
  local: () => importInterpreter("local", () => import("@glacier/local")),
  cloud: () => importInterpreter("cloud", () => import("@glacier/aws")),
  generate: () => importInterpreter("generate", () => import("@glacier/terraform")),
  analyze: () => importInterpreter("analyze", () => import("@glacier/analyze")),
} satisfies { readonly [M in RunMode]: () => Promise<Interpreter<M>> };
