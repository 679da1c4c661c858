import { GlacierError, shown, type ErrorSubject } from "./errors.js";
import { canonicalJson } from "./stable-id.js";

/** The kinds of partition scheme: three calendar grains and a closed list of values. */
export const PARTITION_KINDS = Object.freeze(["daily", "hourly", "monthly", "values"] as const);
export type PartitionKind = (typeof PARTITION_KINDS)[number];

/**
 * How a bucket is split into partitions: plain, frozen data recorded on the bucket node. The `key` names the
 * placeholder of the bucket's path (`{day}`); a partition's key value replaces it.
 *
 * @example
 * ```ts
 * daily({ start: "2026-01-01" });
 * // { kind: "daily", key: "day", start: "2026-01-01" }
 * values(["eu", "us"], { key: "region" });
 * // { kind: "values", key: "region", values: ["eu", "us"] }
 * ```
 */
export interface PartitionScheme<K extends PartitionKind = PartitionKind> {
  readonly kind: K;
  /** The placeholder's name in the path: `day`, `hour`, `month`, or the one given. */
  readonly key: string;
  /** First partition (calendar schemes): `2026-01-01`, `2026-01-01T00`, `2026-01`. */
  readonly start?: string;
  /** Last partition (calendar schemes); without it the range ends at the current period (UTC). */
  readonly end?: string;
  /** The partitions of a `values` scheme, in order. */
  readonly values?: readonly string[];
}

/** Options of {@link daily}, {@link hourly} and {@link monthly}. */
export interface CalendarPartitionOptions {
  /** The first partition, in the scheme's key format. */
  readonly start: string;
  /** The last partition; leave it out to end at the current day/hour/month (UTC). */
  readonly end?: string;
  /** The placeholder's name (default `day`, `hour`, `month`). */
  readonly key?: string;
}

const KEY_FORMAT = {
  daily: { pattern: /^(\d{4})-(\d{2})-(\d{2})$/, example: "2026-12-01", name: "day" },
  hourly: { pattern: /^(\d{4})-(\d{2})-(\d{2})T(\d{2})$/, example: "2026-12-01T13", name: "hour" },
  monthly: { pattern: /^(\d{4})-(\d{2})$/, example: "2026-12", name: "month" },
} as const;
type CalendarKind = keyof typeof KEY_FORMAT;

const KEY_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,31}$/;
/** A `values` value becomes a path segment: no separators, no placeholders, no globs. */
const VALUE = /^[A-Za-z0-9][A-Za-z0-9._=-]{0,127}$/;

function partitionError(message: string, hint: string, subject?: ErrorSubject): GlacierError {
  return new GlacierError("INVALID_PARTITION", message, { ...(subject ? { subject } : {}), hint });
}

/** The instant a calendar key starts at (UTC), or null when the text is not a real key of that kind. */
function instantOf(kind: CalendarKind, key: string): Date | null {
  const match = KEY_FORMAT[kind].pattern.exec(key);
  if (!match) return null;
  const [, y, m, d = "01", h = "00"] = match;
  const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d), Number(h)));
  // Date.UTC rolls 2026-02-30 over to March: a key that does not read back as itself is not a real date.
  return keyAt(kind, date) === key ? date : null;
}

/** The key of the period holding `date` (UTC). */
function keyAt(kind: CalendarKind, date: Date): string {
  const iso = date.toISOString();
  return kind === "daily"
    ? iso.slice(0, 10)
    : kind === "hourly"
      ? `${iso.slice(0, 10)}T${iso.slice(11, 13)}`
      : iso.slice(0, 7);
}

/** The key `by` periods after `key` (before it, when negative). */
function shiftKey(kind: CalendarKind, key: string, by: number): string {
  const date = instantOf(kind, key) as Date;
  if (kind === "daily") date.setUTCDate(date.getUTCDate() + by);
  else if (kind === "hourly") date.setUTCHours(date.getUTCHours() + by);
  else date.setUTCMonth(date.getUTCMonth() + by);
  return keyAt(kind, date);
}

/** The key after `key`. */
function nextKey(kind: CalendarKind, key: string): string {
  return shiftKey(kind, key, 1);
}

