import { serializeError } from "./errors.js";
import { materialize } from "./materialize.js";
import { loadHyparquet } from "./parquet-footer.js";
import { loadPolars } from "./polars.js";
import type { WorkerReply, WorkerRequest } from "./worker-protocol.js";

/** How a job host talks to the run: a worker thread's parent port, or a child process's IPC channel. */
export interface JobChannel {
  on(event: "message", listener: (request: WorkerRequest) => void): void;
  post(message: WorkerReply | { readonly ready: true }): void;
}

/**
 * Serves materialisation jobs on a channel: loads polars (and the Parquet footer reader) once, says it is ready,
 * then runs each serialised plan it receives with the streaming engine and replies with what was written or the
 * error. The hasher is not loaded ahead: the local executor hashes a committed output on its own thread
 * (`deferHash`), so a job host never needs it unless a job asks for the hash.
 */
export async function serveJobs(channel: JobChannel): Promise<void> {
  const pl = await loadPolars();
  await loadHyparquet();
  channel.on("message", (request: WorkerRequest) => {
    void (async () => {
      try {
        // A child process's environment is its own: the run sends what polars reads from it (S3, POLARS_*).
        for (const [key, value] of Object.entries(request.env ?? {})) process.env[key] = value;
        const frame = pl.LazyDataFrame.deserialize(Buffer.from(request.plan), "bincode");
        channel.post({ id: request.id, ok: true, result: await materialize(pl, frame, request.job) });
      } catch (error) {
        channel.post({ id: request.id, ok: false, error: serializeError(error) });
      }
    })();
  });
  channel.post({ ready: true });
}
