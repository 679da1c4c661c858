import type { ColumnLineage, InputField } from "./sql-column-lineage.js";
import { columnNames, evaluate, expand, originsOf } from "./polars-expression-lineage.js";
import {
  EMPTY,
  field,
  indirectOf,
  inputField,
  list,
  text,
  unique,
  unwrap,
  Unsupported,
  variant,
  type Origin,
  type Relation,
  type Subtype,
} from "./polars-plan-json.js";

/**
 * Column lineage of a Polars task, derived from the plan it returned as nodejs-polars serialises it
 * (`LazyDataFrame.serialize("json")`, the DSL plan of Rust polars 0.55 in nodejs-polars 0.26): for each output
 * column, the input columns it is computed from (DIRECT: IDENTITY, TRANSFORMATION or AGGREGATION), and the
 * columns that decide which rows there are (INDIRECT: JOIN, FILTER, GROUP_BY, SORT) once for the whole dataset.
 *
 * Only plans built wholly from what the walker knows are followed: scans that are the step's inputs (matched by
 * their whole plan, so a frame the task scanned or built in memory is not an input), `select`, `withColumns`,
 * `rename`, `filter`, `groupBy().agg()`, inner / left / semi / anti joins on columns, `sort`, `unique`, `head`
 * / `slice` and vertical `concat`; expressions made of columns, literals, arithmetic and comparisons, casts,
 * `when/then/otherwise`, aggregations, functions of columns, and name/all/exclude selectors. Anything else — an
 * unknown plan node or expression (a window `over`, a regex selector, `explode`, a row index, a struct field), a
 * JSON layout that differs from the one measured — gives `undefined`, never a guess. The caller also checks that
 * the columns derived are the columns the task's result has.
 */

/** One of the step's inputs: the plan of the frame the task was given, its columns and its dataset identity. */
export interface PlanLineageInput {
  /** The input frame's plan as `serialize("json")` gives it, parsed. */
  readonly plan: unknown;
  readonly columns: readonly string[];
  readonly namespace: string;
  readonly name: string;
}

/**
 * The column lineage of `plan` over `inputs`, or `undefined` when it cannot be derived for certain.
 *
 * @example
 * ```ts
 * // input.select(pl.col("id"), pl.col("x").mul(pl.col("y")).alias("p")), input scanned from s3://b/in.parquet
 * polarsColumnLineage(JSON.parse(frame.serialize("json").toString()), [
 *   { plan: JSON.parse(input.serialize("json").toString()), columns: ["id", "x", "y"], namespace: "s3://b", name: "in.parquet" },
 * ]);
 * // { fields: { id: { inputFields: [{ …, field: "id", transformations: [{ type: "DIRECT", subtype: "IDENTITY" }] }] },
 * //             p: { inputFields: [x and y, TRANSFORMATION] } }, dataset: [] }
 * ```
 */
