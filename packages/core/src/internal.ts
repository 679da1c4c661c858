/**
 * `@glacier/core/internal`: what interpreters (local, cloud, Terraform, analyze, the CLI) share and users should
 * not import — graph walking, parameter resolution, the retry policy, dataset file matching, executor rules,
 * stable ids, staging keys, formatting, `absurd`. Not covered by semver: it changes with the interpreters that
 * use it. The user DSL is the package index (`@glacier/core`).
 */
export { absurd } from "./absurd.js";
export { datasetMatcher, datasetRoot, isDataFile } from "./dataset-files.js";
export { executorRuleProblem, executorRuns } from "./executor-rules.js";
export { FILE_EXTENSIONS, isDatasetPath } from "./formats.js";
export { inputBuckets, stepInputs, stepKey } from "./nodes.js";
export { mergeParamSpecs, resolveParams } from "./params.js";
export { importInterpreter } from "./run.js";
export {
  isRetryable,
  NON_RETRYABLE_CODES,
  RETRY_POLICY,
  retryAttempts,
  retryCeilingMs,
  retryDelayMs,
  type RetryJitter,
  type RetryPolicy,
} from "./retry-policy.js";
export { canonicalJson, shortHash, slug } from "./stable-id.js";
export { STAGING_PREFIX, stagingKey, stagingStepId, stagingToken, stepStagingPrefix } from "./staging.js";
export { emrReleaseAtLeast, emrReleaseVersion, nearestEmrReleases } from "./aws-releases.js";
export { formatBytes, formatCount } from "./format.js";
export { destructuredKeys } from "./task-inputs.js";
export {
  CHECK_SAMPLE_ROWS,
  CHECKED_VIEW,
  checkMessage,
  compileCheck,
  failingWhere,
  sqlIdentifier,
  sqlLiteral,
  type CompiledCheck,
} from "./check-sql.js";
