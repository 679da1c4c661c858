export {
  analyzeGraph,
  GraphAnalysis,
  interpret,
  type CostEstimate,
  type DurationEstimate,
  type ResourceCounts,
} from "./graph-analysis.js";
export { analyzeReport, type AnalyzeGraphOptions } from "./analyze-graph.js";
export type {
  AnalysisReport,
  Basis,
  OrchestrationAnalysis,
  PipelineAnalysis,
  ResourceEntry,
  StepAnalysis,
} from "./analysis-report.js";
export { analyzeAtRef, exportTreeAtRef, type AnalyzeAtRefOptions } from "./analyze-at-ref.js";
export { compareAnalyses, renderComparison, type AnalysisComparison } from "./compare.js";
export {
  emrCost,
  lambdaCost,
  s3RequestCost,
  stepFunctionsCost,
  storageCost,
  transferCost,
  EMR_IDLE_TIMEOUT_SECONDS,
  EMR_MINIMUM_SECONDS,
  PART_BYTES,
  READ_BLOCK_BYTES,
  type CostItem,
  type S3Traffic,
} from "./cost-formulas.js";
export { criticalPath } from "./critical-path.js";
export { readableName } from "./resource-summary.js";
export { aggregation } from "./task-shape.js";
export type { DataSize, SizeSource } from "./data-size.js";
export { loadObservations, type Observations, type StepObservation } from "./calibration.js";
export { measureBucket, type S3Connection, type StorageOptions } from "./measure-storage.js";
export {
  LAMBDA_MB_PER_VCPU,
  POLARS_BYTES_PER_VCPU_SECOND,
  SPARK_BYTES_PER_VCPU_SECOND,
  STARTUP_SECONDS,
  AGGREGATE_OUTPUT_RATIO,
  defaultOutputRatio,
} from "./model-defaults.js";
export {
  DEFAULT_PRICES,
  PRICE_SOURCES,
  PRICES_CHECKED,
  pricesFor,
  type PriceOverrides,
  type PriceSource,
  type RegionPrices,
} from "./prices.js";
export { renderAnalysis, type AnalysisFormat } from "./render-analysis.js";
export { runsPerMonth } from "./schedule-frequency.js";
export { statesEntered } from "./state-transitions.js";
