export { semaphore } from "./semaphore.js";
export {
  Admission,
  DEFAULT_MEMORY_FRACTION,
  defaultMemoryBudget,
  HOLD_BACK_MS,
  largestStepBudget,
  OVERLAP_FLOOR_BYTES,
  OVERLAP_FRACTION,
} from "./admission.js";
export {
  dispatchOrder,
  ESTIMATE_BYTES_PER_MS,
  ESTIMATE_FIXED_MS,
  MEMORY_PER_INPUT_BYTE,
  stepCosts,
  type StepCost,
} from "./critical-path.js";
export { HISTORY_RUNS, NO_HISTORY, readHistory, type RunHistory } from "./run-history.js";
export { messageOf, withoutPanic, withoutSubject } from "./message-of.js";
export { newRunId } from "./run-id.js";
export { createProgress, formatDuration, type Progress } from "./progress.js";
export { preloadLog, RunLog, type LogLevel, type LogLine } from "./run-log.js";
export type {
  CloudRunFields,
  CloudRunsOn,
  CloudStepFields,
  ExecutorMode,
  RecordedRunResult,
  RunRecord,
  RunRecordOptions,
  RunStatus,
  StepNote,
  StepReason,
  StepRecord,
} from "./run-record.js";
export { RunRecorder, type RecordMirror, type RunRecordInit } from "./run-recorder.js";
export { fileKey, readJson, RunStore, writeJsonAtomic, writeTextAtomic } from "./run-store.js";
export { RunSession, type RunSessionInit } from "./run-session.js";
export { listRuns, readRun, type RunSummary } from "./runs.js";
export {
  bootId,
  currentProcess,
  isAlive,
  ownerState,
  processStartTicks,
  type OwnerState,
  type ProcessIdentity,
} from "./process-identity.js";
export { budgetOf, decideStep, expectedMemory, resumeOf, runSchedule, type Schedule } from "./scheduler.js";
export { previousStatuses } from "./run-history.js";
export { planRun, type PlannedStep, type RunPlan } from "./plan.js";
export {
  allKeys,
  expandPartitions,
  keysFor,
  selectPartitions,
  type PartitionKeys,
  type PartitionRequest,
} from "./partition-selection.js";
export { partitionSummary, type PartitionSummary } from "./partition-summary.js";
export type {
  Attempt,
  EvaluationContext,
  StepBase,
  StepDriver,
  StepEvaluation,
  StepFailure,
  StepOutcome,
} from "./step-driver.js";
export {
  decide,
  fingerprintOf,
  type Decision,
  type OutputNow,
  type StepComponents,
  type StepState,
} from "./step-state.js";
export {
  datasetName,
  FACET_SCHEMAS,
  lineageRunId,
  PRODUCER as OPENLINEAGE_PRODUCER,
  RUN_EVENT_SCHEMA,
  type RunEvent,
} from "./openlineage/lineage-events.js";
export { polarsColumnLineage, type PlanLineageInput } from "./openlineage/polars-column-lineage.js";
export type { ColumnLineage, InputField, Transformation } from "./openlineage/sql-column-lineage.js";
export {
  httpTransport,
  httpTransportFromEnv,
  type LineageTransport,
} from "./openlineage/lineage-transport.js";
