import { createRequire } from "node:module";

/**
 * Column lineage of a SQL task, derived from its query: for each output column, the input columns it is computed
 * from (DIRECT: IDENTITY, TRANSFORMATION or AGGREGATION), and the columns that decide which rows there are
 * (INDIRECT: JOIN, FILTER, GROUP_BY, SORT), which the OpenLineage facet keeps once for the whole dataset.
 *
 * Only what the query states for certain is reported: one plain SELECT over the step's inputs (tables named by
 * their input keys, with or without aliases). Anything else — a parse error, a CTE, a UNION, a subquery, a window
 * function, a table that is not an input, an unqualified column that two inputs could hold, an unnamed
 * expression, `*` over an input whose schema is not declared — gives `undefined`, never a guess.
 */

/** One of the step's inputs: its key (the table name in the SQL), dataset identity and declared columns. */
export interface SqlLineageInput {
  readonly table: string;
  readonly namespace: string;
  readonly name: string;
  readonly columns?: readonly string[];
}

export interface Transformation {
  readonly type: "DIRECT" | "INDIRECT";
  readonly subtype: string;
}

export interface InputField {
  readonly namespace: string;
  readonly name: string;
  readonly field: string;
  readonly transformations: readonly Transformation[];
}

export interface ColumnLineage {
  readonly fields: Readonly<Record<string, { readonly inputFields: readonly InputField[] }>>;
  readonly dataset: readonly InputField[];
}

type Node = Record<string, unknown>;

interface Parser {
  astify(sql: string, options: { database: string }): Node | Node[];
}
let parser: Parser | undefined;

/** node-sql-parser's Hive grammar (Spark SQL's ancestor), loaded on first use: runs without SQL steps never pay. */
function hiveParser(): Parser {
  const { Parser } = createRequire(import.meta.url)("node-sql-parser/build/hive") as {
    Parser: new () => Parser;
  };
  parser ??= new Parser();
  return parser;
}

/** Thrown inside the derivation when the query holds something it does not follow; turned into `undefined`. */
class Unsupported extends Error {}

const isNode = (value: unknown): value is Node => typeof value === "object" && value !== null;

/** The column references under `node`, each with whether it sits inside an aggregate function. */
function references(node: unknown, inAggregate = false): { ref: Node; aggregated: boolean }[] {
  if (Array.isArray(node)) return node.flatMap((n) => references(n, inAggregate));
  if (!isNode(node)) return [];
  if (node["type"] === "column_ref") return [{ ref: node, aggregated: inAggregate }];
  if (node["over"] !== undefined && node["over"] !== null) throw new Unsupported("window function");
  if (node["ast"] !== undefined || node["type"] === "select") throw new Unsupported("subquery");
  const aggregate = inAggregate || node["type"] === "aggr_func";
  return Object.values(node).flatMap((child) => references(child, aggregate));
}

