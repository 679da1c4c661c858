export { interpret } from "./interpret.js";
export { localDriver } from "./local-driver.js";
export { executeStep, taskParams, type StepExecution, type StepMetrics } from "./execute-step.js";
export { createFileStore } from "./file-store.js";
export { resolveLocation, type ResolvedLocation, type S3Options, type StorageOptions } from "./storage.js";
export { checkStored, type StoredCheckReport, type StoredChecks } from "./check-stored.js";
export { releaseOwnedFilesSync } from "./exit-cleanup.js";
export { checkCommittedOutput } from "./check-output.js";
