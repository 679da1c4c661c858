import { GlacierError, type ErrorSubject } from "./errors.js";
import type { StepNode } from "./nodes.js";
import { relativeKey } from "./partitions.js";

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

/**
 * Which partitions a scheduled run of a partitioned pipeline processes: `"latest"` (the scheme's current
 * period, the default), `"previous"` (the one before it: yesterday for a daily scheme), or `{ lag, count }`:
 * `count` partitions (default 1) ending `lag` periods before the latest.
 */
export type SchedulePartition = "latest" | "previous" | { readonly lag: number; readonly count?: number };

/** `withSchedule`'s options. */
export interface ScheduleOptions {
  /** The partitions each scheduled run processes (a partitioned pipeline only). Default: `"latest"`. */
  readonly partition?: SchedulePartition;
}

/** The most partitions one scheduled run may name: a bigger backfill is `glacier backfill`'s job. */
export const MAX_SCHEDULED_PARTITIONS = 1000;

/**
 * @internal Checks `withSchedule`'s options against the pipeline's steps, and returns the relative keys the
 * schedule's execution input carries (`["latest-1"]` for `"previous"`), or undefined for the default.
 */
export function checkScheduleOptions(
  options: unknown,
  lineage: readonly StepNode[],
  subject: ErrorSubject,
): readonly string[] | undefined {
  if (options === undefined) return undefined;
  const fail = (message: string, hint: string): never => {
    throw new GlacierError("INVALID_OPTION", message, { subject, hint });
  };
  const shape =
    'Write { partition: "latest" }, { partition: "previous" } or { partition: { lag: 1, count: 3 } }.';
  if (typeof options !== "object" || options === null || Array.isArray(options))
    fail(`withSchedule's options ${JSON.stringify(options)} are not an object.`, shape);
  const unknown = Object.keys(options as object).filter((k) => k !== "partition");
  if (unknown.length > 0)
    fail(`withSchedule has no option ${unknown.map((k) => `"${k}"`).join(", ")}.`, shape);
  const partition = (options as ScheduleOptions).partition;
  if (partition === undefined) return undefined;
  const schemes = lineage.flatMap((s) => (s.output.partitions ? [s.output.partitions] : []));
  if (schemes.length === 0) {
    fail(
      `withSchedule's partition option: the pipeline has no partitioned step, so a run has no partition to choose.`,
      "Leave the partition option out, or partition the pipeline's buckets (partitions: daily({ start })).",
    );
  }
  let lag: number;
  let count = 1;
  if (partition === "latest") lag = 0;
  else if (partition === "previous") lag = 1;
  else if (typeof partition === "object" && partition !== null && !Array.isArray(partition)) {
    const extra = Object.keys(partition).filter((k) => k !== "lag" && k !== "count");
    if (extra.length > 0)
      fail(`withSchedule's partition has no field ${extra.map((k) => `"${k}"`).join(", ")}.`, shape);
    lag = partition.lag;
    count = partition.count ?? 1;
    if (!Number.isInteger(lag) || lag < 0)
      fail(
        `withSchedule's partition lag ${JSON.stringify(lag)} is not a whole number ≥ 0.`,
        "Write { lag: 1 } for the partition before the latest.",
      );
    if (!Number.isInteger(count) || count < 1 || count > MAX_SCHEDULED_PARTITIONS)
      fail(
        `withSchedule's partition count ${JSON.stringify(count)} is not a whole number from 1 to ${MAX_SCHEDULED_PARTITIONS}.`,
        "Write { lag: 1, count: 3 } for the three partitions before the latest; backfill more with glacier backfill.",
      );
  } else {
    return fail(`withSchedule's partition ${JSON.stringify(partition)} is not a partition choice.`, shape);
  }
  const byValue = schemes.find((s) => s.kind === "values");
  if (byValue && (lag > 0 || count > 1)) {
    fail(
      `withSchedule's partition: the pipeline is partitioned by values (${(byValue.values ?? []).join(", ")}), which have no order to count back in.`,
      'Leave the partition option out, or write { partition: "latest" }.',
    );
  }
  return Array.from({ length: count }, (_, i) => relativeKey(lag + count - 1 - i));
}