function calendar(kind: CalendarKind, options: CalendarPartitionOptions): PartitionScheme {
  const { example, name } = KEY_FORMAT[kind];
  const subject = { kind: "option", name: `${kind}()` } as const;
  if (typeof options !== "object" || options === null) {
    throw partitionError(`${kind}() needs { start }.`, `Write ${kind}({ start: "${example}" }).`, subject);
  }
  const key = options.key ?? name;
  if (typeof key !== "string" || !KEY_NAME.test(key)) {
    throw partitionError(
      `the key name ${shown(key)} is not an identifier.`,
      `Use letters, digits and _ (e.g. key: "${name}"); it is the {${name}} placeholder in the path.`,
      subject,
    );
  }
  for (const field of ["start", "end"] as const) {
    const value = options[field];
    if (field === "end" && value === undefined) continue;
    if (typeof value !== "string" || instantOf(kind, value) === null) {
      throw partitionError(
        `${field} ${shown(value)} is not a ${kind} key.`,
        `Write ${field}: "${example}" (UTC).`,
        subject,
      );
    }
  }
  if (options.end !== undefined && options.end < options.start) {
    throw partitionError(
      `end "${options.end}" is before start "${options.start}".`,
      "Give an end on or after the start, or leave it out to end at the current period.",
      subject,
    );
  }
  return Object.freeze({
    kind,
    key,
    start: options.start,
    ...(options.end === undefined ? {} : { end: options.end }),
  });
}

/**
 * One partition per UTC day, keyed `YYYY-MM-DD`, placeholder `{day}`.
 *
 * @example
 * ```ts
 * provider.bucket({ bucket: "acme", path: "events/day={day}/", format: "parquet",
 *                   partitions: daily({ start: "2026-01-01" }) });
 * // partition 2026-12-01 lives at s3://acme/events/day=2026-12-01/
 * ```
 */
export function daily(options: CalendarPartitionOptions): PartitionScheme<"daily"> {
  return calendar("daily", options) as PartitionScheme<"daily">;
}

/** One partition per UTC hour, keyed `YYYY-MM-DDTHH`, placeholder `{hour}`. */
export function hourly(options: CalendarPartitionOptions): PartitionScheme<"hourly"> {
  return calendar("hourly", options) as PartitionScheme<"hourly">;
}

/** One partition per UTC month, keyed `YYYY-MM`, placeholder `{month}`. */
export function monthly(options: CalendarPartitionOptions): PartitionScheme<"monthly"> {
  return calendar("monthly", options) as PartitionScheme<"monthly">;
}

/**
 * One partition per listed value, placeholder `{key}` (or the name given).
 *
 * @example
 * ```ts
 * provider.bucket({ bucket: "acme", path: "sales/{region}.parquet", partitions: values(["eu", "us"], { key: "region" }) });
 * // partitions: s3://acme/sales/eu.parquet, s3://acme/sales/us.parquet
 * ```
 */
export function values(
  list: readonly string[],
  options: { readonly key?: string } = {},
): PartitionScheme<"values"> {
  const subject = { kind: "option", name: "values()" } as const;
  if (!Array.isArray(list) || list.length === 0) {
    throw partitionError("values() needs a non-empty list.", 'Write values(["eu", "us"]).', subject);
  }
  for (const value of list) {
    if (typeof value !== "string" || !VALUE.test(value)) {
      throw partitionError(
        `${shown(value)} cannot be a partition value.`,
        "Use letters, digits, ., _, = and - (a value becomes part of a path), starting with a letter or digit.",
        subject,
      );
    }
  }
  const duplicate = list.find((v, i) => list.indexOf(v) !== i);
  if (duplicate !== undefined) {
    throw partitionError(`"${duplicate}" is listed twice.`, "List each value once.", subject);
  }
  const key = options.key ?? "key";
  if (typeof key !== "string" || !KEY_NAME.test(key)) {
    throw partitionError(
      `the key name ${shown(key)} is not an identifier.`,
      'Use letters, digits and _ (e.g. key: "region").',
      subject,
    );
  }
  return Object.freeze({
    kind: "values",
    key,
    values: Object.freeze([...list]),
  }) as PartitionScheme<"values">;
}

