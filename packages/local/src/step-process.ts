/**
 * A child process of the local executor, for steps with a `timeout`: it materialises a serialised plan like a
 * worker thread does, but a process can be killed mid-query (a thread stuck in polars cannot: terminating it
 * waits for the query to end, and so does the process's exit). It exits when the run's process goes away.
 */
import { serveJobs } from "./job-host.js";

const send = process.send?.bind(process);
if (!send) throw new Error("step-process.js runs only as a child process with an IPC channel");
process.on("disconnect", () => process.exit(0));
await serveJobs({ on: (event, listener) => process.on(event, listener), post: (m) => void send(m) });
