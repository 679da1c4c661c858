import { absurd } from "./absurd.js";
import type pl from "nodejs-polars";
import { isBucketLike } from "./bucket-brand.js";
import { GlacierError, shown, type ErrorSubject } from "./errors.js";
import type { BucketNode, StepNode } from "./nodes.js";
import { deepFreeze } from "./stable-id.js";

/**
 * Data checks: plain, frozen rules recorded on a bucket or a step, run by the interpreters on a step's written
 * result before it is committed (and by `glacier check` on what is stored). A `blocking` check (the default)
 * that fails keeps the previous output and fails the step with `CHECK_FAILED`; a `warn` check is recorded.
 */

/** What a failing check does: `blocking` stops the commit, `warn` is recorded and shown. */
export type CheckSeverity = "blocking" | "warn";

/** A scalar an accepted-values check compares with. */
export type CheckValue = string | number | boolean;

/** Builds the boolean expression every row must satisfy, from the nodejs-polars namespace. */
export type CheckExpression = (polars: typeof pl) => pl.Expr;

/** The rule of a check, by `type`. */
export type CheckRule =
  | { readonly type: "notNull"; readonly columns: readonly string[] }
  | { readonly type: "unique"; readonly columns: readonly string[] }
  | { readonly type: "acceptedValues"; readonly column: string; readonly values: readonly CheckValue[] }
  | { readonly type: "range"; readonly column: string; readonly min?: number; readonly max?: number }
  | { readonly type: "rowCount"; readonly min?: number; readonly max?: number }
  | {
      readonly type: "relationships";
      readonly column: string;
      readonly to: BucketNode;
      readonly toColumn: string;
    }
  | { readonly type: "freshness"; readonly column: string; readonly maxAgeSeconds: number }
  | {
      readonly type: "sql";
      /** A SQL boolean expression over the checked data's columns, as Spark SQL and Polars SQL read it. */
      readonly predicate: string;
    }
  | {
      readonly type: "expr";
      readonly build: CheckExpression;
      /** The builder's text: part of the step's identity, since the function itself cannot be compared. */
      readonly source: string;
    };

/** Every check type. */
export type CheckType = CheckRule["type"];

/** One declared check. */
export type CheckNode = CheckRule & {
  readonly kind: "check";
  /** Unique among the checks of one step: `not_null(id)`, `unique(id,day)`, or the name given. */
  readonly name: string;
  readonly severity: CheckSeverity;
};

/** Options every check takes. */
export interface CheckOptions {
  /** `"blocking"` (default): a failure stops the commit. `"warn"`: a failure is recorded and shown. */
  readonly severity?: CheckSeverity;
  /** Overrides the generated name (letters, digits and `_ ( ) , . - > :`, at most 128 characters). */
  readonly name?: string;
}

/** The outcome of one check on one output. */
export interface CheckResult {
  readonly name: string;
  readonly type: CheckType;
  readonly severity: CheckSeverity;
  /** `error`: the check could not be evaluated (a missing column, an unreadable related bucket). */
  readonly status: "passed" | "failed" | "error";
  /** Rows breaking the rule; for row-count and freshness checks 1 when the rule is broken. */
  readonly failing: number;
  /** One sentence: what was found. */
  readonly message: string;
  /** Up to five failing rows (or duplicated keys with their count), as JSON-safe values. */
  readonly sample?: readonly Readonly<Record<string, unknown>>[];
}

const NAME = /^[A-Za-z0-9_(),.:>\- ]{1,128}$/;
const DURATION = /^(\d+(?:\.\d+)?)\s*(s|m|h|d)$/;
const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400 };

function invalid(what: string, message: string, hint: string): GlacierError {
  return new GlacierError("INVALID_OPTION", message, { subject: { kind: "option", name: what }, hint });
}

function columnList(value: unknown, what: string): readonly string[] {
  const list = typeof value === "string" ? [value] : value;
  if (
    !Array.isArray(list) ||
    list.length === 0 ||
    list.some((c) => typeof c !== "string" || c.trim() === "")
  ) {
    throw invalid(
      what,
      `takes a column name or a non-empty list of column names, got ${shown(value)}.`,
      `Write ${what}("id") or ${what}(["id", "day"]).`,
    );
  }
  return [...new Set(list as string[])];
}

function column(value: unknown, what: string): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw invalid(what, `takes a column name, got ${shown(value)}.`, `Write ${what}("amount", …).`);
  }
  return value;
}