/** @internal Checks a scheme given to `provider.bucket` by a JavaScript caller (not made by daily()/…). */
export function checkScheme(value: unknown, subject: ErrorSubject): PartitionScheme {
  const scheme = value as PartitionScheme | null;
  if (typeof scheme !== "object" || scheme === null || !PARTITION_KINDS.includes(scheme.kind)) {
    throw partitionError(
      `partitions must be daily(…), hourly(…), monthly(…) or values([…]), got ${shown(value)}.`,
      'Import the scheme from @glacier/core: partitions: daily({ start: "2026-01-01" }).',
      subject,
    );
  }
  // Rebuilt through its constructor, so a hand-written object is checked like one from daily().
  return scheme.kind === "values"
    ? values(scheme.values ?? [], { key: scheme.key })
    : calendar(scheme.kind, {
        start: scheme.start as string,
        key: scheme.key,
        ...(scheme.end === undefined ? {} : { end: scheme.end }),
      });
}

/** True when two schemes partition alike (same kind, key, range or values). */
export function sameScheme(a: PartitionScheme, b: PartitionScheme): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** How a scheme reads in a message: `daily from 2026-01-01 ({day})`. */
export function describeScheme(scheme: PartitionScheme): string {
  if (scheme.kind === "values") return `values [${(scheme.values ?? []).join(", ")}] ({${scheme.key}})`;
  return `${scheme.kind} from ${scheme.start}${scheme.end ? ` to ${scheme.end}` : ""} ({${scheme.key}})`;
}

/** The scheme's last key: its `end`, else the period holding `now`; every value for `values`. */
function lastKey(scheme: PartitionScheme, now: Date): string {
  const kind = scheme.kind as CalendarKind;
  return scheme.end ?? keyAt(kind, now);
}

/**
 * Checks one partition key against a scheme: it has the scheme's format (or is one of its values) and lies in
 * its range. Throws INVALID_PARTITION naming the bucket, the key and the range.
 */
export function checkPartitionKey(
  scheme: PartitionScheme,
  key: string,
  subject: ErrorSubject,
  now: Date = new Date(),
): string {
  if (scheme.kind === "values") {
    if (!(scheme.values ?? []).includes(key)) {
      throw partitionError(
        `"${key}" is not one of its partitions (${(scheme.values ?? []).join(", ")}).`,
        "Pass one of the listed values to --partition, or add it to values([…]).",
        subject,
      );
    }
    return key;
  }
  const { example } = KEY_FORMAT[scheme.kind];
  if (instantOf(scheme.kind, key) === null) {
    throw partitionError(
      `"${key}" is not a ${scheme.kind} partition key.`,
      `Write it as ${example} (UTC).`,
      subject,
    );
  }
  const last = lastKey(scheme, now);
  if (key < (scheme.start as string) || key > last) {
    throw partitionError(
      `partition "${key}" is outside its range ${scheme.start}..${last}.`,
      scheme.end
        ? `Pass a key from ${scheme.start} to ${scheme.end}, or widen the scheme's start/end.`
        : `Pass a key from ${scheme.start} to the current period (${last}), or move the scheme's start.`,
      subject,
    );
  }
  return key;
}

/**
 * The keys of a selection: `"2026-12-01"` (one), `"2026-12-01..2026-12-07"` (inclusive range) or, without a
 * selection, every key of the scheme up to its end or the current period. Each end is checked.
 *
 * @example
 * ```ts
 * partitionKeys(daily({ start: "2026-01-01" }), "2026-12-30..2027-01-01", subject, new Date("2027-02-01"));
 * // ["2026-12-30", "2026-12-31", "2027-01-01"]
 * ```
 */
export function partitionKeys(
  scheme: PartitionScheme,
  selection: string | undefined,
  subject: ErrorSubject,
  now: Date = new Date(),
): readonly string[] {
  if (selection === undefined) {
    if (scheme.kind === "values") return scheme.values ?? [];
    return rangeKeys(scheme.kind, scheme.start as string, lastKey(scheme, now));
  }
  const parts = selection.split("..");
  if (parts.length > 2 || parts.some((p) => p === "")) {
    throw partitionError(
      `--partition ${JSON.stringify(selection)} is neither a key nor a range.`,
      "Pass one key (2026-12-01) or an inclusive range (2026-12-01..2026-12-07).",
      subject,
    );
  }
  const [from, to = from] = parts as [string, string?];
  checkPartitionKey(scheme, from, subject, now);
  checkPartitionKey(scheme, to, subject, now);
  if (scheme.kind === "values") {
    const all = scheme.values ?? [];
    const [i, j] = [all.indexOf(from), all.indexOf(to)];
    if (j < i) throw reversed(from, to, subject);
    return all.slice(i, j + 1);
  }
  if (to < from) throw reversed(from, to, subject);
  return rangeKeys(scheme.kind, from, to);
}

