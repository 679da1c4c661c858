/**
 * A worker thread of the local executor. It receives a step's lazy plan (serialised by polars in the main
 * thread, where the task function was called) and materialises it with the streaming engine, which blocks
 * the thread it runs on; the main thread stays free for scheduling, logging and progress.
 */
import { parentPort } from "node:worker_threads";
import { serveJobs } from "./job-host.js";

const port = parentPort;
if (!port) throw new Error("step-worker.js runs only as a worker thread");
await serveJobs({ on: (event, listener) => port.on(event, listener), post: (m) => port.postMessage(m) });
