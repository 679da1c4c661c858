import type { ExecutorKind, Format, LambdaNodeRuntime } from "@glacier/core";

/**
 * The infrastructure plan: every AWS resource `glacier generate` creates, as plain serialisable data. The
 * synthesizer turns it into Terraform; `analyze` counts and prices it; tests snapshot it. Strings of the form
 * `${type.name.attribute}` are Terraform references, resolved at apply time (ARNs AWS assigns).
 */
export interface InfrastructurePlan {
  readonly version: 1;
  readonly region: string;
  readonly partition: string;
  /** From the Provider; `null` means the account of the credentials applying the module. */
  readonly accountId: string | null;
  /** Prefix of every generated name (Terraform variable `name_prefix`, default here). */
  readonly namePrefix: string;
  /** The longest `name_prefix` that keeps every generated name within AWS's limits. */
  readonly maxNamePrefixLength: number;
  readonly logRetentionDays: number;
  readonly tags: Readonly<Record<string, string>>;
  /** Where each step runs, in execution order. */
  readonly steps: readonly StepPlacement[];
  readonly pipelines: readonly PipelinePlan[];
  readonly buckets: readonly BucketPlan[];
  readonly artefacts: ArtefactsPlan;
  readonly layers: readonly LayerPlan[];
  readonly functions: readonly FunctionPlan[];
  readonly logGroups: readonly LogGroupPlan[];
  readonly sparkJobs: readonly SparkJobPlan[];
  readonly roles: readonly RolePlan[];
  readonly stateMachines: readonly StateMachinePlan[];
  readonly schedules: readonly SchedulePlan[];
  /** ECS on Fargate for container steps; absent when the graph has none. */
  readonly containers?: ContainersPlan;
}

export type Architecture = "x86_64" | "arm64";

/** Where one step runs in the cloud, and the resource that runs it. */
export interface StepPlacement {
  readonly stepId: string;
  readonly name: string;
  readonly executor: ExecutorKind;
  /** `in-process`: a `local` step; the cloud executor runs it in the orchestrating process. */
  readonly runsOn: "lambda" | "emr-serverless" | "ecs-fargate" | "in-process";
  /** The function, EMR application or ECS task definition family; absent for in-process steps. */
  readonly resourceName?: string;
  readonly pipelines: readonly string[];
}

/** A pipeline and the state machine (if any) that runs it. */
export interface PipelinePlan {
  readonly name: string;
  readonly description?: string;
  /** Its step ids, upstream included, in execution order. */
  readonly steps: readonly string[];
  /** `null` when none of its steps can run in Step Functions (see `note`). */
  readonly stateMachineLogicalId: string | null;
  readonly schedule?: string;
  readonly note?: string;
}

/** One S3 location a step reads or writes. */
export interface S3Access {
  readonly bucket: string;
  /** Key, key pattern (`raw/*.parquet`) or directory (`daily/`). */
  readonly key: string;
  readonly dataset: boolean;
  readonly format: Format;
  /** `s3://bucket/key`. */
  readonly location: string;
  /** The KMS key encrypting the bucket (SSE-KMS): the step's role may use this key, and no other. */
  readonly kmsKeyArn?: string;
}

/** An S3 bucket holding pipeline data. */
export interface BucketPlan {
  readonly name: string;
  readonly logicalId: string;
  /** False for `external: true` buckets: referenced by policies, never created. */
  readonly managed: boolean;
  /** Bucket ids (`<bucket>/<path>`) of the graph in this bucket. */
  readonly locations: readonly string[];
  /** Default encryption with this KMS key (SSE-KMS) instead of SSE-S3. */
  readonly kmsKeyArn?: string;
}

/** The bucket of Glacier's own artefacts: Spark scripts, the polars layer, job logs, run records. */
export interface ArtefactsPlan {
  readonly logicalId: "artefacts";
  /** Contains a Terraform reference to the account id when the Provider does not give one. */
  readonly name: string;
}

/** The shared Lambda layer holding nodejs-polars and its native binary for one architecture. */
export interface LayerPlan {
  readonly logicalId: string;
  readonly name: string;
  readonly architecture: Architecture;
  /** The npm package with the native binary, e.g. `nodejs-polars-linux-x64-gnu`. */
  readonly binaryPackage: string;
}

/** A Lambda function running one serverless step. */
export interface FunctionPlan {
  readonly stepId: string;
  readonly stepName: string;
  readonly logicalId: string;
  readonly functionName: string;
  readonly roleLogicalId: string;
  readonly logGroupLogicalId: string;
  readonly runtime: LambdaNodeRuntime;
  readonly handler: "index.handler";
  readonly memory: number;
  readonly timeout: number;
  readonly ephemeralStorage: number;
  readonly architecture: Architecture;
  readonly environment: Readonly<Record<string, string>>;
  readonly reservedConcurrency?: number;
  readonly layerLogicalId: string;
  /** The code zip, relative to the output directory. */
  readonly bundlePath: string;
  readonly reads: readonly S3Access[];
  readonly writes: S3Access;
  /** The step's own staging prefix in the output's bucket (`.glacier-tmp/<step token>/`). */
  readonly stagingPrefix: string;
}

export interface LogGroupPlan {
  readonly logicalId: string;
  readonly name: string;
  readonly retentionDays: number;
}

