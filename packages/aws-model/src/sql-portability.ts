import { createRequire } from "node:module";
import { GlacierError, type LineageGraph, type StepNode } from "@glacier/core";
import { stepInputs } from "@glacier/core/internal";
import { SPARK_TYPE } from "./spark-script.js";

/**
 * The portable subset of SQL for a `spark.sql` task: SQL that gives the same column types and values on Spark
 * SQL (EMR Serverless) and on Polars SQL (`glacier run --mode local`, measured with nodejs-polars 0.26.1).
 * `glacier validate` warns (SQL_NOT_PORTABLE) for each construct outside it:
 *
 * - `COUNT(…)` / `SUM(…)` as an output column with neither a `CAST` nor a declared type: Polars types COUNT
 *   UInt32 and keeps SUM of an int32 Int32, Spark makes both BIGINT. A declared output type is cast to by both
 *   executors; `CAST(COUNT(*) AS BIGINT)` works without one. A SUM over a column declared int64 or float is
 *   typed alike (Int64 / BIGINT, Float64 / DOUBLE) and passes.
 * - An identifier whose case differs from its column's: Polars matches column names by exact case, Spark
 *   ignores case (backticks too). Without a declared input schema, any identifier with a capital letter.
 * - Double-quoted text: an identifier in Polars, a string literal in Spark. Quote identifiers with backticks
 *   (both accept them) and strings with single quotes.
 * - `%` and `MOD`: Polars takes the sign of the divisor (`-7 % 2` is 1), Spark the sign of the dividend (-1).
 *   Portable only when both operands are non-negative.
 * - Declared output types Spark has none of (unsigned integers, `time`, `duration`).
 *
 * Integer `/` is portable with nodejs-polars 0.26: both give a float (`7 / 2` is 3.5).
 *
 * Warnings, not errors: each construct runs in both engines, and whether a difference matters (counts past
 * 2^32, negative remainders) depends on the data; a task meant only for EMR may keep them.
 *
 * Parsing is node-sql-parser's Hive grammar (Spark SQL's ancestor; it reads `:name` parameters): a real
 * parser, so string literals, comments and quoting are never mistaken for code.
 */

interface AstNode {
  readonly type?: string;
  readonly [key: string]: unknown;
}

interface Parser {
  astify(sql: string, options: { database: string }): AstNode | AstNode[];
}

let parser: Parser | undefined;

function hiveParser(): Parser {
  // Loaded on first use, and only the Hive grammar (181 KB), not the package's every dialect.
  const { Parser } = createRequire(import.meta.url)("node-sql-parser/build/hive") as {
    Parser: new () => Parser;
  };
  parser ??= new Parser();
  return parser;
}

/** Every object node under `value`. */
function* walk(value: unknown): Generator<AstNode> {
  if (Array.isArray(value)) {
    for (const item of value) yield* walk(item);
    return;
  }
  if (value === null || typeof value !== "object") return;
  const node = value as AstNode;
  yield node;
  for (const child of Object.values(node)) yield* walk(child);
}

/** The SELECTs of a statement whose columns are the result's: the statement and its UNION branches. */
function outputSelects(ast: AstNode): AstNode[] {
  const selects: AstNode[] = [];
  for (let s: AstNode | undefined = ast; s; s = s["_next"] as AstNode | undefined) selects.push(s);
  return selects;
}

function outputName(column: AstNode): string | undefined {
  if (typeof column["as"] === "string") return column["as"];
  const expr = column["expr"] as AstNode | undefined;
  return expr?.type === "column_ref" && typeof expr["column"] === "string" ? expr["column"] : undefined;
}

/**
 * The nodes that decide an output column's type: the expression itself, through `+`, `-` and `*` (which keep
 * an integer an integer). A CAST decides it alone, `/` makes a float in both engines, a function its own type.
 */
function typeDeciding(expr: AstNode | undefined): AstNode[] {
  if (expr === undefined) return [];
  if (expr.type === "binary_expr" && ["+", "-", "*"].includes(String(expr["operator"]))) {
    return [
      ...typeDeciding(expr["left"] as AstNode | undefined),
      ...typeDeciding(expr["right"] as AstNode | undefined),
    ];
  }
  return [expr];
}

/** Types whose SUM both engines type alike (Int64 / BIGINT, Float64 / DOUBLE). */
const SUM_ALIKE = new Set(["int64", "float32", "float64"]);

/** A SUM over a column declared int64 or float: the same type in both engines. */
function sumKeepsType(node: AstNode, inputTypes: Readonly<Record<string, string>>): boolean {
  if (String(node["name"]).toUpperCase() !== "SUM") return false;
  const arg = (node["args"] as { expr?: AstNode } | undefined)?.expr;
  if (arg?.type !== "column_ref" || typeof arg["column"] !== "string") return false;
  return SUM_ALIKE.has(inputTypes[arg["column"]] ?? "");
}

function isAggregate(node: AstNode, names: readonly string[]): boolean {
  return node.type === "aggr_func" && names.includes(String(node["name"]).toUpperCase());
}

function modulo(node: AstNode): boolean {
  if (node.type === "binary_expr" && node["operator"] === "%") return true;
  if (node.type !== "function") return false;
  const name = node["name"] as { name?: { value?: string }[] } | string | undefined;
  const text = typeof name === "string" ? name : (name?.name?.map((n) => n.value).join(".") ?? "");
  return text.toUpperCase() === "MOD";
}

/** What a portability check found: the construct, why it differs, how to write it portably. */
interface Finding {
  readonly what: string;
  readonly fix: string;
}

