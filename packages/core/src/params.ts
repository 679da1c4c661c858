import { GlacierError } from "./errors.js";
import { canonicalJson } from "./stable-id.js";
import { absurd } from "./absurd.js";

/** A run parameter's declaration. `default` absent means required. */
export interface ParamSpec<T extends ParamValue = ParamValue> {
  readonly type: "string" | "number" | "integer" | "boolean";
  readonly default?: T;
  readonly description?: string;
  /** For string parameters: the allowed values. */
  readonly choices?: readonly string[];
}

export type ParamValue = string | number | boolean;
export type ParamSpecs = Readonly<Record<string, ParamSpec>>;

/** The values a task receives in `ctx.params` for its declared specs. */
export type ParamValues<S> = { readonly [K in keyof S]: S[K] extends ParamSpec<infer T> ? T : never };

interface SpecOptions<T> {
  readonly default?: T;
  readonly description?: string;
}

/**
 * Declares run parameters with types and defaults, for a task's `params` option. A parameter without a
 * default is required: `glacier run --param day=2024-01-31` sets it.
 *
 * @example
 * ```ts
 * const daily = lambda.task(
 *   function daily(df, ctx) { return df.filter(pl.col("day").eq(pl.lit(ctx.params.day))); },
 *   { params: { day: param.string(), minAmount: param.number({ default: 0 }) } },
 * );
 * // ctx.params: { readonly day: string; readonly minAmount: number }
 * ```
 */
export const param = {
  string: (o: SpecOptions<string> & { choices?: readonly string[] } = {}): ParamSpec<string> =>
    Object.freeze({ type: "string" as const, ...o }),
  number: (o: SpecOptions<number> = {}): ParamSpec<number> =>
    Object.freeze({ type: "number" as const, ...o }),
  integer: (o: SpecOptions<number> = {}): ParamSpec<number> =>
    Object.freeze({ type: "integer" as const, ...o }),
  boolean: (o: SpecOptions<boolean> = {}): ParamSpec<boolean> =>
    Object.freeze({ type: "boolean" as const, ...o }),
};

function fitsType(spec: ParamSpec, value: ParamValue): boolean {
  switch (spec.type) {
    case "string":
      return typeof value === "string" && (!spec.choices || spec.choices.includes(value));
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "boolean":
      return typeof value === "boolean";
    default:
      return absurd(spec.type);
  }
}

function describe(spec: ParamSpec): string {
  return spec.choices
    ? `one of ${spec.choices.join(", ")}`
    : `${spec.type === "integer" ? "an" : "a"} ${spec.type}`;
}

/** Checks a task's param declarations when it is defined. */
export function checkParamSpecs(specs: unknown, taskName: string): ParamSpecs {
  if (specs === undefined) return Object.freeze({});
  if (typeof specs !== "object" || specs === null) {
    throw new GlacierError(
      "INVALID_PARAM",
      "params must be an object of name to param.string() / param.number() …",
      {
        subject: { kind: "task", name: taskName },
        hint: "Write params: { day: param.string(), limit: param.integer({ default: 10 }) }.",
      },
    );
  }
  for (const [name, spec] of Object.entries(specs as Record<string, ParamSpec>)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new GlacierError("INVALID_PARAM", `parameter name "${name}" is not an identifier.`, {
        subject: { kind: "task", name: taskName },
        hint: "Use letters, digits and _ (it is set as --param name=value).",
      });
    }
    if (!spec || !["string", "number", "integer", "boolean"].includes(spec.type)) {
      throw new GlacierError("INVALID_PARAM", `parameter "${name}" is not declared with param.*().`, {
        subject: { kind: "task", name: taskName },
        hint: `Write ${name}: param.string({ default: "…" }) (or number, integer, boolean).`,
      });
    }
    if (
      spec.choices !== undefined &&
      (spec.type !== "string" ||
        !Array.isArray(spec.choices) ||
        spec.choices.length === 0 ||
        spec.choices.some((c) => typeof c !== "string"))
    ) {
      throw new GlacierError(
        "INVALID_PARAM",
        spec.type === "string"
          ? `choices of task "${taskName}" must be a non-empty list of strings.`
          : `only string parameters take choices; task "${taskName}" declares a ${spec.type}.`,
        {
          subject: { kind: "param", name },
          hint: `Write ${name}: param.string({ choices: ["daily", "weekly"] }).`,
        },
      );
    }
    if (spec.default !== undefined && !fitsType(spec, spec.default)) {
      throw new GlacierError(
        "INVALID_PARAM",
        `the default ${JSON.stringify(spec.default)} in task "${taskName}" is not ${describe(spec)}.`,
        {
          subject: { kind: "param", name },
          hint: `Give a default that is ${describe(spec)}, or leave it out to make the parameter required.`,
        },
      );
    }
  }
  return Object.freeze({ ...(specs as ParamSpecs) });
}

