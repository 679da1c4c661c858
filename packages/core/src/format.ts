/**
 * `61.2 kB`: a byte count in decimal units, as run summaries and progress views show sizes.
 *
 * @example
 * ```ts
 * formatBytes(61_234); // "61.2 kB"
 * formatBytes(512); // "512 B"
 * ```
 */
export function formatBytes(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/**
 * `1 step`, `3 steps`, `12,345 rows`: a count with its noun, singular only for exactly one. Every summary line
 * that counts something says it this way.
 *
 * @example
 * ```ts
 * formatCount(1, "step"); // "1 step"
 * formatCount(12345, "row"); // "12,345 rows"
 * formatCount(2, "entry", "entries"); // "2 entries"
 * ```
 */
export function formatCount(count: number, noun: string, plural = `${noun}s`): string {
  return `${count.toLocaleString("en-US")} ${count === 1 ? noun : plural}`;
}
