/**
 * A worker thread of the local executor. It receives a step's lazy plan (serialised by polars in the main
 * thread, where the task function was called) and materialises it with the streaming engine, which blocks
 * the thread it runs on; the main thread stays free for scheduling, logging and progress.
 */
import { parentPort } from "node:worker_threads";
import { preloadHasher } from "./content-hash.js";
import { serializeError } from "./errors.js";
import { materialize } from "./materialize.js";
import { loadPolars } from "./polars.js";
import type { WorkerReply, WorkerRequest } from "./worker-protocol.js";

const port = parentPort;
if (!port) throw new Error("step-worker.js runs only as a worker thread");

const pl = await loadPolars();
await preloadHasher();
port.on("message", (request: WorkerRequest) => {
  const reply = (message: WorkerReply): void => port.postMessage(message);
  void (async () => {
    try {
      const frame = pl.LazyDataFrame.deserialize(Buffer.from(request.plan), "bincode");
      reply({ id: request.id, ok: true, result: await materialize(pl, frame, request.job) });
    } catch (error) {
      reply({ id: request.id, ok: false, error: serializeError(error) });
    }
  })();
});
port.postMessage({ ready: true });
