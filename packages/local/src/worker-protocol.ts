import type { SerializedError } from "./errors.js";
import type { MaterializeJob, Materialized } from "./materialize.js";

/** Main thread → worker: materialise this serialised plan. */
export interface WorkerRequest {
  readonly id: number;
  readonly plan: Uint8Array;
  readonly job: MaterializeJob;
  /** Environment variables to set first (a child process does not see the run's later changes). */
  readonly env?: Readonly<Record<string, string>>;
}

/** Worker → main thread. */
export type WorkerReply =
  | { readonly id: number; readonly ok: true; readonly result: Materialized }
  | { readonly id: number; readonly ok: false; readonly error: SerializedError };
