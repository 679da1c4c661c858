import { shortHash } from "./stable-id.js";

/**
 * Where writers stage an output before committing it: one definition for every interpreter (the local
 * executor's S3 writes, the Lambda handler, the Spark driver) and for the IAM policies `generate` writes, so
 * the keys a step writes and the keys its role may write are the same by construction.
 *
 * Each step owns one prefix, `.glacier-tmp/<step token>/`, and stages run `r`'s copy of its output under
 * `.glacier-tmp/<step token>/<r>/<output key>`. The token holds no `/`, `*` or `?`, so the IAM grant
 * `.glacier-tmp/<step token>/*` (IAM's `*` spans `/`) cannot match a key of another step, however the two
 * steps' output keys nest.
 */

/** The prefix of every staged object, in the output's own bucket (a lifecycle rule expires leftovers). */
export const STAGING_PREFIX = ".glacier-tmp/";

/**
 * A step's token in staging keys: its name (letters, digits, `_`, `-`) and 12 hex digits of its id (a task may
 * write several outputs, so the name alone is not unique).
 *
 * @example
 * ```ts
 * stagingToken("cleanSales->acme/clean/sales.parquet") // "cleanSales-5b0e1c7d2a94"
 * ```
 */
export function stagingToken(stepId: string): string {
  const name = stepId.split("->")[0] ?? "";
  const safe = name.replace(/[^A-Za-z0-9_-]+/g, "-").slice(0, 64) || "step";
  return `${safe}-${shortHash(stepId, 12)}`;
}

/**
 * The prefix a step stages under: `.glacier-tmp/<step token>/`. Its IAM grants are `<this>*`.
 *
 * @example
 * ```ts
 * stepStagingPrefix("cleanSales->acme/clean/sales.parquet") // ".glacier-tmp/cleanSales-5b0e1c7d2a94/"
 * ```
 */
/**
 * The step id whose staging prefix a step writes under: the declared step's for a partition unit, so every
 * partition of a step stages where that step's one role may write.
 *
 * @example
 * ```ts
 * stagingStepId({ id: "clean->acme/clean/2026-12-01.parquet", partition: { stepId: "clean->acme/clean/{day}.parquet" } })
 * // "clean->acme/clean/{day}.parquet"
 * ```
 */
export function stagingStepId(step: {
  readonly id: string;
  readonly partition?: { readonly stepId: string };
}): string {
  return step.partition?.stepId ?? step.id;
}

/**
 * The staging prefix of a step (`.glacier-tmp/<step token>/`): the prefix its role may write besides its
 * output.
 */
export function stepStagingPrefix(stepId: string): string {
  return `${STAGING_PREFIX}${stagingToken(stepId)}/`;
}

/**
 * The key under which run `runToken` of a step stages `key` (a Spark job stages a directory of that name).
 *
 * @example
 * ```ts
 * stagingKey("cleanSales->acme/clean/sales.parquet", "20240131T120000Z-3f2a", "clean/sales.parquet")
 * // ".glacier-tmp/cleanSales-5b0e1c7d2a94/20240131T120000Z-3f2a/clean/sales.parquet"
 * ```
 */
export function stagingKey(stepId: string, runToken: string, key: string): string {
  if (runToken === "" || /[/*?]/.test(runToken)) {
    throw new Error(`staging run token ${JSON.stringify(runToken)} must be non-empty, without / * or ?`);
  }
  return `${stepStagingPrefix(stepId)}${runToken}/${key}`;
}