/** `string in [a, b] = a`: a declaration as the conflict message shows it. */
function declaration(spec: ParamSpec): string {
  const choices = spec.choices ? ` in [${spec.choices.join(", ")}]` : "";
  return `${spec.type}${choices}${spec.default === undefined ? "" : ` = ${String(spec.default)}`}`;
}

/** Merges the declarations of many tasks; two tasks declaring one name differently is an error. */
export function mergeParamSpecs(declared: Iterable<readonly [string, ParamSpecs]>): ParamSpecs {
  const merged: Record<string, ParamSpec> = {};
  const owner: Record<string, string> = {};
  for (const [taskName, specs] of declared) {
    for (const [name, spec] of Object.entries(specs)) {
      const seen = merged[name];
      // Choices are part of the type: merging ["a", "b"] with ["a", "c"] would accept a value one task rejects.
      if (
        seen &&
        (seen.type !== spec.type ||
          seen.default !== spec.default ||
          canonicalJson(seen.choices ?? null) !== canonicalJson(spec.choices ?? null))
      ) {
        throw new GlacierError(
          "INVALID_PARAM",
          `tasks "${owner[name]}" and "${taskName}" declare it differently (${declaration(seen)} vs ${declaration(spec)}).`,
          { subject: { kind: "param", name }, hint: "Declare a shared parameter identically in every task." },
        );
      }
      merged[name] = spec;
      owner[name] ??= taskName;
    }
  }
  return Object.freeze(merged);
}

/** How to pass a valid value: `Pass e.g. --param topN=10.` */
function example(spec: ParamSpec, name: string): string {
  const value =
    spec.choices?.[0] ?? { string: "text", number: "1.5", integer: "10", boolean: "true" }[spec.type];
  return `Pass ${describe(spec)}, e.g. --param ${name}=${value}.`;
}

/** Parses a CLI string (`--param key=value`) into the declared type. */
function parseRaw(spec: ParamSpec, name: string, raw: string): ParamValue {
  switch (spec.type) {
    case "string":
      return raw;
    case "number":
    case "integer": {
      const n = raw.trim() === "" ? Number.NaN : Number(raw);
      if (Number.isNaN(n)) {
        throw new GlacierError("PARAM_INVALID", `"${raw}" is not ${describe(spec)}.`, {
          subject: { kind: "param", name },
          hint: example(spec, name),
        });
      }
      return n;
    }
    case "boolean":
      if (raw === "true" || raw === "1") return true;
      if (raw === "false" || raw === "0") return false;
      throw new GlacierError("PARAM_INVALID", `"${raw}" is not a boolean.`, {
        subject: { kind: "param", name },
        hint: "Use true or false.",
      });
    default:
      return absurd(spec.type);
  }
}

/**
 * Resolves run parameters against the declarations: defaults fill the gaps, strings from the CLI are parsed,
 * and an undeclared, missing or ill-typed parameter is a {@link GlacierError}.
 *
 * @example
 * ```ts
 * resolveParams({ day: param.string(), n: param.integer({ default: 3 }) }, { day: "2024-01-31" })
 * // { day: "2024-01-31", n: 3 }
 * ```
 */
export function resolveParams(
  specs: ParamSpecs,
  given: Readonly<Record<string, ParamValue>> = {},
): Readonly<Record<string, ParamValue>> {
  const declared = Object.keys(specs);
  for (const name of Object.keys(given)) {
    // Own keys only: `--param constructor=1` must not match Object.prototype.
    if (!Object.hasOwn(specs, name)) {
      throw new GlacierError("PARAM_UNKNOWN", "no task declares this parameter.", {
        subject: { kind: "param", name },
        hint: declared.length
          ? `Declared parameters: ${declared.join(", ")}.`
          : "This pipeline declares no parameters; add params: { … } to a task's options.",
      });
    }
  }
  const values: Record<string, ParamValue> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const raw = given[name];
    if (raw === undefined) {
      if (spec.default === undefined) {
        throw new GlacierError("PARAM_MISSING", "this parameter is required and has no default.", {
          subject: { kind: "param", name },
          hint: `Pass --param ${name}=<${spec.type}> (or params: { ${name}: … } to run()).`,
        });
      }
      values[name] = spec.default;
      continue;
    }
    const value = typeof raw === "string" && spec.type !== "string" ? parseRaw(spec, name, raw) : raw;
    if (!fitsType(spec, value)) {
      throw new GlacierError("PARAM_INVALID", `${JSON.stringify(raw)} is not ${describe(spec)}.`, {
        subject: { kind: "param", name },
        hint: example(spec, name),
      });
    }
    values[name] = value;
  }
  return Object.freeze(values);
}

/** The declarations of a task that reads no parameters. */
export type NoParams = Readonly<Record<never, ParamSpec>>;