function reversed(from: string, to: string, subject: ErrorSubject): GlacierError {
  return partitionError(
    `the range ${from}..${to} ends before it starts.`,
    `Write the earlier key first: ${to}..${from}.`,
    subject,
  );
}

function rangeKeys(kind: CalendarKind, from: string, to: string): string[] {
  const keys: string[] = [];
  for (let key = from; key <= to; key = nextKey(kind, key)) keys.push(key);
  return keys;
}

/** The latest key of a scheme now (what a schedule runs): its end or the current period; every value for `values`. */
export function latestPartitions(scheme: PartitionScheme, now: Date = new Date()): readonly string[] {
  if (scheme.kind === "values") return scheme.values ?? [];
  const last = lastKey(scheme, now);
  return last < (scheme.start as string) ? [] : [last];
}

const RELATIVE = /^latest(?:-([1-9][0-9]*))?$/;

/**
 * A key relative to the latest, as a scheduled execution names it: `"latest"`, or `"latest-<lag>"` for `lag`
 * periods before it. The function resolves it when it runs ({@link resolveRelativeKey}).
 */
export function relativeKey(lag: number): string {
  return lag === 0 ? "latest" : `latest-${lag}`;
}

/**
 * A partition key as an execution gives it, resolved: `"latest"` is the scheme's latest key now, `"latest-2"`
 * the key two periods before it (undefined when that is before the scheme's start, or the scheme has no
 * partition yet); any other key is returned as given (check it with {@link checkPartitionKey}).
 *
 * @example
 * ```ts
 * resolveRelativeKey(daily({ start: "2026-01-01" }), "latest-1", new Date("2026-12-07T06:00:00Z"));
 * // "2026-12-06"
 * ```
 */
export function resolveRelativeKey(
  scheme: PartitionScheme,
  key: string,
  now: Date = new Date(),
): string | undefined {
  const relative = RELATIVE.exec(key);
  if (!relative) return key;
  const latest = latestPartitions(scheme, now).at(-1);
  const lag = Number(relative[1] ?? 0);
  if (latest === undefined || lag === 0 || scheme.kind === "values") return lag === 0 ? latest : undefined;
  const shifted = shiftKey(scheme.kind, latest, -lag);
  return shifted < (scheme.start as string) ? undefined : shifted;
}

/** The placeholder of a scheme in a path: `{day}`. */
export function placeholderOf(scheme: PartitionScheme): string {
  return `{${scheme.key}}`;
}

/** A partitioned path with its placeholder replaced: `events/day={day}/` → `events/day=2026-12-01/`. */
export function partitionPath(path: string, scheme: PartitionScheme, key: string): string {
  return path.split(placeholderOf(scheme)).join(key);
}

/**
 * The glob of every partition of a partitioned path, what a step reading all of them scans:
 * `events/{day}.parquet` → `events/*.parquet`, `events/day={day}/` → `events/day=*\/**\/*.parquet`.
 */
export function allPartitionsPath(path: string, scheme: PartitionScheme, extension: string): string {
  const glob = path.split(placeholderOf(scheme)).join("*");
  return glob.endsWith("/") ? `${glob}**/*.${extension}` : glob;
}

/** @internal Checks a partitioned bucket's path: it holds the placeholder, and no other `{…}`. */
export function checkPartitionedPath(path: string, scheme: PartitionScheme, subject: ErrorSubject): void {
  const placeholder = placeholderOf(scheme);
  if (!path.includes(placeholder)) {
    throw partitionError(
      `path "${path}" has no ${placeholder} placeholder for its ${scheme.kind} partitions.`,
      `Put the key in the path, e.g. "events/${scheme.key}=${placeholder}/" or "events/${placeholder}.parquet".`,
      subject,
    );
  }
  const other = path
    .split(placeholder)
    .join("")
    .match(/\{[^}]*\}?/);
  if (other) {
    throw partitionError(
      `path "${path}" has the placeholder ${other[0]}, but its partition key is ${placeholder}.`,
      `Use ${placeholder} (or name the key: ${scheme.kind === "values" ? "values([…], { key })" : `${scheme.kind}({ start, key })`}).`,
      subject,
    );
  }
  if (/[*?[]/.test(path)) {
    throw partitionError(
      `path "${path}" is both a glob and partitioned.`,
      `A partition is one file or directory: write "events/${placeholder}.parquet" or "events/day=${placeholder}/".`,
      subject,
    );
  }
}
