/**
 * `@glacier/aws/lambda-handler`: the one import of a generated Lambda bundle. A separate entry point from the
 * package barrel so a bundle holds the handler and `executeStep`, not the cloud executor.
 */
export {
  createLambdaHandler,
  type LambdaContext,
  type StepEvent,
  type StepResponse,
} from "./lambda-handler.js";
