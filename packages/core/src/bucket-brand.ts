/** The brand that marks a Bucket; a symbol from the global registry, so two copies of core agree. */
export const BUCKET_BRAND = Symbol.for("glacier.bucket");

/** True for a Bucket from any copy of `@glacier/core` (a user module and the CLI may load two). */
export function isBucketLike(value: unknown): boolean {
  return (
    typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[BUCKET_BRAND] === true
  );
}
