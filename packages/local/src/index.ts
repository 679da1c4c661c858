export { interpret } from "./interpret.js";
export { executeStep, taskParams, type StepExecution, type StepMetrics } from "./execute-step.js";
export { listRuns, readRun, type RunSummary } from "./runs.js";
export type { RunRecord, RunStatus, StepNote, StepRecord } from "./run-record.js";
export { createFileStore } from "./file-store.js";
export { resolveLocation, type ResolvedLocation, type S3Options, type StorageOptions } from "./storage.js";
export type { StepComponents, StepReason, StepState } from "./step-fingerprint.js";
export { readJson, writeJsonAtomic } from "./project-store.js";
export { semaphore } from "./semaphore.js";
