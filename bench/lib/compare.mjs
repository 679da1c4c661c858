/**
 * Cross-checks the variants' results: they must agree on the intermediate row counts and on the final
 * aggregate, or the benchmark compares different work and must stop.
 *
 * Counts and units are integers and must be equal. Revenue is a float sum whose last bits depend on summation
 * order, so it may differ by a relative 1e-9; rounded to cents (every input amount has two decimals, so the exact
 * sum is a whole number of cents and float error is ~1e-7 cents) it is exact, which the checksum uses.
 */
import { createHash } from "node:crypto";

const REVENUE_TOLERANCE = 1e-9;

/** A short content checksum of the aggregate (revenue rounded to cents) plus its totals. */
export function checksum(verified) {
  const canonical = verified.summary
    .map((row) => [...row.slice(0, 7), Number(row[7]).toFixed(2)].join("|"))
    .join("\n");
  const totals = verified.summary.reduce(
    (t, row) => ({ orders: t.orders + row[5], units: t.units + row[6], revenue: t.revenue + row[7] }),
    { orders: 0, units: 0, revenue: 0 },
  );
  return {
    sha256: createHash("sha256").update(canonical).digest("hex").slice(0, 16),
    cleanRows: verified.cleanRows,
    enrichedRows: verified.enrichedRows,
    summaryRows: verified.summary.length,
    orders: totals.orders,
    units: totals.units,
    revenue: Number(totals.revenue.toFixed(2)),
  };
}

/** Differences between two verified results (empty when they agree). */
export function differences(reference, candidate) {
  const problems = [];
  for (const key of ["cleanRows", "enrichedRows"]) {
    if (reference[key] !== candidate[key]) problems.push(`${key}: ${candidate[key]} ≠ ${reference[key]}`);
  }
  if (reference.summary.length !== candidate.summary.length) {
    problems.push(`summary rows: ${candidate.summary.length} ≠ ${reference.summary.length}`);
    return problems;
  }
  reference.summary.forEach((want, i) => {
    const got = candidate.summary[i];
    const same =
      want.slice(0, 7).every((v, j) => v === got[j]) &&
      Math.abs(want[7] - got[7]) <= REVENUE_TOLERANCE * Math.max(1, Math.abs(want[7]));
    if (!same && problems.length < 10)
      problems.push(`summary row ${i}: ${JSON.stringify(got)} ≠ ${JSON.stringify(want)}`);
  });
  return problems;
}
