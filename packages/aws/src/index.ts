export {
  createLambdaHandler,
  type LambdaContext,
  type StepEvent,
  type StepResponse,
} from "./lambda-handler.js";
export {
  interpret,
  type AwsRunOptions,
  type CloudRunRecord,
  type CloudRunPlan,
  type CloudRunResult,
  type CloudStepRecord,
} from "./interpret.js";
export { cloudDriver, type CloudDriverInit } from "./cloud-driver.js";
export type { CloudPlan, CloudStepPlan, Dispatch } from "./cloud-plan.js";
export { RETRY_ATTEMPTS } from "./aws-clients.js";
export type { ContainerNetwork } from "./dispatch-ecs.js";
export type { ContainerResult } from "./container-entry.js";
