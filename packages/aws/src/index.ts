export {
  createLambdaHandler,
  type LambdaContext,
  type StepEvent,
  type StepResponse,
} from "./lambda-handler.js";
export { interpret, newRunId, type AwsRunOptions, type CloudRunResult } from "./interpret.js";
export type { CloudPlan, CloudStepPlan, Dispatch } from "./cloud-plan.js";
export type { CloudRunRecord } from "./run-journal.js";
export type { CloudStepRecord } from "./run-steps.js";
export { RETRY_ATTEMPTS } from "./aws-clients.js";
