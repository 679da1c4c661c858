export { planInfrastructure, ACCOUNT_REF, type PlanOptions } from "./plan-infrastructure.js";
export { NON_RETRYABLE_ERRORS } from "./plan-state-machine.js";
export { ref } from "./plan-roles.js";
export type * from "./plan-types.js";
export * from "./resource-names.js";
export { graphSqlWarnings, sqlPortabilityWarnings } from "./sql-portability.js";
export { SPARK_TYPE } from "./spark-script.js";
