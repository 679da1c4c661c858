import { createHash } from "node:crypto";

/** A short, stable content hash (hex sha256 prefix). Used for code fingerprints and ids, never random. */
export function shortHash(text: string, length = 12): string {
  return createHash("sha256").update(text).digest("hex").slice(0, length);
}

/** JSON with sorted object keys, so equal values hash equally whatever order their keys were written in. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

/** Deep-freezes plain data (nodes are immutable after creation). Functions are left as they are. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** A name safe in identifiers of Mermaid, DOT and Terraform: `[A-Za-z0-9_]`. */
export function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9]+/g, "_").replace(/^_+|_+$/g, "") || "_";
}
