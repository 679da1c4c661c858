import type pl from "nodejs-polars";
import type { BucketNode, CheckNode, CheckResult } from "@glacier/core";
import { absurd, CHECKED_VIEW, failingWhere } from "@glacier/core/internal";
import { messageOf } from "./errors.js";
import type { LazyFrame, Polars } from "./polars.js";

/** How many failing rows a result keeps. */
export const SAMPLE_ROWS = 5;

/** What checks need besides the frame: the related buckets of relationships checks, and the time. */
export interface CheckEnvironment {
  /** A lazy scan of a related bucket as stored now. */
  readonly openBucket: (bucket: BucketNode) => Promise<LazyFrame>;
  /** Freshness is measured against this instant (default: now). */
  readonly now?: Date;
}

/** A cell as JSON holds it: bigints as numbers when exact (else text), dates as ISO text. */
function jsonCell(value: unknown): unknown {
  if (typeof value === "bigint") {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  if (Array.isArray(value)) return value.map(jsonCell);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonCell(v)]));
  }
  return value;
}

async function rowsOf(frame: LazyFrame): Promise<Record<string, unknown>[]> {
  const df = await frame.limit(SAMPLE_ROWS).collect();
  return df.toRecords().map((row) => jsonCell(row) as Record<string, unknown>);
}

async function countOf(polars: Polars, frame: LazyFrame): Promise<number> {
  const df = await frame.select(polars.len().alias("n")).collect();
  return Number(df.getColumn("n").get(0));
}

/** The rows of `frame` breaking a row rule, counted and sampled. */
async function failingRows(
  polars: Polars,
  frame: LazyFrame,
  failing: pl.Expr | LazyFrame,
  known?: number,
): Promise<{ readonly failing: number; readonly sample: Record<string, unknown>[] }> {
  const bad = isExpr(failing) ? frame.filter(failing) : failing;
  const count = known ?? (await countOf(polars, bad));
  return { failing: count, sample: count === 0 ? [] : await rowsOf(bad) };
}

function isExpr(value: pl.Expr | LazyFrame): value is pl.Expr {
  return typeof (value as pl.Expr).not === "function";
}

/**
 * The rows of `frame` breaking a `check.sql` predicate, with Polars SQL: the same `WHERE` the generated Spark
 * driver runs (`failingWhere` of `@glacier/core/internal`).
 */
function sqlFailing(polars: Polars, frame: LazyFrame, predicate: string): LazyFrame {
  const result = polars
    .SQLContext({ [CHECKED_VIEW]: frame })
    .execute(`SELECT * FROM ${CHECKED_VIEW} WHERE ${failingWhere(predicate)}`);
  // nodejs-polars (0.24 to 0.26) returns a failed query as a frame wrapping the error.
  const native = (result as { _ldf?: unknown })._ldf;
  if (native instanceof Error) throw native;
  return result;
}

/**
 * The expression true for a row that breaks a row-by-row rule (not-null, accepted values, range, expression);
 * undefined for the checks that look at the whole output. Throws what an expression builder throws.
 */
function rowRule(polars: Polars, node: CheckNode): pl.Expr | undefined {
  switch (node.type) {
    case "notNull":
      return polars.anyHorizontal(node.columns.map((c) => polars.col(c).isNull()));
    case "acceptedValues": {
      const col = polars.col(node.column);
      return col.isNotNull().and(col.isIn([...node.values]).not());
    }
    case "range": {
      const col = polars.col(node.column);
      const below = node.min === undefined ? undefined : col.lt(node.min);
      const above = node.max === undefined ? undefined : col.gt(node.max);
      return below && above ? below.or(above) : ((below ?? above) as pl.Expr);
    }
    case "expr": {
      const expression: unknown = node.build(polars);
      if (!(expression instanceof Object) || typeof (expression as pl.Expr).not !== "function") {
        throw new Error("the builder did not return a Polars expression");
      }
      return (expression as pl.Expr).not().fillNull(true);
    }
    default:
      return undefined;
  }
}

