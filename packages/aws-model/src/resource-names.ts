import { shortHash, STAGING_PREFIX, stagingKey } from "@glacier/core/internal";

/**
 * The one naming module of Glacier's AWS infrastructure. `generate` names every resource through these
 * functions; the cloud executor (`@glacier/aws`) and `analyze` import them to find the same resources, so the
 * three can never disagree. Pure string functions: no cdktn, no AWS SDK.
 *
 * Names derive from the step's task name and id, the pipeline name or the bucket name — never from an index or
 * a random value — so renaming one step renames only that step's resources.
 */

/** The name prefix when none is given (Terraform variable `name_prefix`). */
export const DEFAULT_NAME_PREFIX = "glacier";

/** AWS's length limits for the names Glacier generates. */
export const NAME_LIMITS = {
  lambdaFunction: 64,
  iamRole: 64,
  stateMachine: 80,
  emrApplication: 64,
  schedule: 64,
  lambdaLayer: 64,
  s3Bucket: 63,
  /** EMR Serverless StartJobRun `name` (1–256, one line). */
  emrJobRunName: 256,
  /** EMR Serverless StartJobRun `clientToken` (1–64 of `[A-Za-z0-9._-]`). */
  emrClientToken: 64,
  /** ECS task definition family and cluster name (1–255 of `[A-Za-z0-9_-]`). */
  ecsName: 255,
} as const;

/** A prefix: lowercase (it is part of the artefacts bucket's name), a letter first. */
export const NAME_PREFIX_PATTERN = /^[a-z][a-z0-9-]*$/;

/**
 * Writers stage an output under this prefix of its bucket and copy it into place when complete, so readers
 * never see half an object. The staging keys themselves (`.glacier-tmp/<step token>/<run token>/<key>`) are
 * defined once, in `@glacier/core` (`stagingKey`, `stepStagingPrefix`), for every executor and for the IAM
 * grants here.
 */
export const ATOMIC_TEMP_PREFIX = STAGING_PREFIX;
/**
 * `cleanSales` → `clean-sales`, `ETL_job2` → `etl-job2`: the form task and pipeline names take in AWS names.
 *
 * @example
 * ```ts
 * kebab("dailyRevenue") // "daily-revenue"
 * ```
 */