function finite(value: unknown, what: string, option: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw invalid(
      `${what}.${option}`,
      `${option} must be a finite number, got ${shown(value)}.`,
      `Give ${option} as a number, or leave it out.`,
    );
  }
  return value;
}

function bounds(
  value: unknown,
  what: string,
  integers: boolean,
): { readonly min?: number; readonly max?: number } {
  if (typeof value !== "object" || value === null) {
    throw invalid(
      what,
      `takes { min, max }, got ${shown(value)}.`,
      `Write ${what}(…, { min: 0, max: 100 }).`,
    );
  }
  const { min: rawMin, max: rawMax, ...rest } = value as { min?: unknown; max?: unknown };
  refuseUnknown(rest, what, ["min", "max"]);
  const min = finite(rawMin, what, "min");
  const max = finite(rawMax, what, "max");
  if (min === undefined && max === undefined) {
    throw invalid(what, "needs min, max or both.", `Write ${what}(…, { min: 0 }) or { max: 100 }.`);
  }
  if (integers && [min, max].some((n) => n !== undefined && (!Number.isInteger(n) || n < 0))) {
    throw invalid(
      what,
      `bounds must be whole numbers of rows ≥ 0, got ${shown({ min, max })}.`,
      "Give whole numbers.",
    );
  }
  if (min !== undefined && max !== undefined && min > max) {
    throw invalid(what, `min ${min} is greater than max ${max}.`, "Swap them, or fix one of them.");
  }
  return { ...(min === undefined ? {} : { min }), ...(max === undefined ? {} : { max }) };
}

function refuseUnknown(rest: object, what: string, known: readonly string[]): void {
  const unknown = Object.keys(rest);
  if (unknown.length > 0) {
    throw invalid(
      what,
      `does not take ${unknown.map((k) => `"${k}"`).join(", ")}.`,
      `Use only ${known.map((k) => `"${k}"`).join(", ")}.`,
    );
  }
}

function common(
  options: CheckOptions | undefined,
  what: string,
  defaultName: string,
): { kind: "check"; name: string; severity: CheckSeverity } {
  if (options !== undefined && (typeof options !== "object" || options === null)) {
    throw invalid(what, `options must be an object, got ${shown(options)}.`, `Write { severity: "warn" }.`);
  }
  const { severity = "blocking", name = defaultName, ...rest } = options ?? {};
  refuseUnknown(rest, what, ["severity", "name"]);
  if (severity !== "blocking" && severity !== "warn") {
    throw invalid(
      `${what}.severity`,
      `severity must be "blocking" or "warn", got ${shown(severity)}.`,
      `Write { severity: "warn" } to record a failure without stopping the step, or leave it out.`,
    );
  }
  // Generated names hold a bucket id, which may have any character a path has; given ones are kept plain.
  if (typeof name !== "string" || (name !== defaultName && !NAME.test(name))) {
    throw invalid(
      `${what}.name`,
      `check name ${shown(name)} is not valid.`,
      "Use 1–128 letters, digits, spaces and _ ( ) , . : > -.",
    );
  }
  return { kind: "check", name, severity };
}

function made(node: CheckNode): CheckNode {
  return deepFreeze(node);
}

/** Seconds in a `maxAge`: a number of seconds, or `"30m"`, `"24h"`, `"7d"`. */
function maxAgeSeconds(value: unknown): number {
  if (typeof value === "number" && Number.isFinite(value) && value > 0) return value;
  const match = typeof value === "string" ? DURATION.exec(value.trim()) : null;
  if (match) {
    const seconds = Number(match[1]) * (UNIT_SECONDS[match[2] as string] as number);
    if (seconds > 0) return seconds;
  }
  throw invalid(
    "check.freshness.maxAge",
    `maxAge must be a positive number of seconds or a duration such as "24h", got ${shown(value)}.`,
    'Write { maxAge: "24h" } (units s, m, h, d) or { maxAge: 3600 }.',
  );
}

/**
 * The check constructors. Give them to `provider.bucket({ …, checks })`, `bucket.check(…)` or a produced
 * bucket's `.check(…)` (then they belong to the step that writes it).
 *
 * @example
 * ```ts
 * const orders = provider.bucket({ bucket: "acme", path: "clean/orders.parquet",
 *   checks: [check.notNull("id"), check.unique("id"), check.range("amount", { min: 0 })] });
 * raw.transform(clean).to(orders);
 * // glacier run: the three checks run on clean's written result before it replaces orders;
 * // a null id fails the step: CHECK_FAILED not_null(id): 2 rows have a null in id …
 * ```
 */
