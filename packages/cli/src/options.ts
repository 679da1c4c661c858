import { GlacierError, type GlacierErrorCode } from "@glacier/core";

/**
 * Checks an option against its allowed values. The error code is the caller's: `--mode` is UNKNOWN_MODE like
 * core's `run({ mode })`, `--format` is INVALID_OPTION like core's `visualize(graph, format)`.
 *
 * @example
 * ```ts
 * parseChoice("svg", ["mermaid", "html"], "format", "INVALID_OPTION");
 * // GlacierError [INVALID_OPTION] option "--format": "svg" is not one of mermaid, html. …
 * ```
 */
export function parseChoice<T extends string>(
  value: string,
  allowed: readonly T[],
  option: string,
  code: GlacierErrorCode = "INVALID_OPTION",
): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new GlacierError(code, `"${value}" is not one of ${allowed.join(", ")}.`, {
    subject: { kind: "option", name: `--${option}` },
    hint: `Use --${option} ${allowed.join("|")}.`,
  });
}

/** Parses a whole number ≥ 1 (`--concurrency 4`, `--limit 20`). */
export function parsePositiveInteger(value: string, option: string): number {
  const n = Number(value);
  if (/^\s*\d+\s*$/.test(value) && Number.isSafeInteger(n) && n >= 1) return n;
  throw new GlacierError("INVALID_OPTION", `"${value}" is not a whole number of at least 1.`, {
    subject: { kind: "option", name: `--${option}` },
    hint: `For example --${option} 4.`,
  });
}

const PARAM = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s;

/**
 * Parses repeated `--param key=value` into raw strings; the interpreter types them against the tasks'
 * declarations (`resolveParams`). A malformed or repeated key is PARAM_INVALID.
 *
 * @example
 * ```ts
 * parseParams(["day=2024-01-31", "minOrders=5"]); // { day: "2024-01-31", minOrders: "5" }
 * parseParams(["minOrders"]); // GlacierError [PARAM_INVALID] param "minOrders": expected key=value …
 * ```
 */
export function parseParams(pairs: readonly string[]): Readonly<Record<string, string>> {
  const params: Record<string, string> = {};
  for (const pair of pairs) {
    const match = PARAM.exec(pair);
    if (!match) {
      throw new GlacierError("PARAM_INVALID", "expected key=value, with an identifier as the key.", {
        subject: { kind: "param", name: pair },
        hint: "Write --param minOrders=5 (repeat --param for several).",
      });
    }
    const [, key, value] = match as unknown as [string, string, string];
    if (key in params) {
      throw new GlacierError("PARAM_INVALID", "is given twice.", {
        subject: { kind: "param", name: key },
        hint: "Pass each parameter once.",
      });
    }
    params[key] = value;
  }
  return Object.freeze(params);
}
