import { GlacierError } from "./errors.js";

/** Column types a bucket schema may declare; interpreters map them to Polars / Spark types. */
export const DATA_TYPES = Object.freeze([
  "bool",
  "int8",
  "int16",
  "int32",
  "int64",
  "uint8",
  "uint16",
  "uint32",
  "uint64",
  "float32",
  "float64",
  "string",
  "date",
  "datetime",
  "time",
  "duration",
  "binary",
] as const);
export type DataTypeName = (typeof DATA_TYPES)[number];

/**
 * A bucket's declared columns, in order.
 *
 * @example
 * ```ts
 * provider.bucket({ bucket: "acme", path: "sales.parquet", schema: { id: "int64", amount: "float64" } });
 * ```
 */
export type Schema = Readonly<Record<string, DataTypeName>>;

/** Checks a user schema and returns a frozen copy. */
export function checkSchema(schema: unknown, bucketId: string): Schema {
  const subject = { kind: "bucket", name: bucketId } as const;
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) {
    throw new GlacierError("INVALID_SCHEMA", "schema must be an object of column name to type.", {
      subject,
      hint: `Write e.g. schema: { id: "int64", amount: "float64" }.`,
    });
  }
  const entries = Object.entries(schema);
  if (entries.length === 0) {
    throw new GlacierError("INVALID_SCHEMA", "schema declares no columns.", {
      subject,
      hint: "Declare at least one column, or leave schema out.",
    });
  }
  for (const [column, type] of entries) {
    if (!(DATA_TYPES as readonly unknown[]).includes(type)) {
      throw new GlacierError(
        "INVALID_SCHEMA",
        `column "${column}" has unknown type ${JSON.stringify(type)}.`,
        {
          subject,
          hint: `Use one of: ${DATA_TYPES.join(", ")}.`,
        },
      );
    }
  }
  return Object.freeze(Object.fromEntries(entries)) as Schema;
}
