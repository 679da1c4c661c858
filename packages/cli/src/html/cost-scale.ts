/** How many colours the cost view uses, cheapest first. */
export const COST_BINS = 5;

/** Dollars as a node label: three significant digits below a cent (`$0.000797`), cents above. */
export function usd(value: number): string {
  if (value === 0) return "$0";
  if (value >= 0.01) return `$${value.toFixed(2)}`;
  return `$${value.toFixed(Math.min(20, 2 - Math.floor(Math.log10(value))))}`;
}

/** A step's colour in the cost view: its bin, or null when its cost is unknown. */
export interface CostScale {
  readonly bin: (value: number | null) => number | null;
  /** One legend entry per bin in use: its bin and the range of costs it covers. */
  readonly legend: readonly { readonly bin: number; readonly label: string }[];
}

/**
 * Bins the steps' costs on a log scale between the cheapest and the dearest, because step costs spread over
 * orders of magnitude (a 10 ms Lambda next to an hour of EMR): equal-width bins would paint all but one step
 * the same. All costs equal (or one step): the middle bin.
 *
 * @example
 * ```ts
 * const scale = costScale([0.0001, 0.001, 0.01]);
 * [scale.bin(0.0001), scale.bin(0.001), scale.bin(0.01)]; // [0, 2, 4]
 * ```
 */
export function costScale(values: readonly (number | null)[]): CostScale {
  const known = values.filter((v): v is number => v !== null && v > 0);
  if (known.length === 0) {
    const zero = values.some((v) => v === 0);
    return { bin: (v) => (v === null ? null : 0), legend: zero ? [{ bin: 0, label: "$0" }] : [] };
  }
  const lo = Math.log(Math.min(...known));
  const hi = Math.log(Math.max(...known));
  if (hi - lo < 1e-9) {
    return {
      bin: (v) => (v === null ? null : v === 0 ? 0 : Math.floor(COST_BINS / 2)),
      legend: [{ bin: Math.floor(COST_BINS / 2), label: usd(Math.exp(lo)) }],
    };
  }
  const step = (hi - lo) / COST_BINS;
  const bin = (v: number | null): number | null =>
    v === null
      ? null
      : v <= 0
        ? 0
        : Math.min(COST_BINS - 1, Math.max(0, Math.floor((Math.log(v) - lo) / step)));
  const legend = Array.from({ length: COST_BINS }, (_, i) => ({
    bin: i,
    label: `${usd(Math.exp(lo + i * step))} – ${usd(Math.exp(lo + (i + 1) * step))}`,
  }));
  return { bin, legend };
}