export const check = Object.freeze({
  /** No row has a null in any of `columns`. */
  notNull(columns: string | readonly string[], options?: CheckOptions): CheckNode {
    const cols = columnList(columns, "check.notNull");
    return made({
      ...common(options, "check.notNull", `not_null(${cols.join(",")})`),
      type: "notNull",
      columns: cols,
    });
  },
  /** No two rows share a value of `columns` (taken together). */
  unique(columns: string | readonly string[], options?: CheckOptions): CheckNode {
    const cols = columnList(columns, "check.unique");
    return made({
      ...common(options, "check.unique", `unique(${cols.join(",")})`),
      type: "unique",
      columns: cols,
    });
  },
  /** Every non-null value of `column` is one of `values`. */
  acceptedValues(column_: string, values: readonly CheckValue[], options?: CheckOptions): CheckNode {
    const col = column(column_, "check.acceptedValues");
    if (
      !Array.isArray(values) ||
      values.length === 0 ||
      values.some((v) => !["string", "number", "boolean"].includes(typeof v)) ||
      new Set(values.map((v) => typeof v)).size > 1
    ) {
      throw invalid(
        "check.acceptedValues",
        `takes a non-empty list of strings, numbers or booleans (one type), got ${shown(values)}.`,
        `Write check.acceptedValues("${col}", ["open", "closed"]).`,
      );
    }
    return made({
      ...common(options, "check.acceptedValues", `accepted_values(${col})`),
      type: "acceptedValues",
      column: col,
      values: [...values],
    });
  },
  /** Every non-null value of `column` lies within `[min, max]` (either bound may be left out). */
  range(
    column_: string,
    limits: { readonly min?: number; readonly max?: number },
    options?: CheckOptions,
  ): CheckNode {
    const col = column(column_, "check.range");
    return made({
      ...common(options, "check.range", `range(${col})`),
      type: "range",
      column: col,
      ...bounds(limits, "check.range", false),
    });
  },
  /** The output has between `min` and `max` rows. */
  rowCount(limits: { readonly min?: number; readonly max?: number }, options?: CheckOptions): CheckNode {
    return made({
      ...common(options, "check.rowCount", "row_count"),
      type: "rowCount",
      ...bounds(limits, "check.rowCount", true),
    });
  },
  /**
   * Every non-null value of `column` is present in `toColumn` of the bucket `to` (as stored when the check
   * runs: make `to` an upstream of the step so it is written first).
   */
  relationships(column_: string, to: unknown, toColumn: string, options?: CheckOptions): CheckNode {
    const col = column(column_, "check.relationships");
    if (!isBucketLike(to)) {
      throw invalid(
        "check.relationships",
        `takes the related bucket as its second argument, got ${shown(typeof to)}.`,
        `Write check.relationships("${col}", customers, "id") with a bucket from provider.bucket().`,
      );
    }
    const other = column(toColumn, "check.relationships");
    const node = (to as { node: BucketNode }).node;
    return made({
      ...common(options, "check.relationships", `relationships(${col}->${node.id}.${other})`),
      type: "relationships",
      column: col,
      to: node,
      toColumn: other,
    });
  },
  /** The newest value of the date or datetime `column` is at most `maxAge` old when the check runs. */
  freshness(
    column_: string,
    limits: { readonly maxAge: number | string },
    options?: CheckOptions,
  ): CheckNode {
    const col = column(column_, "check.freshness");
    if (typeof limits !== "object" || limits === null) {
      throw invalid(
        "check.freshness",
        `takes { maxAge }, got ${shown(limits)}.`,
        `Write check.freshness("${col}", { maxAge: "24h" }).`,
      );
    }
    const { maxAge, ...rest } = limits;
    refuseUnknown(rest, "check.freshness", ["maxAge"]);
    return made({
      ...common(options, "check.freshness", `freshness(${col})`),
      type: "freshness",
      column: col,
      maxAgeSeconds: maxAgeSeconds(maxAge),
    });
  },
  /**
   * Every row satisfies the SQL boolean expression `predicate` (a null counts as a failure). Unlike
   * {@link check.expr} it runs on every executor: with Polars SQL locally and on Lambda, with Spark SQL in the
   * generated Spark driver. Write the portable subset (see `glacier validate`'s SQL_NOT_PORTABLE): plain
   * column names, single-quoted strings.
   *
   * @example
   * ```ts
   * check.sql("shipped_after_ordered", "shipped >= ordered")
   * // Spark: SELECT COUNT(*) AS failing FROM glacier_checked WHERE NOT COALESCE((shipped >= ordered), FALSE)
   * ```
   */
  sql(name: string, predicate: string, options?: Omit<CheckOptions, "name">): CheckNode {
    if (typeof predicate !== "string" || predicate.trim() === "" || predicate.includes(";")) {
      throw invalid(
        "check.sql",
        `takes a SQL boolean expression (one, without ";"), got ${shown(predicate)}.`,
        `Write check.sql("${String(name)}", "amount > 0").`,
      );
    }
    return made({
      ...common({ ...(options ?? {}), name }, "check.sql", ""),
      type: "sql",
      predicate: predicate.trim(),
    });
  },
  /**
   * Every row satisfies the boolean Polars expression `build(pl)` (a null counts as a failure). Runs locally,
   * on Lambda and in containers; a Spark step cannot run it (use {@link check.sql} there).
   *
   * @example
   * ```ts
   * check.expr("shipped_after_ordered", (pl) => pl.col("shipped").gtEq(pl.col("ordered")))
   * ```
   */
  expr(name: string, build: CheckExpression, options?: Omit<CheckOptions, "name">): CheckNode {
    if (typeof build !== "function") {
      throw invalid(
        "check.expr",
        `takes a function (pl) => expression, got ${shown(typeof build)}.`,
        `Write check.expr("${String(name)}", (pl) => pl.col("amount").gt(0)).`,
      );
    }
    return made({
      ...common({ ...(options ?? {}), name }, "check.expr", ""),
      type: "expr",
      build,
      source: build.toString(),
    });
  },
});

