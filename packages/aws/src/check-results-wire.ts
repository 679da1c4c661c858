import type { CheckResult } from "@glacier/core";

/**
 * Check results in a failed step's error message. A failing Lambda invocation answers only `errorType`,
 * `errorMessage` and `trace` (the Node.js runtime serialises nothing else of the error), and Step Functions
 * passes that payload on as the failure's cause, so a CHECK_FAILED step's results travel as the last line of
 * its message: `Glacier check results: <JSON>`. The cloud executor and the Step Functions follower take them
 * out (the message is shown without them) and record them as a local run does.
 */
const MARK = "\nGlacier check results: ";

/** Step Functions keeps a cause of at most 32,768 characters: the results stay well within it. */
const LIMIT = 16_000;

/** True for a value shaped as a check result (what a function or job sent back is checked, not trusted). */
export function isCheckResult(value: unknown): value is CheckResult {
  const r = value as Partial<CheckResult> | null;
  return (
    typeof r === "object" &&
    r !== null &&
    typeof r.name === "string" &&
    typeof r.type === "string" &&
    (r.severity === "blocking" || r.severity === "warn") &&
    (r.status === "passed" || r.status === "failed" || r.status === "error") &&
    typeof r.failing === "number" &&
    typeof r.message === "string" &&
    (r.sample === undefined || Array.isArray(r.sample))
  );
}

/**
 * The message with the results as its last line. Sample rows are left out when they would make it too long
 * for Step Functions' cause (the first line still quotes one per failed check).
 *
 * @example
 * ```ts
 * withCheckResults("check unique(id): 2 rows share 1 value of \"id\" …", results)
 * // 'check unique(id): … \nGlacier check results: [{"name":"unique(id)","status":"failed","failing":2,…}]'
 * ```
 */
export function withCheckResults(message: string, results: readonly CheckResult[]): string {
  let json = JSON.stringify(results);
  if (json.length > LIMIT) json = JSON.stringify(results.map(({ sample: _, ...rest }) => rest));
  if (json.length > LIMIT) {
    json = JSON.stringify(
      results.map(({ sample: _, message: text, ...rest }) => ({ ...rest, message: text.slice(0, 200) })),
    );
  }
  return `${message}${MARK}${json}`;
}

/** The message without its results line, and the results it carried (undefined: none, or not readable). */
export function splitCheckResults(message: string): {
  readonly message: string;
  readonly checks?: readonly CheckResult[];
} {
  const at = message.lastIndexOf(MARK);
  if (at < 0) return { message };
  const rest = message.slice(0, at);
  try {
    const parsed: unknown = JSON.parse(message.slice(at + MARK.length));
    return Array.isArray(parsed) && parsed.every(isCheckResult)
      ? { message: rest, checks: parsed }
      : { message: rest };
  } catch {
    return { message: rest };
  }
}
