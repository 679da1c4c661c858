import type pl from "nodejs-polars";

/** The nodejs-polars namespace. */
export type Polars = typeof pl;
/** A polars lazy frame: what tasks return and sinks run. */
export type LazyFrame = pl.LazyDataFrame;

let loading: Promise<Polars> | undefined;

/**
 * Loads nodejs-polars on first use: `glacier runs`, `--plan` on an unchanged project and a no-op rerun never
 * pay its ~150 ms load, and importing `@glacier/local` stays cheap.
 */
export function loadPolars(): Promise<Polars> {
  loading ??= import("nodejs-polars").then((m) => (m as unknown as { default: Polars }).default ?? m);
  return loading;
}

/** True for a LazyDataFrame from any copy of nodejs-polars (a user's module may load its own). */
export function isLazyFrame(value: unknown): value is LazyFrame {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] === "LazyDataFrame"
  );
}

/** What a task returned, in words, for an error message. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value !== "object") return `a ${typeof value}`;
  const tag = (value as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag];
  if (typeof tag === "string") return `a ${tag}`;
  if (Array.isArray(value)) return "an array";
  const name = (value as object).constructor?.name;
  return name && name !== "Object" ? `a ${name}` : "a plain object";
}
