export { Bucket, isBucket, PendingTransform, type BucketOptions, type PipelineInfo } from "./bucket.js";
export {
  ERROR_CODES,
  GlacierError,
  type ErrorSubject,
  type GlacierErrorCode,
  type GlacierErrorOptions,
} from "./errors.js";
export {
  check,
  checkColumns,
  checkFailure,
  checkJson,
  checkResultsOf,
  countChecks,
  describeCheckCounts,
  describeCheckResult,
  stepChecks,
  type CheckCounts,
  type CheckExpression,
  type CheckJson,
  type CheckNode,
  type CheckOptions,
  type CheckResult,
  type CheckRule,
  type CheckSeverity,
  type CheckType,
  type CheckValue,
} from "./checks.js";
export {
  CONTAINER_MAX_TIMEOUT,
  Executor,
  type ContainerOptions,
  type ServerlessOptions,
  type SparkOptions,
} from "./executor.js";
export {
  FARGATE_DEFAULT_STORAGE_GIB,
  FARGATE_MAX_STORAGE_GIB,
  FARGATE_SIZES,
  fargateCpuUnits,
  fargateMemoryChoices,
  fargateMemoryMib,
  type FargateSize,
} from "./fargate.js";
export { EXECUTOR_RULES, type ExecutorRule, type TaskLanguage } from "./executor-rules.js";
export { FORMATS, type Format } from "./formats.js";
export { LineageGraph, type GraphJson, type GraphTargets, type StepRef } from "./lineage-graph.js";
export {
  type BucketNode,
  type ContainerExecutorNode,
  type ExecutorKind,
  type ExecutorNode,
  type ExpectedSize,
  type LocalExecutorNode,
  type PartitionUnit,
  type PipelineNode,
  type ProviderNode,
  type ServerlessExecutorNode,
  type SparkExecutorNode,
  type StepInput,
  type StepNode,
  type TaskNode,
  type WorkerSize,
} from "./nodes.js";
export { param, type ParamSpec, type ParamSpecs, type ParamValue, type ParamValues } from "./params.js";
export { MultiSource, Pipeline } from "./pipeline.js";
export { MAX_SCHEDULED_PARTITIONS, type ScheduleOptions, type SchedulePartition } from "./schedule.js";
export {
  allPartitionsPath,
  checkPartitionKey,
  daily,
  describeScheme,
  hourly,
  latestPartitions,
  monthly,
  PARTITION_KINDS,
  partitionKeys,
  partitionPath,
  relativeKey,
  resolveRelativeKey,
  sameScheme,
  values,
  type CalendarPartitionOptions,
  type PartitionKind,
  type PartitionScheme,
} from "./partitions.js";
export {
  allPartitionsBucket,
  partitionBucket,
  partitionUnits,
  stepPartitioning,
  type StepPartitioning,
} from "./partition-steps.js";
export { Provider, type PartitionKindOf, type ProviderConfig } from "./provider.js";
export {
  INTERPRETER_PACKAGES,
  RUN_MODES,
  runGraph,
  type Analysis,
  type DoneOf,
  type AnalyzeOptions,
  type CloudRunOptions,
  type ExecutionOptions,
  type GenerateOptions,
  type GenerateResult,
  type Interpreter,
  type LocalRunOptions,
  type PlannedStep,
  type PlanOf,
  type RunMode,
  type RunOptions,
  type RunOptionsFor,
  type RunOutcome,
  type RunPlan,
  type RunResult,
  type RunResults,
  type StepResult,
} from "./run.js";
export { DATA_TYPES, type DataTypeName, type Schema } from "./schema.js";
export type { SourceLocation } from "./source-location.js";
export {
  DEFAULT_EMR_RELEASE,
  DEFAULT_LAMBDA_RUNTIME,
  EMR_RELEASE_FOR_SQL_PARAMS,
  EMR_SERVERLESS_RELEASES,
  LAMBDA_NODE_RUNTIMES,
  type LambdaNodeRuntime,
} from "./aws-releases.js";
export type { FileEntry, FileStore, TaskContext, TaskLogger } from "./task-context.js";
export type { Inputs, SqlTables, Task, TaskFunction, TaskInput, TaskOptions, TaskResult } from "./task.js";
export type {
  GlacierTypeError,
  InputMismatch,
  MatchingInputs,
  MatchingPartitions,
  SingleSourceTask,
} from "./type-checks.js";
export {
  visualize,
  VISUALIZE_FORMATS,
  type VisualizeFormat,
  type VisualizeOptions,
} from "./visualize/visualize.js";
export { toDot } from "./visualize/dot.js";
export { toMermaid } from "./visualize/mermaid.js";
export { toText } from "./visualize/text.js";
