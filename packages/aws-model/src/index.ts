export { planInfrastructure, ACCOUNT_REF, type PlanOptions } from "./plan-infrastructure.js";
export { NON_RETRYABLE_ERRORS } from "./plan-state-machine.js";
export { ref } from "./plan-roles.js";
export type * from "./plan-types.js";
export * from "./resource-names.js";
export { CONTAINER_BOOTSTRAP, containerCommand } from "./container-bootstrap.js";
export { CONTAINER_IMAGE } from "./plan-infrastructure.js";
export { ASL_NETWORK } from "./plan-state-machine.js";
export { CONTAINER_CLUSTER_ID } from "./plan-orchestration.js";
