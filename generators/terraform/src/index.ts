export {
  generateTerraform,
  interpret,
  type GenerateReport,
  type TerraformGenerateOptions,
} from "./interpret.js";
// The plan is @glacier/aws-model's; its types are re-exported because generate's options and report use them.
export type { InfrastructurePlan, PlanOptions } from "@glacier/aws-model";
