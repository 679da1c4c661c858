/** Human formatting shared by the text and Markdown renderers. */

/**
 * USD with three significant digits below a dollar, cents above: `$0.0000716`, `$0.412`, `$12.40`.
 *
 * @example
 * ```ts
 * usd(0.00007163); // "$0.0000716"
 * usd(-0.5);       // "-$0.500"
 * ```
 */
export function usd(value: number | null): string {
  if (value === null) return "unknown";
  if (value === 0) return "$0";
  const sign = value < 0 ? "-" : "";
  const v = Math.abs(value);
  const decimals = v >= 1 ? 2 : Math.min(10, -Math.floor(Math.log10(v)) + 2);
  return `${sign}$${v.toFixed(decimals)}`;
}

/** A signed USD delta: `+$0.0120`, `-$1.20`, `$0`. */
export function usdDelta(value: number): string {
  return value > 0 ? `+${usd(value)}` : usd(value);
}

/**
 * Bytes in binary units with one decimal.
 *
 * @example
 * ```ts
 * bytes(152_344); // "148.8 KiB"
 * ```
 */
export function bytes(value: number | null): string {
  if (value === null) return "unknown";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = value;
  let unit = 0;
  while (v >= 1024 && unit < units.length - 1) {
    v /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${v.toFixed(1)} ${units[unit]}`;
}

/**
 * Seconds as `2.0 s`, `3 min 20 s`, `1 h 05 min`.
 *
 * @example
 * ```ts
 * seconds(200); // "3 min 20 s"
 * ```
 */
export function seconds(value: number | null): string {
  if (value === null) return "unknown";
  if (value < 60) return `${value.toFixed(1)} s`;
  const s = Math.round(value);
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
}

/** Left-aligned columns separated by two spaces; the last column is not padded. */
export function columns(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd(),
  );
}