export function kebab(text: string): string {
  return text
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1-$2")
    .replace(/[^A-Za-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .toLowerCase();
}

/** A Terraform identifier (`[a-z0-9_]`, a letter first) from a name. */
export function logicalId(text: string): string {
  const id = kebab(text).replace(/-/g, "_");
  return /^[a-z]/.test(id) ? id : `r_${id}`;
}

/** What a step's names are made of; a {@link StepNode} is one. */
export interface NamedStep {
  readonly id: string;
  readonly name: string;
}

/**
 * The part of every name a step owns: its task name in kebab case and 6 hex digits of its id (a task may be
 * applied to several outputs, so the name alone is not unique).
 *
 * @example
 * ```ts
 * stepSuffix({ id: "cleanSales->acme/clean/sales.parquet", name: "cleanSales" }) // "clean-sales-3f2a9c"
 * ```
 */
export function stepSuffix(step: NamedStep): string {
  return `${kebab(step.name)}-${shortHash(step.id, 6)}`;
}

/** Every name and key a step's cloud resources use. */
export interface StepResourceNames {
  /** `clean-sales-3f2a9c`: the step's part of every name. */
  readonly suffix: string;
  /** Terraform resource name shared by the step's resources, e.g. `clean_sales_3f2a9c`. */
  readonly logicalId: string;
  /** Lambda function (serverless steps). */
  readonly functionName: string;
  readonly functionRoleName: string;
  readonly logGroupName: string;
  /** EMR Serverless application (spark steps). */
  readonly applicationName: string;
  readonly jobRoleName: string;
  /** Key of the Spark SQL driver in the artefacts bucket. */
  readonly sparkScriptKey: string;
  /** Prefix of the Spark job's logs in the artefacts bucket. */
  readonly sparkLogPrefix: string;
  /** Key of the function's code bundle in the output directory (`assets/functions/<suffix>.zip`). */
  readonly bundlePath: string;
}

/**
 * @example
 * ```ts
 * stepResourceNames(step, "glacier").functionName // "glacier-clean-sales-3f2a9c"
 * stepResourceNames(step, "glacier").functionRoleName // "glacier-clean-sales-3f2a9c-lambda"
 * ```
 */
export function stepResourceNames(step: NamedStep, prefix: string = DEFAULT_NAME_PREFIX): StepResourceNames {
  const suffix = stepSuffix(step);
  const base = `${prefix}-${suffix}`;
  return {
    suffix,
    logicalId: logicalId(suffix),
    functionName: base,
    functionRoleName: `${base}-lambda`,
    logGroupName: `/aws/lambda/${base}`,
    applicationName: base,
    jobRoleName: `${base}-emr`,
    sparkScriptKey: `glacier/spark/${suffix}.py`,
    sparkLogPrefix: `glacier/logs/spark/${suffix}/`,
    bundlePath: `assets/functions/${suffix}.zip`,
  };
}

/** Every name a pipeline's orchestration uses. */
export interface PipelineResourceNames {
  readonly logicalId: string;
  readonly stateMachineName: string;
  readonly stateMachineRoleName: string;
  readonly scheduleName: string;
  readonly schedulerRoleName: string;
}

/**
 * @example
 * ```ts
 * pipelineResourceNames("sales").stateMachineName // "glacier-sales"
 * ```
 */
export function pipelineResourceNames(
  pipeline: string,
  prefix: string = DEFAULT_NAME_PREFIX,
): PipelineResourceNames {
  const base = `${prefix}-${kebab(pipeline)}`;
  return {
    logicalId: `pipeline_${logicalId(pipeline)}`,
    stateMachineName: base,
    stateMachineRoleName: `${base}-sfn`,
    scheduleName: base,
    schedulerRoleName: `${base}-scheduler`,
  };
}

/** The shared polars layer of one architecture: `glacier-nodejs-polars-x86-64`. */
export function layerName(architecture: "x86_64" | "arm64", prefix: string = DEFAULT_NAME_PREFIX): string {
  return `${prefix}-nodejs-polars-${kebab(architecture)}`;
}

/**
 * The bucket holding Spark scripts, the polars layer, job logs and run records. Globally unique through the
 * account and region, as CDK's bootstrap bucket is.
 *
 * @example
 * ```ts
 * artefactsBucketName("123456789012", "eu-west-1") // "glacier-artefacts-123456789012-eu-west-1"
 * ```
 */
export function artefactsBucketName(
  accountId: string,
  region: string,
  prefix: string = DEFAULT_NAME_PREFIX,
): string {
  return `${prefix}-artefacts-${accountId}-${region}`;
}

/** Key of a run record in the artefacts bucket (written by the cloud executor, read by `glacier runs`). */
export function runRecordKey(runId: string): string {
  return `_glacier/runs/${runId}.json`;
}

/** Terraform resource name of a data bucket: `bucket_acme_data` for `acme-data`. */
export function bucketLogicalId(bucket: string): string {
  return `bucket_${bucket.replace(/[^a-z0-9]+/g, "_")}`;
}

/** The AWS partition of a region: `aws`, `aws-cn` or `aws-us-gov`. */
export function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

/** EMR Serverless's limit and pattern for a job run name (`StartJobRun` `name`: 1–256, `.*\S.*`). */
export const JOB_RUN_NAME_LIMIT = 256;

/**
 * The name of a Spark step's job run: its state name and the run id, with anything outside EMR Serverless's
 * conservative name characters (`[A-Za-z0-9._/#-]`, those of application names) replaced by `-`, at most 256
 * characters. For callers that start job runs themselves (the state machine composes the same name from the
 * execution name, which Step Functions already restricts).
 *
 * @example
 * ```ts
 * sparkJobRunName("regional-summary-4d6523", "2024-01-31 12:00 run") // "regional-summary-4d6523-2024-01-31-12-00-run"
 * ```
 */
export function sparkJobRunName(stateName: string, runId: string): string {
  return `${stateName}-${runId}`.replace(/[^A-Za-z0-9._/#-]+/g, "-").slice(0, JOB_RUN_NAME_LIMIT);
}

/**
 * The key of the marker that tells a Lambda step of run `runId` not to commit its output `key`: the cloud
 * executor writes it when the run is cancelled, the handler looks for it right before its commit. It sits
 * under the step's own staging prefix (core's `stepStagingPrefix`), which the function's role may already
 * read, and outside every staged copy (those are under `<run id>-<random>/`).
 *
 * @example
 * ```ts
 * cancelMarkerKey(step.id, "20240131T120000Z-3f2a", "reports/daily.parquet")
 * // ".glacier-tmp/<step token>/20240131T120000Z-3f2a/reports/daily.parquet.cancelled"
 * ```
 */
export function cancelMarkerKey(stepId: string, runId: string, key: string): string {
  return `${stagingKey(stepId, runId, key)}.cancelled`;
}

/** Characters AWS accepts in an EMR Serverless client token; the job run name is kept to them as well. */
const EMR_TOKEN_CHARS = /[^A-Za-z0-9._-]+/g;

/**
 * The `name` of a spark step's EMR Serverless job run: the step's name part and the run id, in the characters
 * of a client token (AWS allows more; these survive every console, CLI and log path) and within 256.
 *
 * @example
 * ```ts
 * emrJobRunName({ id: "regional->acme/regional.parquet", name: "regionalSummary" }, "20240131T120000Z-3f2a")
 * // "regional-summary-9b1c2d-20240131T120000Z-3f2a"
 * ```
 */
export function emrJobRunName(step: NamedStep, runId: string): string {
  return `${stepSuffix(step)}-${runId}`.replace(EMR_TOKEN_CHARS, "_").slice(0, NAME_LIMITS.emrJobRunName);
}

/**
 * The client token of one attempt of a spark step: the same for an SDK retry of the same StartJobRun (EMR
 * returns the job run it started instead of a second one), different for each attempt. The run and step
 * are hashed, so the attempt number at the end always fits in AWS's 64 characters.
 *
 * @example
 * ```ts
 * emrClientToken("20240131T120000Z-3f2a", "regional->acme/regional.parquet", 2)
 * // "20240131T120000Z-3f2a-65571148064068206f895acb-2"
 * ```
 */
export function emrClientToken(runId: string, stepId: string, attempt: number): string {
  const suffix = `-${shortHash(`${runId}\n${stepId}`, 24)}-${attempt}`;
  const run = runId.replace(EMR_TOKEN_CHARS, "_").slice(0, NAME_LIMITS.emrClientToken - suffix.length);
  return `${run}${suffix}`;
}

/** Every name and key a container step's resources use. */
export interface ContainerResourceNames {
  readonly family: string;
  readonly taskRoleName: string;
  readonly executionRoleName: string;
  readonly logGroupName: string;
  /** Key of the step's container bundle in the artefacts bucket. */
  readonly bundleKey: string;
  /** The bundle zip in the output directory. */
  readonly bundlePath: string;
}

/**
 * @example
 * ```ts
 * containerResourceNames(step, "glacier").family // "glacier-big-join-3f2a9c"
 * containerResourceNames(step, "glacier").taskRoleName // "glacier-big-join-3f2a9c-task"
 * ```
 */
export function containerResourceNames(
  step: NamedStep,
  prefix: string = DEFAULT_NAME_PREFIX,
): ContainerResourceNames {
  const suffix = stepSuffix(step);
  const base = `${prefix}-${suffix}`;
  return {
    family: base,
    taskRoleName: `${base}-task`,
    executionRoleName: `${base}-exec`,
    logGroupName: `/ecs/${base}`,
    bundleKey: `glacier/containers/${suffix}.zip`,
    bundlePath: `assets/containers/${suffix}.zip`,
  };
}

/** The ECS cluster container steps run on: `glacier-steps`. */
export function containerClusterName(prefix: string = DEFAULT_NAME_PREFIX): string {
  return `${prefix}-steps`;
}

/** Where a container step writes the documents of its results, in the artefacts bucket. */
export const CONTAINER_RESULT_PREFIX = "_glacier/results/";

/**
 * The key of one container attempt's result document: `{ ok: true, response }` or `{ ok: false, error }`.
 * The state machine's tasks have no attempt number (`attempt` omitted); the cloud executor numbers each.
 *
 * @example
 * ```ts
 * containerResultKey("20240131T120000Z-3f2a", step, 2) // "_glacier/results/20240131T120000Z-3f2a/big-join-3f2a9c-2.json"
 * ```
 */
export function containerResultKey(runId: string, step: NamedStep, attempt?: number): string {
  return `${CONTAINER_RESULT_PREFIX}${runId}/${stepSuffix(step)}${attempt === undefined ? "" : `-${attempt}`}.json`;
}

/**
 * Tags of the ECS cluster that carry the container steps' networking (Terraform variables resolved at apply):
 * the cloud executor reads them to start tasks where the state machine starts them. Values are
 * space-separated lists.
 */
export const CONTAINER_NETWORK_TAGS = {
  subnets: "glacier:container-subnets",
  securityGroups: "glacier:container-security-groups",
  assignPublicIp: "glacier:container-assign-public-ip",
} as const;
