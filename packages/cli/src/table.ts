/** Displayed width of a string: ANSI colour codes take no room. */
function width(text: string): number {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, "").length;
}

/**
 * Aligns rows into columns for the terminal (two spaces apart, last column unpadded). Numbers are right-aligned
 * when `align` says so. Twenty lines of padding do not justify a table dependency.
 *
 * @example
 * ```ts
 * formatTable([["step", "status"], ["cleanSales", "succeeded"]]);
 * // "step        status\ncleanSales  succeeded"
 * ```
 */
export function formatTable(
  rows: readonly (readonly string[])[],
  align: readonly ("left" | "right")[] = [],
): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, width(cell))));
  return rows
    .map((row) =>
      row
        .map((cell, i) => {
          const pad = " ".repeat((widths[i] ?? 0) - width(cell));
          if (align[i] === "right") return pad + cell;
          return i === row.length - 1 ? cell : cell + pad;
        })
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