/** The column lineage of `sql` over `inputs`, or `undefined` when it cannot be derived for certain. */
export function sqlColumnLineage(sql: string, inputs: readonly SqlLineageInput[]): ColumnLineage | undefined {
  let ast: Node | Node[];
  try {
    ast = hiveParser().astify(sql, { database: "hive" });
  } catch {
    return undefined;
  }
  const statements = Array.isArray(ast) ? ast : [ast];
  const select = statements[0];
  if (statements.length !== 1 || !select || select["type"] !== "select") return undefined;
  try {
    return derive(select, inputs);
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
}

function derive(select: Node, inputs: readonly SqlLineageInput[]): ColumnLineage {
  if (select["with"] || select["_next"] || select["set_op"]) throw new Unsupported("CTE or set operation");
  const from = Array.isArray(select["from"]) ? (select["from"] as Node[]) : [];
  // Table or alias (lower case) → the input it reads.
  const tables = new Map<string, SqlLineageInput>();
  const joins: unknown[] = [];
  for (const item of from) {
    if (typeof item["table"] !== "string" || item["db"]) throw new Unsupported("not a plain table");
    const input = inputs.find((i) => i.table.toLowerCase() === (item["table"] as string).toLowerCase());
    if (!input) throw new Unsupported(`table ${String(item["table"])} is not an input`);
    tables.set((item["table"] as string).toLowerCase(), input);
    if (typeof item["as"] === "string") tables.set(item["as"].toLowerCase(), input);
    if (item["on"]) joins.push(item["on"]);
    if (item["using"]) throw new Unsupported("JOIN … USING");
  }
  const read = [...new Set(tables.values())];
  if (read.length === 0) throw new Unsupported("no input read");

  const resolve = (ref: Node): SqlLineageInput => {
    const column = ref["column"];
    if (typeof column !== "string") throw new Unsupported("column name");
    if (typeof ref["table"] === "string") {
      const input = tables.get(ref["table"].toLowerCase());
      if (!input) throw new Unsupported(`unknown table ${ref["table"]}`);
      if (input.columns && !input.columns.includes(column)) throw new Unsupported(`no column ${column}`);
      return input;
    }
    if (read.length === 1) {
      const [only] = read as [SqlLineageInput];
      if (only.columns && !only.columns.includes(column)) throw new Unsupported(`no column ${column}`);
      return only;
    }
    const holders = read.filter((i) => i.columns?.includes(column));
    if (holders.length !== 1 || read.some((i) => i.columns === undefined)) {
      throw new Unsupported(`column ${column} could come from several inputs`);
    }
    return holders[0] as SqlLineageInput;
  };
  const field = (input: SqlLineageInput, column: string, t: Transformation): InputField => ({
    namespace: input.namespace,
    name: input.name,
    field: column,
    transformations: [t],
  });

  const fields: Record<string, { inputFields: InputField[] }> = {};
  const add = (output: string, inputFields: InputField[]) => {
    if (fields[output]) throw new Unsupported(`two output columns named ${output}`);
    fields[output] = { inputFields };
  };
  for (const column of (select["columns"] as Node[] | undefined) ?? []) {
    const expr = column["expr"] as Node | undefined;
    if (!expr) throw new Unsupported("select list");
    if (expr["type"] === "column_ref" && expr["column"] === "*") {
      const over = typeof expr["table"] === "string" ? [resolveTable(tables, expr["table"])] : read;
      for (const input of over) {
        if (!input.columns) throw new Unsupported("* over an input without a declared schema");
        for (const name of input.columns) {
          add(name, [field(input, name, { type: "DIRECT", subtype: "IDENTITY" })]);
        }
      }
      continue;
    }
    const alias = typeof column["as"] === "string" ? column["as"] : undefined;
    const output = alias ?? (expr["type"] === "column_ref" ? (expr["column"] as string) : undefined);
    if (output === undefined) throw new Unsupported("an unnamed expression");
    const identity = expr["type"] === "column_ref";
    add(
      output,
      unique(
        references(expr).map(({ ref, aggregated }) =>
          field(resolve(ref), ref["column"] as string, {
            type: "DIRECT",
            subtype: aggregated ? "AGGREGATION" : identity ? "IDENTITY" : "TRANSFORMATION",
          }),
        ),
      ),
    );
  }

  // Columns that decide the rows, not their values. ORDER BY / HAVING may name an output column.
  const outputs = new Set(Object.keys(fields));
  const indirect = (node: unknown, subtype: string, mayNameOutputs = false): InputField[] =>
    references(node)
      .filter(({ ref }) => !(mayNameOutputs && ref["table"] == null && outputs.has(ref["column"] as string)))
      .map(({ ref }) => field(resolve(ref), ref["column"] as string, { type: "INDIRECT", subtype }));
  const groupBy = select["groupby"] as { columns?: unknown } | unknown[] | null | undefined;
  const dataset = [
    ...indirect(joins, "JOIN"),
    ...indirect(select["where"], "FILTER"),
    ...indirect(Array.isArray(groupBy) ? groupBy : groupBy?.columns, "GROUP_BY"),
    ...indirect(select["having"], "FILTER", true),
    ...indirect(select["orderby"], "SORT", true),
  ];
  return { fields, dataset: unique(dataset) };
}

/** Each input field once (a column named twice in one role is one lineage edge). */
function unique(fields: readonly InputField[]): InputField[] {
  const seen = new Set<string>();
  return fields.filter((f) => {
    const key = `${f.namespace}\u0000${f.name}\u0000${f.field}\u0000${f.transformations[0]?.subtype}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

function resolveTable(tables: ReadonlyMap<string, SqlLineageInput>, table: string): SqlLineageInput {
  const input = tables.get(table.toLowerCase());
  if (!input) throw new Unsupported(`unknown table ${table}`);
  return input;
}
