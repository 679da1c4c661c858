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