/** What {@link runChecks} computed for a row rule before evaluating its check: the rule, its failing count. */
interface Precomputed {
  readonly rule: pl.Expr;
  readonly count?: number;
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
const quoted = (columns: readonly string[]): string => columns.map((c) => `"${c}"`).join(", ");

type Found = Omit<CheckResult, "name" | "type" | "severity">;

function rowResult(
  found: { readonly failing: number; readonly sample: Record<string, unknown>[] },
  what: string,
): Found {
  return found.failing === 0
    ? { status: "passed", failing: 0, message: `no row ${what}` }
    : {
        status: "failed",
        failing: found.failing,
        message: `${plural(found.failing, "row")} ${what}`,
        sample: found.sample,
      };
}

/** Evaluates one check on `frame`. */
async function evaluate(
  polars: Polars,
  frame: LazyFrame,
  node: CheckNode,
  env: CheckEnvironment,
  pre?: Precomputed,
): Promise<Found> {
  const rowFailures = () => {
    const rule = pre?.rule ?? (rowRule(polars, node) as pl.Expr);
    return failingRows(polars, frame, rule, pre?.count);
  };
  switch (node.type) {
    case "notNull": {
      const found = await rowFailures();
      return rowResult(found, `${found.failing <= 1 ? "has" : "have"} a null in ${quoted(node.columns)}`);
    }
    case "unique": {
      const groups = frame
        .groupBy([...node.columns])
        .agg(polars.len().alias("rows"))
        .filter(polars.col("rows").gt(1))
        .sort([...node.columns]);
      const totals = await groups
        .select(polars.len().alias("keys"), polars.col("rows").sum().alias("rows"))
        .collect();
      const keys = Number(totals.getColumn("keys").get(0));
      if (keys === 0) return { status: "passed", failing: 0, message: `${quoted(node.columns)} is unique` };
      const rows = Number(totals.getColumn("rows").get(0));
      return {
        status: "failed",
        failing: rows,
        message: `${plural(rows, "row")} share ${plural(keys, "value")} of ${quoted(node.columns)}`,
        sample: await rowsOf(groups),
      };
    }
    case "acceptedValues": {
      const found = await rowFailures();
      return rowResult(
        found,
        `${found.failing <= 1 ? "has" : "have"} a value of "${node.column}" outside ${JSON.stringify(node.values)}`,
      );
    }
    case "range": {
      const bounds = `[${node.min ?? "-∞"}, ${node.max ?? "∞"}]`;
      const found = await rowFailures();
      return rowResult(found, `${found.failing <= 1 ? "has" : "have"} "${node.column}" outside ${bounds}`);
    }
    case "rowCount": {
      const rows = await countOf(polars, frame);
      const low = node.min !== undefined && rows < node.min;
      const high = node.max !== undefined && rows > node.max;
      const expected = [
        ...(node.min === undefined ? [] : [`at least ${node.min}`]),
        ...(node.max === undefined ? [] : [`at most ${node.max}`]),
      ].join(" and ");
      return low || high
        ? { status: "failed", failing: 1, message: `${plural(rows, "row")}, expected ${expected}` }
        : { status: "passed", failing: 0, message: `${plural(rows, "row")}, ${expected}` };
    }
    case "relationships": {
      const related = (await env.openBucket(node.to))
        .select(polars.col(node.toColumn).alias("__glacier_key"))
        .unique();
      const keyed = frame.filter(polars.col(node.column).isNotNull());
      const missing = keyed.join(related, {
        leftOn: node.column,
        rightOn: "__glacier_key",
        how: "anti",
      });
      const count = await countOf(polars, missing);
      return rowResult(
        { failing: count, sample: count === 0 ? [] : await rowsOf(missing) },
        `${count <= 1 ? "has" : "have"} a "${node.column}" missing from "${node.toColumn}" of ${node.to.id}`,
      );
    }
    case "freshness": {
      const df = await frame.select(polars.col(node.column).max().alias("latest")).collect();
      // Series.get fails on datetime columns in nodejs-polars 0.26; records give them as Dates.
      const latest: unknown = df.toRecords()[0]?.["latest"];
      if (latest === null || latest === undefined) {
        return {
          status: "failed",
          failing: 1,
          message: `"${node.column}" has no value, so nothing is fresh`,
        };
      }
      if (!(latest instanceof Date)) {
        return {
          status: "error",
          failing: 0,
          message: `"${node.column}" is not a date or datetime column (its newest value is ${JSON.stringify(jsonCell(latest))})`,
        };
      }
      const now = env.now ?? new Date();
      const ageSeconds = Math.round((now.getTime() - latest.getTime()) / 1000);
      const newest = `the newest "${node.column}" is ${latest.toISOString()}`;
      return ageSeconds > node.maxAgeSeconds
        ? {
            status: "failed",
            failing: 1,
            message: `${newest}, ${ageSeconds} s old, more than the ${node.maxAgeSeconds} s allowed`,
          }
        : { status: "passed", failing: 0, message: `${newest}, ${ageSeconds} s old` };
    }
    case "expr": {
      const found = await rowFailures();
      return rowResult(found, `${found.failing <= 1 ? "does" : "do"} not satisfy it`);
    }
    case "sql": {
      const found = await failingRows(polars, frame, sqlFailing(polars, frame, node.predicate));
      return rowResult(found, `${found.failing <= 1 ? "does" : "do"} not satisfy ${node.predicate}`);
    }
    default:
      return absurd(node, "check");
  }
}

/**
 * The row rules of `checks` (by index) with their failing counts, all counted in one pass over the data. A
 * builder that throws leaves its check out (evaluating it reports the error); a pass that fails (a missing
 * column, a wrong type) leaves every count out, so each check counts its own and reports its own error.
 */
async function countRowRules(
  polars: Polars,
  frame: LazyFrame,
  checks: readonly CheckNode[],
): Promise<Map<number, Precomputed>> {
  const rules = new Map<number, pl.Expr>();
  for (const [i, node] of checks.entries()) {
    try {
      const rule = rowRule(polars, node);
      if (rule) rules.set(i, rule);
    } catch {
      // Reported when the check is evaluated.
    }
  }
  if (rules.size === 0) return new Map();
  try {
    const counts = await frame
      .select(...[...rules].map(([i, rule]) => rule.sum().alias(`check_${i}`)))
      .collect();
    return new Map(
      [...rules].map(([i, rule]) => [i, { rule, count: Number(counts.getColumn(`check_${i}`).get(0)) }]),
    );
  } catch {
    return new Map([...rules].map(([i, rule]) => [i, { rule }]));
  }
}

/**
 * Runs `checks` on `frame` (a step's written, uncommitted result, or a stored bucket), one after the other,
 * each reading the data lazily with polars: counts and up to five sample rows of what breaks a rule. A check
 * that cannot be evaluated (a missing column, a wrong type, an unreadable related bucket) is an `error` result,
 * which blocks like a failure.
 *
 * @example
 * ```ts
 * await runChecks(pl, pl.scanParquet("clean.parquet"), [check.notNull("id")], { openBucket });
 * // [{ name: "not_null(id)", type: "notNull", severity: "blocking", status: "failed", failing: 2,
 * //    message: '2 rows have a null in "id"', sample: [{ id: null, amount: 3 }, { id: null, amount: 5 }] }]
 * ```
 */
export async function runChecks(
  polars: Polars,
  frame: LazyFrame,
  checks: readonly CheckNode[],
  env: CheckEnvironment,
): Promise<CheckResult[]> {
  const precomputed = await countRowRules(polars, frame, checks);
  const results: CheckResult[] = [];
  for (const [i, node] of checks.entries()) {
    const head = { name: node.name, type: node.type, severity: node.severity };
    try {
      results.push({ ...head, ...(await evaluate(polars, frame, node, env, precomputed.get(i))) });
    } catch (error) {
      results.push({
        ...head,
        status: "error",
        failing: 0,
        message: `could not be evaluated: ${messageOf(error, true)}`,
      });
    }
  }
  return results;
}