/** EMR Serverless worker counts and sizes (vCPU, GB). */
export interface WorkerCapacity {
  readonly workers: number;
  readonly cpu: number;
  readonly memory: number;
}

/** An EMR Serverless application and the Spark SQL job that runs one spark step. */
export interface SparkJobPlan {
  readonly stepId: string;
  readonly stepName: string;
  readonly logicalId: string;
  readonly applicationName: string;
  readonly releaseLabel: string;
  readonly driver: WorkerCapacity;
  readonly executor: WorkerCapacity;
  readonly roleLogicalId: string;
  /** The PySpark driver that runs the task's SQL, uploaded to the artefacts bucket. */
  readonly scriptKey: string;
  readonly script: string;
  /** Copy of the script in the output directory, for review. */
  readonly scriptPath: string;
  readonly logPrefix: string;
  readonly sparkSubmitParameters: string;
  readonly executionTimeoutMinutes?: number;
  readonly reads: readonly S3Access[];
  readonly writes: S3Access;
  /** The step's own staging prefix in the output's bucket (`.glacier-tmp/<step token>/`). */
  readonly stagingPrefix: string;
}

/** One IAM policy statement (always `Allow`). */
export interface PolicyStatement {
  readonly sid: string;
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  readonly condition?: PolicyCondition;
}

export type ServicePrincipal =
  | "lambda.amazonaws.com"
  | "emr-serverless.amazonaws.com"
  | "ecs-tasks.amazonaws.com"
  | "states.amazonaws.com"
  | "scheduler.amazonaws.com";

/** IAM condition block: operator → key → values. */
export type PolicyCondition = Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;

/** An IAM role with one inline least-privilege policy. */
export interface RolePlan {
  readonly logicalId: string;
  readonly name: string;
  readonly service: ServicePrincipal;
  /**
   * Conditions of the trust policy: the confused-deputy guard (`aws:SourceAccount`, `aws:SourceArn`) where
   * the service documents one.
   */
  readonly trustCondition?: PolicyCondition;
  /** What assumes it, for humans: `Lambda function glacier-clean-sales-3f2a9c`. */
  readonly purpose: string;
  readonly statements: readonly PolicyStatement[];
}

/** A Step Functions state machine running a pipeline's cloud steps. */
export interface StateMachinePlan {
  readonly pipeline: string;
  readonly logicalId: string;
  readonly name: string;
  readonly roleLogicalId: string;
  /** Amazon States Language; resource ARNs are Terraform references. */
  readonly definition: Readonly<Record<string, unknown>>;
  /** Step ids it runs, in order. */
  readonly steps: readonly string[];
  /** Steps of the pipeline it does not run, and why. */
  readonly excluded: readonly { readonly stepId: string; readonly reason: string }[];
}

/** An EventBridge Scheduler schedule starting a pipeline's state machine. */
export interface SchedulePlan {
  readonly pipeline: string;
  readonly logicalId: string;
  readonly name: string;
  readonly expression: string;
  readonly roleLogicalId: string;
  readonly stateMachineLogicalId: string;
  /**
   * The execution input's `partitions` (relative keys such as `"latest-1"`, from `withSchedule`'s `partition`
   * option); absent: the machine's default, the latest partition.
   */
  readonly partitions?: readonly string[];
}

/** The ECS cluster and task definitions of a graph's container steps. */
export interface ContainersPlan {
  readonly cluster: { readonly logicalId: "containers"; readonly name: string };
  /**
   * The public image every task runs (no image build): Node 24 from the Docker official images on Amazon ECR
   * Public, pulled anonymously.
   */
  readonly image: string;
  readonly tasks: readonly ContainerTaskPlan[];
}

/** One container step: its Fargate task definition, roles, log group and code bundle. */
export interface ContainerTaskPlan {
  readonly stepId: string;
  readonly stepName: string;
  readonly logicalId: string;
  /** The task definition family. */
  readonly family: string;
  /** The one container's name in the task definition (what RunTask overrides address). */
  readonly containerName: "step";
  readonly taskRoleLogicalId: string;
  readonly executionRoleLogicalId: string;
  readonly logGroupLogicalId: string;
  readonly logGroupName: string;
  /** vCPU and GB as declared; `cpuUnits` / `memoryMib` as ECS writes them. */
  readonly cpu: number;
  readonly memory: number;
  readonly cpuUnits: string;
  readonly memoryMib: string;
  /** GiB; 20 is Fargate's default and is left unset in the task definition. */
  readonly ephemeralStorage: number;
  readonly architecture: Architecture;
  /** Seconds: the state machine's and the cloud executor's limit for one attempt. */
  readonly timeout: number;
  /** The polars layer zip (in the artefacts bucket) the task unpacks. */
  readonly layerLogicalId: string;
  /** Key of the step's bundle in the artefacts bucket. */
  readonly bundleKey: string;
  /** The bundle zip, relative to the output directory. */
  readonly bundlePath: string;
  /** Prefix (in the artefacts bucket) of the result documents the task writes. */
  readonly resultPrefix: string;
  /** The container's fixed environment; the run id, params and result key arrive as overrides. */
  readonly environment: Readonly<Record<string, string>>;
  readonly reads: readonly S3Access[];
  readonly writes: S3Access;
  /** The step's own staging prefix in the output's bucket (`.glacier-tmp/<step token>/`). */
  readonly stagingPrefix: string;
}
