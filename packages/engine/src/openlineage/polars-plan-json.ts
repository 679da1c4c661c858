import type { InputField, Transformation } from "./sql-column-lineage.js";

/**
 * The pieces of `polars-column-lineage.ts` shared by its plan walk and its expression walk: reading nodejs-polars'
 * serde JSON (enum values are one-key objects), and the lineage model (a column's origins, a node's relation).
 */

export type Json = Record<string, unknown>;
export type Subtype = "IDENTITY" | "TRANSFORMATION" | "AGGREGATION";

/** Where a column's values come from: input fields, each with the strongest transformation on the way. */
export interface Origin {
  readonly namespace: string;
  readonly name: string;
  readonly field: string;
  readonly subtype: Subtype;
}

/** What a plan node produces: its columns in order, each with its origins, and the row-deciding inputs. */
export interface Relation {
  readonly columns: ReadonlyMap<string, readonly Origin[]>;
  readonly indirect: readonly InputField[];
}

/** Thrown inside the walk when the plan holds something it does not follow; turned into `undefined`. */
export class Unsupported extends Error {}

export const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The one key of a serde enum value (`{ "Select": {…} }`), or a unit variant (`"Len"`). */
export function variant(value: unknown): [string, unknown] {
  if (typeof value === "string") return [value, null];
  if (!isObject(value)) throw new Unsupported("not a plan value");
  const keys = Object.keys(value);
  if (keys.length !== 1) throw new Unsupported("not an enum value");
  const key = keys[0] as string;
  return [key, value[key]];
}

/** The field `key` of a struct value. */
export function field(value: unknown, key: string): unknown {
  if (!isObject(value) || !(key in value)) throw new Unsupported(`no ${key}`);
  return value[key];
}

/** A list value. */
export function list(value: unknown): readonly unknown[] {
  if (!Array.isArray(value)) throw new Unsupported("not a list");
  return value;
}

/** A string value (a column name). */
export function text(value: unknown): string {
  if (typeof value !== "string") throw new Unsupported("not a name");
  return value;
}

/** A resolved plan is wrapped in `{ IR: { dsl, version } }`; the version is a counter, not part of the plan. */
export function unwrap(plan: unknown): unknown {
  if (Array.isArray(plan)) return plan.map(unwrap);
  if (!isObject(plan)) return plan;
  const ir = plan["IR"];
  if (Object.keys(plan).length === 1 && isObject(ir) && "dsl" in ir) return unwrap(ir["dsl"]);
  return Object.fromEntries(Object.entries(plan).map(([k, v]) => [k, unwrap(v)]));
}

/** The stronger of two DIRECT transformations: AGGREGATION over TRANSFORMATION over IDENTITY. */
export const stronger = (a: Subtype, b: Subtype): Subtype =>
  a === "AGGREGATION" || b === "AGGREGATION"
    ? "AGGREGATION"
    : a === "TRANSFORMATION" || b === "TRANSFORMATION"
      ? "TRANSFORMATION"
      : "IDENTITY";

/** An origin as the facet's input field, with the transformation it went through. */
export function inputField(origin: Origin, transformation: Transformation): InputField {
  return {
    namespace: origin.namespace,
    name: origin.name,
    field: origin.field,
    transformations: [transformation],
  };
}

/** Each input field once per role. */
export function unique(fields: readonly InputField[]): InputField[] {
  const seen = new Set<string>();
  return fields.filter((f) => {
    const key = `${f.namespace}\u0000${f.name}\u0000${f.field}\u0000${f.transformations[0]?.subtype}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

/** An expression's value: its output name, the origins of its value and the inputs that pick its rows. */
export interface Evaluated {
  readonly name: string;
  readonly origins: readonly Origin[];
  readonly indirect: readonly InputField[];
}

/** No origins (a literal, `len()`). */
export const EMPTY: readonly Origin[] = [];

/** An INDIRECT transformation: a column that decides which rows there are. */
export function indirectOf(subtype: string): Transformation {
  return { type: "INDIRECT", subtype };
}
