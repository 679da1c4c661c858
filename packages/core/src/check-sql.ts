import { absurd } from "./absurd.js";
import type { CheckNode, CheckSeverity, CheckType } from "./checks.js";
import type { BucketNode } from "./nodes.js";

/**
 * Data checks as SQL: what the generated Spark driver runs on a step's staged result before its commit, and
 * what `check.sql` runs everywhere. The text is Spark SQL that Polars SQL and DuckDB run as well (tested on the
 * same data against the local checks): plain identifiers stay bare and others take backticks, strings are
 * single-quoted, and every construct used — `COUNT`, `SUM`, `GROUP BY … HAVING`, `NOT IN (subquery)`,
 * `COALESCE`, `CASE` — is in all three.
 */

/** The view a check's SQL reads: the checked data. */
export const CHECKED_VIEW = "glacier_checked";

/** How many failing rows a result keeps (as the local checks do). */
export const CHECK_SAMPLE_ROWS = 5;

/**
 * A check compiled to SQL. `count` returns one row: `failing` (rows breaking the rule; 1 or 0 for a rule on
 * the whole output) and, for some checks, `detail` (unique: the duplicated keys; row count: the rows). A
 * freshness check's `count` returns `latest`, the newest value, which the runner compares with the time.
 * Messages are templates: `{failing}`, `{detail}`, and `{detail_s}` (`s` unless `detail` is 1).
 */
export interface CompiledCheck {
  readonly name: string;
  readonly type: CheckType;
  readonly severity: CheckSeverity;
  readonly count: string;
  /** Up to five failing rows (unique: the duplicated keys with their `rows`); absent for whole-output rules. */
  readonly sample?: string;
  /** The message when the rule holds, when one row (or the whole output) breaks it, and when several do. */
  readonly messages: {
    readonly passed: string;
    readonly one: string;
    readonly many: string;
    /** A freshness check's message when the column has no value at all. */
    readonly empty?: string;
  };
  /** A freshness check's limit and column. */
  readonly maxAgeSeconds?: number;
  readonly column?: string;
  /** A relationships check's related bucket and the view it is registered as. */
  readonly related?: { readonly view: string; readonly bucket: BucketNode };
}

const PLAIN = /^[A-Za-z_][A-Za-z0-9_]*$/;
// Words Spark, Polars or DuckDB would read as SQL rather than a column name: quoted.
const RESERVED = new Set(
  (
    "all and any array as asc between both by case cast check column constraint create cross current_date " +
    "current_time current_timestamp current_user default desc distinct else end except exists false fetch for " +
    "foreign from full grant group having in inner intersect interval into is join lateral leading left like " +
    "limit natural not null of on only or order outer overlaps primary references right select session_user " +
    "some table then time to trailing true union unique user using when where with"
  ).split(" "),
);

/** An identifier as Spark SQL reads it: bare when plain, else in backticks (doubled inside). */
export function sqlIdentifier(name: string): string {
  return PLAIN.test(name) && !RESERVED.has(name.toLowerCase()) ? name : `\`${name.replace(/`/g, "``")}\``;
}

/**
 * A literal as Spark SQL reads it. Spark treats a backslash in a string as an escape and joins adjacent
 * literals (so `''` is not a quote there): quotes and backslashes are backslash-escaped. Polars and DuckDB read
 * those two characters differently, so a value holding them is Spark-only text (the local checks do not use SQL
 * for accepted values).
 */
