import { GlacierError } from "@glacier/core";

/**
 * Runs `fn`, which must throw a GlacierError, and returns `[CODE] message` for an inline snapshot: one
 * assertion pins both the code and the wording users see.
 */
export function failure(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return describeError(error);
  }
  throw new Error("expected a GlacierError, but nothing was thrown");
}

/** Like {@link failure}, for a promise that must reject with a GlacierError. */
export async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return describeError(error);
  }
  throw new Error("expected a GlacierError rejection, but the promise resolved");
}

function describeError(error: unknown): string {
  if (!GlacierError.is(error) || !(error instanceof GlacierError)) throw error;
  return `[${error.code}] ${error.message}`;
}
