export {
  generateTerraform,
  interpret,
  type GenerateReport,
  type TerraformGenerateOptions,
} from "./interpret.js";
export { planInfrastructure, ACCOUNT_REF, type PlanOptions } from "./plan-infrastructure.js";
export { NON_RETRYABLE_ERRORS } from "./plan-state-machine.js";
export type * from "./plan-types.js";
export * from "./resource-names.js";