export function sqlLiteral(value: string | number | boolean): string {
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  if (typeof value === "number") return String(value);
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

const quoted = (columns: readonly string[]): string => columns.map((c) => `"${c}"`).join(", ");

/** Count, sample and messages of a rule checked row by row: `where` holds for a failing row. */
function rowRule(
  where: string,
  what: { one: string; many: string },
): Omit<CompiledCheck, "name" | "type" | "severity"> {
  return {
    count: `SELECT COUNT(*) AS failing FROM ${CHECKED_VIEW} WHERE ${where}`,
    sample: `SELECT * FROM ${CHECKED_VIEW} WHERE ${where} LIMIT ${CHECK_SAMPLE_ROWS}`,
    messages: { passed: `no row ${what.one}`, one: `1 row ${what.one}`, many: `{failing} rows ${what.many}` },
  };
}

/** The predicate of a `check.sql`: a failing row is one where it is false or null. */
export function failingWhere(predicate: string): string {
  return `NOT COALESCE((${predicate}), FALSE)`;
}

/**
 * A check as SQL over {@link CHECKED_VIEW}; `relatedView` names the view a relationships check's bucket is
 * registered as. Undefined for a Polars expression check (`check.expr`), which SQL cannot express.
 *
 * @example
 * ```ts
 * compileCheck(check.unique("id"), "glacier_related_0")
 * // { name: "unique(id)", type: "unique", severity: "blocking",
 * //   count: "SELECT COUNT(*) AS detail, SUM(rows) AS failing FROM (SELECT id, COUNT(*) AS rows FROM
 * //           glacier_checked GROUP BY id HAVING COUNT(*) > 1) AS d",
 * //   sample: "SELECT id, COUNT(*) AS rows FROM glacier_checked GROUP BY id HAVING COUNT(*) > 1 ORDER BY id LIMIT 5",
 * //   messages: { passed: '"id" is unique', … } }
 * ```
 */
export function compileCheck(node: CheckNode, relatedView: string): CompiledCheck | undefined {
  const head = { name: node.name, type: node.type, severity: node.severity };
  switch (node.type) {
    case "notNull":
      return {
        ...head,
        ...rowRule(node.columns.map((c) => `${sqlIdentifier(c)} IS NULL`).join(" OR "), {
          one: `has a null in ${quoted(node.columns)}`,
          many: `have a null in ${quoted(node.columns)}`,
        }),
      };
    case "unique": {
      const keys = node.columns.map(sqlIdentifier).join(", ");
      const groups = `SELECT ${keys}, COUNT(*) AS rows FROM ${CHECKED_VIEW} GROUP BY ${keys} HAVING COUNT(*) > 1`;
      const many = `{failing} rows share {detail} value{detail_s} of ${quoted(node.columns)}`;
      return {
        ...head,
        count: `SELECT COUNT(*) AS detail, SUM(rows) AS failing FROM (${groups}) AS d`,
        sample: `${groups} ORDER BY ${keys} LIMIT ${CHECK_SAMPLE_ROWS}`,
        messages: { passed: `${quoted(node.columns)} is unique`, one: many, many },
      };
    }
    case "acceptedValues": {
      const col = sqlIdentifier(node.column);
      const outside = `outside ${JSON.stringify(node.values)}`;
      return {
        ...head,
        ...rowRule(`${col} IS NOT NULL AND ${col} NOT IN (${node.values.map(sqlLiteral).join(", ")})`, {
          one: `has a value of "${node.column}" ${outside}`,
          many: `have a value of "${node.column}" ${outside}`,
        }),
      };
    }
    case "range": {
      const col = sqlIdentifier(node.column);
      const bounds = `[${node.min ?? "-∞"}, ${node.max ?? "∞"}]`;
      const outside = [
        ...(node.min === undefined ? [] : [`${col} < ${sqlLiteral(node.min)}`]),
        ...(node.max === undefined ? [] : [`${col} > ${sqlLiteral(node.max)}`]),
      ].join(" OR ");
      return {
        ...head,
        ...rowRule(`(${outside})`, {
          one: `has "${node.column}" outside ${bounds}`,
          many: `have "${node.column}" outside ${bounds}`,
        }),
      };
    }
    case "rowCount": {
      const broken = [
        ...(node.min === undefined ? [] : [`COUNT(*) < ${node.min}`]),
        ...(node.max === undefined ? [] : [`COUNT(*) > ${node.max}`]),
      ].join(" OR ");
      const expected = [
        ...(node.min === undefined ? [] : [`at least ${node.min}`]),
        ...(node.max === undefined ? [] : [`at most ${node.max}`]),
      ].join(" and ");
      const failed = `{detail} row{detail_s}, expected ${expected}`;
      return {
        ...head,
        count: `SELECT COUNT(*) AS detail, CASE WHEN ${broken} THEN 1 ELSE 0 END AS failing FROM ${CHECKED_VIEW}`,
        messages: { passed: `{detail} row{detail_s}, ${expected}`, one: failed, many: failed },
      };
    }
    case "relationships": {
      const col = sqlIdentifier(node.column);
      const key = sqlIdentifier(node.toColumn);
      const what = `a "${node.column}" missing from "${node.toColumn}" of ${node.to.id}`;
      return {
        ...head,
        ...rowRule(
          `${col} IS NOT NULL AND ${col} NOT IN (SELECT ${key} FROM ${relatedView} WHERE ${key} IS NOT NULL)`,
          { one: `has ${what}`, many: `have ${what}` },
        ),
        related: { view: relatedView, bucket: node.to },
      };
    }
    case "freshness":
      return {
        ...head,
        count: `SELECT MAX(${sqlIdentifier(node.column)}) AS latest FROM ${CHECKED_VIEW}`,
        messages: {
          passed: `the newest "${node.column}" is {latest}, {age} s old`,
          one: `the newest "${node.column}" is {latest}, {age} s old, more than the ${node.maxAgeSeconds} s allowed`,
          many: `the newest "${node.column}" is {latest}, {age} s old, more than the ${node.maxAgeSeconds} s allowed`,
          empty: `"${node.column}" has no value, so nothing is fresh`,
        },
        maxAgeSeconds: node.maxAgeSeconds,
        column: node.column,
      };
    case "sql":
      return {
        ...head,
        ...rowRule(failingWhere(node.predicate), {
          one: `does not satisfy ${node.predicate}`,
          many: `do not satisfy ${node.predicate}`,
        }),
      };
    case "expr":
      return undefined;
    default:
      return absurd(node, "check");
  }
}

/**
 * A message template filled in: `{failing}`, `{detail}`, `{detail_s}` (and a freshness check's `{latest}`,
 * `{age}`).
 */
export function checkMessage(template: string, values: Readonly<Record<string, string | number>>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) =>
    key === "detail_s"
      ? values["detail"] === 1
        ? ""
        : "s"
      : values[key] === undefined
        ? whole
        : String(values[key]),
  );
}
