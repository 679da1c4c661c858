import type { StepNode } from "@glacier/core";
import { messageOf } from "./errors.js";
import type { LazyFrame } from "./polars.js";
import type { StepNote } from "@glacier/engine";

/** An expression nodejs-polars 0.26 builds as an opaque function, which its plan serialiser refuses. */
interface OpaqueCall {
  /** How a task writes it. */
  readonly call: string;
  /** Finds the call in a task's source. */
  readonly pattern: RegExp;
  /** The serialisable rewrite for a column (or a placeholder); absent when none exists in 0.26. */
  readonly rewrite?: (column: string) => string;
  /** The rewrite is Polars SQL: nodejs-polars has no serialisable expression method for it. */
  readonly sql?: true;
}

const str = (method: string): RegExp => new RegExp(`\\.str\\s*\\.\\s*${method}\\s*\\(`);

/**
 * Every opaque call found in nodejs-polars 0.26.1 by serialising one plan per expression method (the rest
 * serialise). Polars prints them all as `.map()` in a plan and fails with the same "'opaque' function"
 * error, so only the task's source can tell them apart.
 */
const OPAQUE: readonly OpaqueCall[] = [
  { call: "str.strip()", pattern: str("strip"), rewrite: () => "str.stripChars(pl.lit(null))" },
  { call: "str.lstrip()", pattern: str("lstrip"), rewrite: () => "str.stripCharsStart(pl.lit(null))" },
  { call: "str.rstrip()", pattern: str("rstrip"), rewrite: () => "str.stripCharsEnd(pl.lit(null))" },
  { call: "str.toLowerCase()", pattern: str("toLowerCase"), rewrite: (c) => `SQL lower(${c})`, sql: true },
  { call: "str.toUpperCase()", pattern: str("toUpperCase"), rewrite: (c) => `SQL upper(${c})`, sql: true },
  // 0.26 has no str.lenChars; SQL length() plans as len_chars.
  { call: "str.lengths()", pattern: str("lengths"), rewrite: (c) => `SQL length(${c})`, sql: true },
  {
    call: "str.jsonPathMatch()",
    pattern: str("jsonPathMatch"),
    rewrite: () => 'str.jsonDecode(dtype).struct.field("key")',
  },
  { call: "str.encode()", pattern: str("encode") },
  { call: "str.decode()", pattern: str("decode") },
  { call: "hash()", pattern: /\.hash\s*\(/ },
  { call: "reinterpret()", pattern: /\.reinterpret\s*\(/ },
  { call: "toPhysical()", pattern: /\.toPhysical\s*\(/, rewrite: () => "cast() to the physical type" },
  { call: "extendConstant()", pattern: /\.extendConstant\s*\(/ },
];

const HOW_TO_SQL = "SQL runs as executor.sql, or as pl.SQLContext inside the task";

/** The columns polars' plan text feeds to an opaque function: `col("name").….map()`. */
function opaqueColumns(planText: string): string[] {
  const columns = new Set<string>();
  for (const match of planText.matchAll(
    /col\("((?:[^"\\]|\\.)*)"\)(?:\.[A-Za-z_]+(?:\([^()]*\))*)*?\.map\(\)/g,
  ))
    columns.add(match[1] as string);
  return [...columns];
}

/** A column as a Polars SQL identifier: quoted unless plain lower case (SQL identifiers are case-sensitive). */
function sqlColumn(column: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(column) ? column : `"${column.replaceAll('"', '""')}"`;
}

function columnsText(columns: readonly string[]): string {
  if (columns.length === 0) return "";
  return ` (column${columns.length === 1 ? "" : "s"} ${columns.map((c) => JSON.stringify(c)).join(", ")})`;
}

function planText(frame: LazyFrame): string {
  try {
    return frame.describePlan();
  } catch {
    return "";
  }
}

/** The general advice when the task's source names no known call: every known one with its rewrite. */
function knownCalls(): string {
  const rewritable = OPAQUE.filter((o) => o.rewrite).map(
    (o) => `${o.call} → ${o.rewrite?.("<column>") ?? ""}`,
  );
  const none = OPAQUE.filter((o) => !o.rewrite).map((o) => o.call);
  return `Unserialisable in nodejs-polars 0.26: ${rewritable.join("; ")}; ${none.join(", ")} have no serialisable form. ${HOW_TO_SQL}.`;
}

/**
 * Why a step's plan could not go to a worker thread, and the rewrite that lets it: the calls are read from
 * the task's source and the columns from polars' plan text, since polars names neither in its error.
 *
 * @example
 * ```ts
 * // local.task(function clean(df) { return df.withColumns(pl.col("name").str.toLowerCase()); })
 * mainThreadNote(step, frame, error);
 * // { kind: "main-thread",
 * //   message: 'ran on the main thread (blocking other steps, without its timeout): nodejs-polars cannot serialise
 * //     str.toLowerCase() (column "name") for a worker thread.',
 * //   hint: "Rewrite str.toLowerCase() as SQL lower(name) (SQL runs as executor.sql, or as pl.SQLContext inside the task).",
 * //   expressions: [{ call: "str.toLowerCase()", rewrite: "SQL lower(name)" }], columns: ["name"] }
 * ```
 */
export function mainThreadNote(step: StepNode, frame: LazyFrame, error: unknown): StepNote {
  const lead = "ran on the main thread (blocking other steps, without its timeout):";
  const columns = opaqueColumns(planText(frame));
  if (!/'opaque' function/.test(messageOf(error))) {
    return {
      kind: "main-thread",
      message: `${lead} polars could not serialise its plan for a worker thread (${messageOf(error, true)}).`,
      hint: "Polars' full message is in the run log.",
      expressions: [],
      columns,
    };
  }
  const source = typeof step.task.fn === "function" ? step.task.fn.toString() : "";
  const found = OPAQUE.filter((o) => o.pattern.test(source));
  if (found.length === 0) {
    return {
      kind: "main-thread",
      message: `${lead} its plan holds an expression nodejs-polars cannot serialise for a worker thread${columnsText(columns)}.`,
      hint: knownCalls(),
      expressions: [],
      columns,
    };
  }
  // A rewrite can name the column only when the plan shows one column and the source one call.
  const column = found.length === 1 && columns.length === 1 ? (columns[0] as string) : "<column>";
  const expressions = found.map((o) => ({
    call: o.call,
    ...(o.rewrite ? { rewrite: o.rewrite(o.sql ? sqlColumn(column) : column) } : {}),
  }));
  const rewrites = expressions.flatMap((e) => (e.rewrite ? [`${e.call} as ${e.rewrite}`] : []));
  const none = expressions.filter((e) => !e.rewrite).map((e) => e.call);
  const hint = [
    ...(rewrites.length > 0
      ? [`Rewrite ${rewrites.join("; ")}${found.some((o) => o.sql) ? ` (${HOW_TO_SQL})` : ""}.`]
      : []),
    ...(none.length > 0
      ? [
          `${none.join(", ")} ${none.length === 1 ? "has" : "have"} no serialisable form in nodejs-polars 0.26: keep ${none.length === 1 ? "it" : "them"} in a small step of ${none.length === 1 ? "its" : "their"} own.`,
        ]
      : []),
  ].join(" ");
  return {
    kind: "main-thread",
    message: `${lead} nodejs-polars cannot serialise ${found.map((o) => o.call).join(", ")}${columnsText(columns)} for a worker thread.`,
    hint,
    expressions,
    columns,
  };
}
