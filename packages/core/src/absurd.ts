/**
 * The default branch of an exhaustive `switch` over a closed union: `value` has type `never` when every case is
 * handled, so a new member (an executor kind, a format, a status) is a compile error at every switch until it is
 * handled. At run time it is reached only by a value the types did not foresee (a JavaScript caller, a newer
 * record, another copy of a package), and throws an Error naming it rather than carrying on with it.
 *
 * @example
 * ```ts
 * switch (executor.kind) {
 *   case "local": return "in-process";
 *   case "serverless": return "lambda";
 *   case "spark": return "emr-serverless";
 *   default: return absurd(executor, "executor");
 * }
 * // with a new kind "container": error TS2345: Argument of type '{ kind: "container"; … }' is not
 * //   assignable to parameter of type 'never'.
 * ```
 */
export function absurd(value: never, what = "value"): never {
  throw new Error(`unexpected ${what} ${describe(value)}: this version of Glacier does not handle it.`);
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