function findings(step: StepNode): Finding[] {
  const sql = step.task.sql ?? "";
  let parsed: AstNode | AstNode[];
  try {
    parsed = hiveParser().astify(sql, { database: "hive" });
  } catch (error) {
    const why = ((error as Error).message ?? String(error)).split("\n")[0] ?? "";
    return [
      {
        what: `its SQL could not be checked for portability (the Spark SQL parser stops: ${why})`,
        fix: "Run it once with --mode local and once on EMR and compare, or rewrite it in the portable subset.",
      },
    ];
  }
  const statements = Array.isArray(parsed) ? parsed : [parsed];
  const found: Finding[] = [];
  const declared = step.output.schema ?? {};
  const inputTypes: Record<string, string> = Object.assign(
    {},
    ...stepInputs(step).map(([, bucket]) => bucket.schema ?? {}),
  );
  const inputColumns = Object.keys(inputTypes);
  const inputsDeclared = stepInputs(step).every(([, bucket]) => bucket.schema !== undefined);
  const seen = new Set<string>();
  const once = (key: string, finding: Finding) => {
    if (seen.has(key)) return;
    seen.add(key);
    found.push(finding);
  };
  for (const statement of statements) {
    for (const select of outputSelects(statement)) {
      const columns = Array.isArray(select["columns"]) ? (select["columns"] as AstNode[]) : [];
      for (const column of columns) {
        const name = outputName(column);
        if (name !== undefined && declared[name] !== undefined) continue;
        for (const node of typeDeciding(column["expr"] as AstNode | undefined)) {
          if (isAggregate(node, ["COUNT", "SUM"]) && !sumKeepsType(node, inputTypes)) {
            const fn = String(node["name"]).toUpperCase();
            once(`aggregate ${name ?? fn}`, {
              what:
                fn === "COUNT"
                  ? `COUNT(…)${name === undefined ? "" : ` AS ${name}`} is typed differently by Polars (UInt32) and Spark (BIGINT)`
                  : `SUM(…)${name === undefined ? "" : ` AS ${name}`} may be typed differently: Polars keeps an integer input's width (an int32 stays Int32), Spark makes it BIGINT, and the input's type is not declared as int64 or a float`,
              fix: `Declare the column's type in the output bucket's schema (both executors cast to it), or write CAST(${fn}(…) AS BIGINT).`,
            });
          }
        }
      }
    }
    for (const node of walk(statement)) {
      if (node.type === "double_quote_string") {
        once(`quote ${String(node["value"])}`, {
          what: `"${String(node["value"])}" is a column in Polars but a string in Spark`,
          fix: `Quote identifiers with backticks (\`${String(node["value"])}\`) and strings with single quotes.`,
        });
      } else if (modulo(node)) {
        once("modulo", {
          what: "% (MOD) differs for negative operands (Polars takes the divisor's sign: -7 % 2 is 1; Spark the dividend's: -1)",
          fix: "Keep both operands non-negative (e.g. ABS(x) % n), or compute the remainder without %.",
        });
      } else if (node.type === "column_ref" && typeof node["column"] === "string") {
        const column = node["column"];
        if (inputColumns.includes(column)) continue;
        const matches = inputColumns.filter((c) => c.toLowerCase() === column.toLowerCase());
        if (matches.length > 0) {
          once(`case ${column}`, {
            what: `the identifier ${column} matches column ${matches.join(", ")} only when case is ignored (Spark does, Polars does not)`,
            fix: `Write it as the column is named: ${matches[0]}.`,
          });
        } else if (!inputsDeclared && column !== column.toLowerCase()) {
          once(`case ${column}`, {
            what: `the identifier ${column} has capital letters: Polars matches it to a column only with the same case, Spark with any`,
            fix: "Write it exactly as the column is named (lower-case column names avoid the question), and declare the input's schema so validate can check.",
          });
        }
      }
    }
  }
  for (const [column, type] of Object.entries(declared)) {
    if (SPARK_TYPE[type] === null) {
      once(`type ${column}`, {
        what: `the output column ${column} is declared ${type}, which Spark SQL has no type for`,
        fix: "Declare it with a type both have (int64 for unsigned integers, string or datetime for time, int64 for durations).",
      });
    }
  }
  return found;
}

/**
 * SQL_NOT_PORTABLE warnings for one step: empty unless it is a SQL task bound to a Spark executor.
 *
 * @example
 * ```ts
 * sqlPortabilityWarnings(graph.step("byRegion"))
 * // [GlacierError [SQL_NOT_PORTABLE] step "byRegion": COUNT(…) AS n is typed differently by Polars (UInt32)
 * //   and Spark (BIGINT). Declare the column's type in the output bucket's schema (both executors cast to it),
 * //   or write CAST(COUNT(…) AS BIGINT).]
 * ```
 */
export function sqlPortabilityWarnings(step: StepNode): GlacierError[] {
  if (step.task.language !== "sql" || step.task.executor.kind !== "spark") return [];
  return findings(step).map(
    (f) =>
      new GlacierError("SQL_NOT_PORTABLE", `${f.what}: a local run and an EMR run of it differ.`, {
        subject: { kind: "step", name: step.name },
        hint: f.fix,
      }),
  );
}

/** {@link sqlPortabilityWarnings} of every step, in execution order. */
export function graphSqlWarnings(graph: LineageGraph): GlacierError[] {
  return graph.executionOrder().flatMap(sqlPortabilityWarnings);
}
