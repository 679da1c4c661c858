import {
  EMPTY,
  field,
  indirectOf,
  inputField,
  isObject,
  list,
  stronger,
  text,
  Unsupported,
  variant,
  type Evaluated,
  type Origin,
  type Relation,
  type Subtype,
} from "./polars-plan-json.js";

/**
 * Polars expressions (as nodejs-polars serialises them) over a plan node's columns: what each computes from
 * (`evaluate`), after polars' expansion of selectors (`expand`). Anything not listed in `evaluate` throws
 * {@link Unsupported}, which the caller turns into "no lineage".
 */

/** Where the column `name` of `input` comes from (a column it does not have: not followed). */
export function originsOf(input: Relation, name: string): readonly Origin[] {
  const origins = input.columns.get(name);
  if (!origins) throw new Unsupported(`no column ${name}`);
  return origins;
}

/** The columns a selector picks, in the input's order. */
export function columnNames(input: Relation, selector: unknown, exclude: readonly string[] = []): string[] {
  const all = [...input.columns.keys()];
  const pick = (s: unknown): Set<string> => {
    const [kind, body] = variant(s);
    switch (kind) {
      case "Wildcard":
        return new Set(all.filter((c) => !exclude.includes(c)));
      case "Empty":
        return new Set();
      case "ByName": {
        const names = list(field(body, "names")).map(text);
        if (names.some((n) => !input.columns.has(n))) throw new Unsupported("selector of a missing column");
        return new Set(names);
      }
      case "Difference": {
        const [a, b] = list(body);
        const minus = pick(b);
        return new Set([...pick(a)].filter((c) => !minus.has(c)));
      }
      case "Union": {
        const [a, b] = list(body);
        return new Set([...pick(a), ...pick(b)]);
      }
      default:
        throw new Unsupported(`selector ${kind}`);
    }
  };
  const [kind] = variant(selector);
  if (kind !== "Selector") throw new Unsupported("not a selector");
  const chosen = pick(field(selector, "Selector"));
  // A name selector keeps the order it names; the others keep the input's.
  const [inner, body] = variant(field(selector, "Selector"));
  if (inner === "ByName") return list(field(body, "names")).map(text);
  return all.filter((c) => chosen.has(c));
}

/** One expression per column a selector in it picks (polars' expansion); at most one selector per expression. */
export function expand(input: Relation, expr: unknown, exclude: readonly string[]): unknown[] {
  const selectors = new Set<string>();
  const find = (e: unknown): void => {
    if (Array.isArray(e)) return e.forEach(find);
    if (!isObject(e)) return;
    if (Object.keys(e).length === 1 && "Selector" in e) {
      selectors.add(JSON.stringify(e));
      return;
    }
    Object.values(e).forEach(find);
  };
  find(expr);
  if (selectors.size === 0) return [expr];
  if (selectors.size > 1) throw new Unsupported("several selectors in one expression");
  const [selector] = selectors as Set<string>;
  const names = columnNames(input, JSON.parse(selector as string), exclude);
  const replace = (e: unknown, name: string): unknown => {
    if (Array.isArray(e)) return e.map((x) => replace(x, name));
    if (!isObject(e)) return e;
    if (Object.keys(e).length === 1 && "Selector" in e) return { Column: name };
    return Object.fromEntries(Object.entries(e).map(([k, v]) => [k, replace(v, name)]));
  };
  return names.map((n) => replace(expr, n));
}

/** An expression (selectors expanded) over `input`; `aggregated`: it sits in a group-by's aggregation. */
export function evaluate(input: Relation, expr: unknown, aggregated: boolean): Evaluated {
  const inner = (e: unknown, under: Subtype): Evaluated => {
    const [kind, body] = variant(e);
    const through = (value: Evaluated, subtype: Subtype, name = value.name): Evaluated => ({
      name,
      origins: value.origins.map((o) => ({ ...o, subtype: stronger(o.subtype, subtype) })),
      indirect: value.indirect,
    });
    const combine = (parts: readonly unknown[], subtype: Subtype): Evaluated => {
      const values = parts.map((p) => inner(p, subtype));
      const [first] = values;
      if (!first) throw new Unsupported("no operands");
      return {
        name: first.name,
        origins: values.flatMap((v) => through(v, subtype).origins),
        indirect: values.flatMap((v) => v.indirect),
      };
    };
    switch (kind) {
      case "Column": {
        const name = text(body);
        return through({ name, origins: originsOf(input, name), indirect: [] }, under);
      }
      case "Alias": {
        const [value, name] = list(body);
        return { ...inner(value, under), name: text(name) };
      }
      case "Literal": {
        const [literal] = variant(body);
        if (literal !== "Scalar" && literal !== "Dyn") throw new Unsupported(`literal ${literal}`);
        return { name: "literal", origins: EMPTY, indirect: [] };
      }
      case "Len":
        return { name: "len", origins: EMPTY, indirect: [] };
      case "BinaryExpr":
        return combine([field(body, "left"), field(body, "right")], "TRANSFORMATION");
      case "Cast":
        return through(inner(field(body, "expr"), under), "TRANSFORMATION");
      case "Ternary":
        return combine(
          [field(body, "truthy"), field(body, "predicate"), field(body, "falsy")],
          "TRANSFORMATION",
        );
      case "Function": {
        const [fn] = variant(field(body, "function"));
        // A struct's fields are named by the struct, not by the first input.
        if (fn === "StructExpr" || fn === "AsStruct") throw new Unsupported(`function ${fn}`);
        return combine(list(field(body, "input")), "TRANSFORMATION");
      }
      case "Agg": {
        const [, payload] = variant(body);
        const operand =
          isObject(payload) && "input" in payload
            ? payload["input"]
            : Array.isArray(payload)
              ? payload[0]
              : payload;
        return through(inner(operand, "AGGREGATION"), "AGGREGATION");
      }
      case "Sort":
        return inner(field(body, "expr"), under);
      case "SortBy": {
        const value = inner(field(body, "expr"), under);
        const by = list(field(body, "by")).flatMap((b) => {
          const key = inner(b, "IDENTITY");
          return [...key.indirect, ...key.origins.map((o) => inputField(o, indirectOf("SORT")))];
        });
        return { ...value, indirect: [...value.indirect, ...by] };
      }
      case "Filter": {
        const value = inner(field(body, "input"), under);
        const by = inner(field(body, "by"), "IDENTITY");
        return {
          ...value,
          indirect: [
            ...value.indirect,
            ...by.indirect,
            ...by.origins.map((o) => inputField(o, indirectOf("FILTER"))),
          ],
        };
      }
      default:
        // A window (`over`), a regex or dtype selector, a name function, a struct field, an element, a UDF.
        throw new Unsupported(`expression ${kind}`);
    }
  };
  return inner(expr, aggregated ? "AGGREGATION" : "IDENTITY");
}