/** The columns of the checked data a check reads. */
export function checkColumns(node: CheckNode): readonly string[] {
  switch (node.type) {
    case "notNull":
    case "unique":
      return node.columns;
    case "acceptedValues":
    case "range":
    case "relationships":
    case "freshness":
      return [node.column];
    case "rowCount":
    case "expr":
    case "sql":
      return [];
    default:
      return absurd(node, "check");
  }
}

/**
 * @internal Checks a list given to a bucket or step: each a check node, names unique, columns among the
 * declared schema (when there is one). Returns the frozen list.
 */
export function checkList(value: unknown, subject: ErrorSubject, schema?: object): readonly CheckNode[] {
  const list = Array.isArray(value) ? value : [value];
  const names = new Set<string>();
  for (const item of list) {
    const node = item as CheckNode | null;
    if (typeof node !== "object" || node === null || node.kind !== "check") {
      throw new GlacierError("INVALID_OPTION", `checks take values made by check.*(), got ${shown(item)}.`, {
        subject,
        hint: 'Write checks: [check.notNull("id"), check.unique("id")].',
      });
    }
    if (names.has(node.name)) {
      throw new GlacierError("INVALID_OPTION", `two checks are named "${node.name}".`, {
        subject,
        hint: "Give one of them another name with { name: … }.",
      });
    }
    names.add(node.name);
    if (schema !== undefined) {
      const missing = checkColumns(node).filter((c) => !(c in schema));
      if (missing.length > 0) {
        throw new GlacierError(
          "INVALID_OPTION",
          `check "${node.name}" reads ${missing.map((c) => `"${c}"`).join(", ")}, which the declared schema does not have.`,
          { subject, hint: `Use one of the schema's columns: ${Object.keys(schema).join(", ")}.` },
        );
      }
    }
  }
  return Object.freeze([...(list as CheckNode[])]);
}

/** Every check a step's result must pass: the step's own, then its output bucket's. */
export function stepChecks(step: StepNode): readonly CheckNode[] {
  return [...(step.checks ?? []), ...(step.output.checks ?? [])];
}

/** A check as JSON shows it (`visualize --format json`, run records): its rule without functions or nodes. */
export interface CheckJson {
  readonly name: string;
  readonly type: CheckType;
  readonly severity: CheckSeverity;
  readonly columns?: readonly string[];
  readonly values?: readonly CheckValue[];
  readonly min?: number;
  readonly max?: number;
  /** A relationships check's related bucket id and column. */
  readonly to?: string;
  readonly toColumn?: string;
  readonly maxAgeSeconds?: number;
  /** An expression check's builder text. */
  readonly source?: string;
  /** A SQL check's predicate. */
  readonly predicate?: string;
}

