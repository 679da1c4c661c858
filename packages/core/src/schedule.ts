import { GlacierError, type ErrorSubject } from "./errors.js";

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;

/** Allowed characters per field of an EventBridge cron expression. */
const CRON_FIELDS: readonly (readonly [string, RegExp])[] = [
  ["minutes", /^[0-9,\-*/]+$/],
  ["hours", /^[0-9,\-*/]+$/],
  ["day-of-month", /^([0-9,\-*/?W]|L)+$/],
  ["month", /^([0-9,\-*/]|JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)+$/i],
  ["day-of-week", /^([0-9,\-*/?#]|L|SUN|MON|TUE|WED|THU|FRI|SAT)+$/i],
  ["year", /^[0-9,\-*/]+$/],
];

/** What is wrong with an EventBridge schedule expression, or null when it is valid. */
function scheduleProblem(expression: string): string | null {
  const rate = RATE.exec(expression);
  if (rate) {
    const value = Number(rate[1]);
    const singular = !(rate[2] as string).endsWith("s");
    if (value < 1) return "a rate must be at least 1";
    if (value === 1 && !singular) return `write rate(1 ${(rate[2] as string).slice(0, -1)})`;
    if (value > 1 && singular) return `write rate(${value} ${rate[2] as string}s)`;
    return null;
  }
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (!cron) return "it is neither cron(…) nor rate(…)";
  const fields = (cron[1] as string).trim().split(/\s+/);
  if (fields.length !== 6)
    return `a cron expression has 6 fields (minutes hours day-of-month month day-of-week year), this one has ${fields.length}`;
  for (const [i, [name, allowed]] of CRON_FIELDS.entries()) {
    if (!allowed.test(fields[i] as string)) return `its ${name} field "${fields[i]}" is not valid`;
  }
  if ((fields[2] === "?") === (fields[4] === "?")) {
    return "exactly one of day-of-month and day-of-week must be ?";
  }
  return null;
}

/**
 * @internal Checks an EventBridge Scheduler expression: `rate(5 minutes)`, `rate(1 day)` or a six-field
 * `cron(0 6 * * ? *)`.
 */
export function checkSchedule(expression: unknown, subject: ErrorSubject): string {
  const problem = typeof expression === "string" ? scheduleProblem(expression.trim()) : "it is not a string";
  if (problem !== null) {
    throw new GlacierError(
      "INVALID_OPTION",
      `schedule ${JSON.stringify(expression)} is not valid: ${problem}.`,
      {
        subject,
        hint: `Use an EventBridge expression such as "rate(1 day)" or "cron(0 6 * * ? *)" (06:00 UTC daily).`,
      },
    );
  }
  return (expression as string).trim();
}
