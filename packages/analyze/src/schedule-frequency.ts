/**
 * How often an EventBridge Scheduler expression fires in an average month (730 hours, 30.42 days: the
 * convention AWS pricing pages use). Cron fields are counted, not simulated: minutes × hours × days,
 * where days come from day-of-month (a list, or every day) or day-of-week (× 4.35 weeks per month),
 * scaled by the months field. `L`, `W` and `#` count as one day.
 */
export const HOURS_PER_MONTH = 730;
const DAYS_PER_MONTH = HOURS_PER_MONTH / 24;
const WEEKS_PER_MONTH = DAYS_PER_MONTH / 7;

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

function value(token: string, names: readonly string[], offset: number): number {
  const named = names.indexOf(token.toUpperCase());
  return named >= 0 ? named + offset : Number.parseInt(token, 10);
}

/** Distinct values a cron field selects within [min, max]. */
function fieldCount(
  field: string,
  min: number,
  max: number,
  names: readonly string[] = [],
  offset = 0,
): number {
  const selected = new Set<number>();
  for (const part of field.split(",")) {
    const [range = "*", stepText] = part.split("/");
    const step = stepText === undefined ? 1 : Math.max(1, Number.parseInt(stepText, 10));
    let from = min;
    let to = max;
    if (range !== "*" && range !== "?") {
      const [a = "", b] = range.split("-");
      if (/[LW#]/i.test(a) && !names.includes(a.toUpperCase())) {
        selected.add(-selected.size - 1);
        continue;
      }
      from = value(a, names, offset);
      to = b === undefined ? (stepText === undefined ? from : max) : value(b, names, offset);
    }
    for (let v = from; v <= to; v += step) selected.add(v);
  }
  return selected.size;
}

/**
 * Runs per month of a schedule expression, or null when it cannot be read.
 *
 * @example
 * ```ts
 * runsPerMonth("rate(1 day)");          // 30.42
 * runsPerMonth("cron(0 6 * * ? *)");    // 30.42 (06:00 every day)
 * runsPerMonth("cron(0/15 * ? * MON-FRI *)"); // 4 × 24 × 5 × 4.35 = 2085.7
 * ```
 */
export function runsPerMonth(expression: string): number | null {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim());
  if (rate) {
    const n = Number(rate[1]);
    const unit = (rate[2] as string).replace(/s$/, "");
    const perMonth =
      unit === "minute" ? HOURS_PER_MONTH * 60 : unit === "hour" ? HOURS_PER_MONTH : DAYS_PER_MONTH;
    return perMonth / n;
  }
  const cron = /^cron\((.*)\)$/.exec(expression.trim());
  const fields = cron?.[1]?.trim().split(/\s+/);
  if (!fields || fields.length !== 6) return null;
  const [minutes, hours, dom, month, dow] = fields as [string, string, string, string, string, string];
  const perDay = fieldCount(minutes, 0, 59) * fieldCount(hours, 0, 23);
  const days =
    dom === "?"
      ? dow === "*"
        ? DAYS_PER_MONTH
        : fieldCount(dow, 1, 7, DAYS, 1) * WEEKS_PER_MONTH
      : dom === "*"
        ? DAYS_PER_MONTH
        : fieldCount(dom, 1, 31);
  const months = month === "*" ? 1 : fieldCount(month, 1, 12, MONTHS, 1) / 12;
  return perDay * days * months;
}
