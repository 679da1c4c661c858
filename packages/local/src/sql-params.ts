import type { ParamValue } from "@glacier/core";

/** A parameter value as a SQL literal: strings quoted (with `'` doubled), numbers and booleans as written. */
export function sqlLiteral(value: ParamValue): string {
  if (typeof value === "string") return `'${value.replace(/'/g, "''")}'`;
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  return String(value);
}

/**
 * Puts a SQL task's parameters into its query: `:name` becomes the literal of the declared parameter
 * `name`. Only declared names are replaced, never inside quoted strings, and `::` casts are left alone.
 *
 * @example
 * ```ts
 * renderSql("SELECT * FROM input WHERE day = :day AND amount::int > :min", { day: "2024-01-31", min: 5 })
 * // "SELECT * FROM input WHERE day = '2024-01-31' AND amount::int > 5"
 * ```
 */
export function renderSql(query: string, params: Readonly<Record<string, ParamValue>>): string {
  const names = Object.keys(params);
  if (names.length === 0) return query;
  // Quoted strings and identifiers are kept as they are; `:name` outside them is replaced.
  return query.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|(?<![:\w]):([A-Za-z_]\w*)/g, (match, name?: string) => {
    if (name === undefined || !(name in params)) return match;
    return sqlLiteral(params[name] as ParamValue);
  });
}