/** The JSON form of a check. */
export function checkJson(node: CheckNode): CheckJson {
  const base = { name: node.name, type: node.type, severity: node.severity };
  switch (node.type) {
    case "notNull":
    case "unique":
      return { ...base, columns: node.columns };
    case "acceptedValues":
      return { ...base, columns: [node.column], values: node.values };
    case "range":
    case "rowCount":
      return {
        ...base,
        ...("column" in node ? { columns: [node.column] } : {}),
        ...(node.min === undefined ? {} : { min: node.min }),
        ...(node.max === undefined ? {} : { max: node.max }),
      };
    case "relationships":
      return { ...base, columns: [node.column], to: node.to.id, toColumn: node.toColumn };
    case "freshness":
      return { ...base, columns: [node.column], maxAgeSeconds: node.maxAgeSeconds };
    case "expr":
      return { ...base, source: node.source };
    case "sql":
      return { ...base, predicate: node.predicate };
    default:
      return absurd(node, "check");
  }
}

const RESULTS = Symbol.for("glacier.checkResults");

/** A check result in one line: `not_null(id): 2 rows have a null in id, e.g. {"id":null,"amount":3}`. */
export function describeCheckResult(result: CheckResult): string {
  const sample = result.sample?.[0];
  return `${result.name}: ${result.message}${sample === undefined ? "" : `, e.g. ${JSON.stringify(sample)}`}`;
}

/**
 * The CHECK_FAILED error of a step whose blocking checks failed (null when none did). It names each failed
 * check, its failing count and a sample row; the full results (up to five sample rows each) ride along for run
 * records ({@link checkResultsOf}).
 */
export function checkFailure(
  step: string,
  results: readonly CheckResult[],
  /** `stored`: the checks ran on the committed output (only they changed), not on a new result. */
  on: "result" | "stored" = "result",
): GlacierError | null {
  const blocking = results.filter((r) => r.severity === "blocking" && r.status !== "passed");
  if (blocking.length === 0) return null;
  const what =
    blocking.length === 1
      ? `check ${describeCheckResult(blocking[0] as CheckResult)}`
      : `${blocking.length} blocking checks failed: ${blocking.map(describeCheckResult).join("; ")}`;
  const error = new GlacierError(
    "CHECK_FAILED",
    on === "result"
      ? `${what}. The output was not committed: the previous one is intact.`
      : `${what}, on the stored output (only the checks changed, so the task did not run). Its consumers do not run until it passes.`,
    {
      subject: { kind: "step", name: step },
      hint: 'Fix the data or the task (the run record has up to 5 failing rows per check), or make the check { severity: "warn" }.',
    },
  );
  Object.defineProperty(error, RESULTS, { value: Object.freeze([...results]) });
  return error;
}

/** The check results a {@link checkFailure} error carries; undefined for any other error. */
export function checkResultsOf(error: unknown): readonly CheckResult[] | undefined {
  // An executor may wrap the error (its own failure type, a step name): follow the causes.
  for (let e = error, depth = 0; typeof e === "object" && e !== null && depth < 8; depth++) {
    const results = (e as Record<symbol, readonly CheckResult[] | undefined>)[RESULTS];
    if (results !== undefined) return results;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** How many checks passed, failed as warnings, and failed blocking (an `error` counts as a failure). */
export interface CheckCounts {
  readonly passed: number;
  readonly warned: number;
  readonly failed: number;
}

/** Counts check results by outcome. */
export function countChecks(results: readonly CheckResult[]): CheckCounts {
  let passed = 0;
  let warned = 0;
  let failed = 0;
  for (const r of results) {
    if (r.status === "passed") passed++;
    else if (r.severity === "warn") warned++;
    else failed++;
  }
  return { passed, warned, failed };
}

/** Counts in words: `3 passed, 1 warned, 1 failed` (zero counts left out, except all three zero). */
export function describeCheckCounts(counts: CheckCounts): string {
  const parts = (
    [
      [counts.passed, "passed"],
      [counts.warned, "warned"],
      [counts.failed, "failed"],
    ] as const
  ).filter(([n]) => n > 0);
  return parts.length === 0 ? "none" : parts.map(([n, label]) => `${n} ${label}`).join(", ");
}