export function polarsColumnLineage(
  plan: unknown,
  inputs: readonly PlanLineageInput[],
): ColumnLineage | undefined {
  const leaves = new Map<string, Relation>();
  const leafKinds = new Set<string>();
  for (const input of inputs) {
    const root = unwrap(input.plan);
    const key = JSON.stringify(root);
    try {
      leafKinds.add(variant(root)[0]);
    } catch (error) {
      if (error instanceof Unsupported) return undefined;
      throw error;
    }
    const columns = new Map(
      input.columns.map((c) => [
        c,
        [{ namespace: input.namespace, name: input.name, field: c, subtype: "IDENTITY" as Subtype }],
      ]),
    );
    leaves.set(key, { columns, indirect: [] });
  }
  try {
    const relation = new Walker(leaves, leafKinds).node(plan);
    const fields: Record<string, { inputFields: InputField[] }> = {};
    for (const [name, origins] of relation.columns) {
      fields[name] = {
        inputFields: unique(origins.map((o) => inputField(o, { type: "DIRECT", subtype: o.subtype }))),
      };
    }
    return { fields, dataset: unique(relation.indirect) };
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
}

class Walker {
  readonly #leaves: ReadonlyMap<string, Relation>;
  /** The node kinds the inputs' plans start with: only those nodes are compared with them (as JSON). */
  readonly #leafKinds: ReadonlySet<string>;

  constructor(leaves: ReadonlyMap<string, Relation>, leafKinds: ReadonlySet<string>) {
    this.#leaves = leaves;
    this.#leafKinds = leafKinds;
  }

  node(plan: unknown): Relation {
    const [kind, body] = variant(plan);
    if (kind === "IR") return this.node(field(body, "dsl"));
    if (this.#leafKinds.has(kind)) {
      const leaf = this.#leaves.get(JSON.stringify(unwrap(plan)));
      if (leaf) return leaf;
    }
    switch (kind) {
      case "Select": {
        const input = this.node(field(body, "input"));
        return this.#project(input, list(field(body, "expr")), new Map(), input.indirect);
      }
      case "HStack": {
        const input = this.node(field(body, "input"));
        return this.#project(input, list(field(body, "exprs")), new Map(input.columns), input.indirect);
      }
      case "Filter": {
        const input = this.node(field(body, "input"));
        return {
          columns: input.columns,
          indirect: [...input.indirect, ...this.#indirect(input, field(body, "predicate"), "FILTER")],
        };
      }
      case "Sort": {
        const input = this.node(field(body, "input"));
        return {
          columns: input.columns,
          indirect: [
            ...input.indirect,
            ...list(field(body, "by_column")).flatMap((e) => this.#indirect(input, e, "SORT")),
          ],
        };
      }
      case "Slice":
        return this.node(field(body, "input"));
      case "Distinct": {
        const input = this.node(field(body, "input"));
        const subset = field(field(body, "options"), "subset");
        const names =
          subset === null ? [...input.columns.keys()] : list(subset).flatMap((s) => columnNames(input, s));
        return {
          columns: input.columns,
          indirect: [...input.indirect, ...this.#refsOf(input, names, "GROUP_BY")],
        };
      }
      case "MapFunction":
        return this.#rename(this.node(field(body, "input")), field(body, "function"));
      case "GroupBy":
        return this.#groupBy(body);
      case "Join":
        return this.#join(body);
      case "Union":
        return this.#union(body);
      default:
        // A scan that is not an input, an in-memory frame, a node this walker does not know.
        throw new Unsupported(`plan node ${kind}`);
    }
  }

  #project(
    input: Relation,
    exprs: readonly unknown[],
    columns: Map<string, readonly Origin[]>,
    indirect: readonly InputField[],
  ): Relation {
    const added = new Set<string>();
    const rows = [...indirect];
    for (const expr of exprs.flatMap((e) => expand(input, e, []))) {
      const value = evaluate(input, expr, false);
      if (added.has(value.name)) throw new Unsupported(`two columns named ${value.name}`);
      added.add(value.name);
      columns.set(value.name, value.origins);
      rows.push(...value.indirect);
    }
    return { columns, indirect: rows };
  }

  #rename(input: Relation, fn: unknown): Relation {
    const [kind, body] = variant(fn);
    if (kind !== "Rename") throw new Unsupported(`map function ${kind}`);
    const existing = list(field(body, "existing")).map(text);
    const renamed = list(field(body, "new")).map(text);
    if (existing.length !== renamed.length) throw new Unsupported("rename lists");
    const to = new Map(existing.map((e, i) => [e, renamed[i] as string]));
    const columns = new Map<string, readonly Origin[]>();
    for (const [name, origins] of input.columns) {
      const next = to.get(name) ?? name;
      if (columns.has(next)) throw new Unsupported(`rename onto ${next}`);
      columns.set(next, origins);
    }
    if (existing.some((e) => !input.columns.has(e))) throw new Unsupported("rename of a missing column");
    return { columns, indirect: input.indirect };
  }

  #groupBy(body: unknown): Relation {
    const input = this.node(field(body, "input"));
    if (list(field(body, "predicates")).length > 0 || field(body, "apply") !== null) {
      throw new Unsupported("group_by with predicates or apply");
    }
    const options = field(body, "options");
    if (field(options, "dynamic") !== null || field(options, "rolling") !== null) {
      throw new Unsupported("dynamic or rolling group_by");
    }
    const columns = new Map<string, readonly Origin[]>();
    const indirect = [...input.indirect];
    const keys = list(field(body, "keys")).flatMap((k) => expand(input, k, []));
    for (const key of keys) {
      const value = evaluate(input, key, false);
      if (columns.has(value.name)) throw new Unsupported(`two keys named ${value.name}`);
      columns.set(value.name, value.origins);
      indirect.push(...value.indirect, ...value.origins.map((o) => inputField(o, indirectOf("GROUP_BY"))));
    }
    // In an aggregation a wildcard leaves out the keys, and every value is an aggregate of its group.
    const keyNames = [...columns.keys()];
    for (const agg of list(field(body, "aggs")).flatMap((a) => expand(input, a, keyNames))) {
      const value = evaluate(input, agg, true);
      if (columns.has(value.name)) throw new Unsupported(`two columns named ${value.name}`);
      columns.set(value.name, value.origins);
      indirect.push(...value.indirect);
    }
    return { columns, indirect };
  }

  #join(body: unknown): Relation {
    const left = this.node(field(body, "input_left"));
    const right = this.node(field(body, "input_right"));
    if (list(field(body, "predicates")).length > 0) throw new Unsupported("join predicates");
    const args = field(field(body, "options"), "args");
    const how = field(args, "how");
    const suffix = text(field(args, "suffix"));
    const coalesce = field(args, "coalesce");
    const leftOn = list(field(body, "left_on")).map((e) => this.#columnName(e));
    const rightOn = list(field(body, "right_on")).map((e) => this.#columnName(e));
    if (leftOn.length === 0 || leftOn.length !== rightOn.length) throw new Unsupported("join keys");
    if (coalesce !== "CoalesceColumns" && coalesce !== "JoinSpecific") throw new Unsupported("join coalesce");
    const indirect = [
      ...left.indirect,
      ...right.indirect,
      ...this.#refsOf(left, leftOn, "JOIN"),
      ...this.#refsOf(right, rightOn, "JOIN"),
    ];
    if (how === "Semi" || how === "Anti") return { columns: left.columns, indirect };
    if (how !== "Inner" && how !== "Left") throw new Unsupported(`join ${String(how)}`);
    const columns = new Map(left.columns);
    const coalesced = new Set(rightOn);
    for (const [name, origins] of right.columns) {
      if (coalesced.has(name)) continue;
      const out = columns.has(name) ? `${name}${suffix}` : name;
      if (columns.has(out)) throw new Unsupported(`join output ${out} twice`);
      columns.set(out, origins);
    }
    return { columns, indirect };
  }

  #union(body: unknown): Relation {
    const args = field(body, "args");
    if (field(args, "diagonal") !== false) throw new Unsupported("diagonal concat");
    const parts = list(field(body, "inputs")).map((p) => this.node(p));
    const [first, ...rest] = parts;
    if (!first) throw new Unsupported("empty concat");
    const names = [...first.columns.keys()];
    const columns = new Map<string, readonly Origin[]>();
    for (const name of names) columns.set(name, [...(first.columns.get(name) ?? EMPTY)]);
    for (const part of rest) {
      const theirs = [...part.columns.keys()];
      if (theirs.length !== names.length || theirs.some((n, i) => n !== names[i])) {
        throw new Unsupported("concat of different columns");
      }
      for (const name of names) {
        columns.set(name, [...(columns.get(name) ?? EMPTY), ...(part.columns.get(name) ?? EMPTY)]);
      }
    }
    return { columns, indirect: parts.flatMap((p) => p.indirect) };
  }

  #columnName(expr: unknown): string {
    const [kind, body] = variant(expr);
    if (kind !== "Column") throw new Unsupported("a join key that is not a column");
    return text(body);
  }

  #refsOf(input: Relation, names: readonly string[], subtype: string): InputField[] {
    return names.flatMap((n) => originsOf(input, n).map((o) => inputField(o, indirectOf(subtype))));
  }

  #indirect(input: Relation, expr: unknown, subtype: string): InputField[] {
    return expand(input, expr, []).flatMap((e) => {
      const value = evaluate(input, e, false);
      return [...value.indirect, ...value.origins.map((o) => inputField(o, indirectOf(subtype)))];
    });
  }
}
