import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { GlacierError } from "@glacier/core";
import { deserializeError } from "./errors.js";
import type { MaterializeJob, Materialized } from "./materialize.js";
import type { WorkerReply, WorkerRequest } from "./worker-protocol.js";

/** Why a job stopped early. */
export type Interruption =
  { readonly kind: "timeout"; readonly seconds: number } | { readonly kind: "cancelled" };

/** How a job that ran out of time or was cancelled is reported. */
export class JobInterrupted extends Error {
  readonly interruption: Interruption;
  constructor(interruption: Interruption) {
    super(interruption.kind === "timeout" ? `timed out after ${interruption.seconds} s` : "cancelled");
    this.interruption = interruption;
  }
}

/** The file URL of tsx's ESM loader API (`tsx/esm/api`, import condition), found through its exports map. */
function tsxLoaderApi(from: string): string {
  const manifest = createRequire(from).resolve("tsx/package.json");
  const exportsMap = (
    JSON.parse(readFileSync(manifest, "utf8")) as {
      exports: Record<string, { import: { default: string } }>;
    }
  ).exports;
  const target = exportsMap["./esm/api"]?.import.default ?? "./dist/esm/api/index.mjs";
  return pathToFileURL(join(dirname(manifest), target)).href;
}

/**
 * The worker thread of a step. Built code starts `step-worker.js` directly; from TypeScript sources (tests)
 * the worker first registers tsx and resolves workspace packages through their `source` condition.
 */
function spawn(): Worker {
  const here = import.meta.url;
  if (!here.endsWith(".ts")) return new Worker(new URL("./step-worker.js", here));
  const entry = new URL("./step-worker.ts", here).href;
  const code = `import(${JSON.stringify(tsxLoaderApi(here))}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(code, { eval: true, execArgv: ["--conditions=source"] });
}

interface Slot {
  readonly worker: Worker;
  readonly ready: Promise<void>;
}

/**
 * Worker threads that materialise steps, at most `size` at once. Workers start on demand and are reused, so
 * polars loads once per thread. A job that times out or is cancelled terminates its worker (polars cannot be
 * interrupted mid-query otherwise) and the pool starts a fresh one for the next job.
 */
export class WorkerPool {
  static #shared: WorkerPool | undefined;

  /**
   * The process's pool. Idle workers are unreferenced (they never keep the process alive) and stay loaded,
   * so a second run in the same process — a test file, a watch loop — does not load polars again.
   */
  static shared(): WorkerPool {
    WorkerPool.#shared ??= new WorkerPool();
    return WorkerPool.#shared;
  }

  readonly #idle: Slot[] = [];
  readonly #all = new Set<Slot>();
  #next = 1;

  /** Starts one worker ahead of need, so its polars load overlaps the main thread's work. */
  warm(): void {
    if (this.#all.size === 0) this.#idle.push(this.#start());
  }

  #start(): Slot {
    const worker = spawn();
    const ready = new Promise<void>((resolve, reject) => {
      const onMessage = (message: { ready?: boolean }): void => {
        if (message?.ready) {
          worker.off("error", reject);
          worker.off("message", onMessage);
          resolve();
        }
      };
      worker.on("message", onMessage);
      worker.once("error", reject);
    });
    ready.catch(() => undefined);
    const slot = { worker, ready };
    this.#all.add(slot);
    worker.unref();
    return slot;
  }

  /** Materialises a serialised plan in a worker. */
  async run(
    plan: Uint8Array,
    job: MaterializeJob,
    options: { readonly timeoutSeconds?: number; readonly signal?: AbortSignal } = {},
  ): Promise<Materialized> {
    const slot = this.#idle.pop() ?? this.#start();
    let healthy = true;
    slot.worker.ref();
    try {
      try {
        await slot.ready;
      } catch (error) {
        healthy = false;
        throw new GlacierError(
          "TASK_FAILED",
          `the worker thread could not start: ${(error as Error).message}`,
          {
            subject: { kind: "step", name: job.step },
            hint: "Reinstall @glacier/local and nodejs-polars.",
            cause: error,
          },
        );
      }
      return await new Promise<Materialized>((resolve, reject) => {
        const id = this.#next++;
        const cleanup = (): void => {
          slot.worker.off("message", onMessage);
          slot.worker.off("error", onError);
          slot.worker.off("exit", onExit);
          options.signal?.removeEventListener("abort", onAbort);
          if (timer) clearTimeout(timer);
        };
        const interrupt = (why: Interruption): void => {
          healthy = false;
          cleanup();
          void slot.worker.terminate();
          reject(new JobInterrupted(why));
        };
        const onMessage = (reply: WorkerReply): void => {
          if (reply.id !== id) return;
          cleanup();
          if (reply.ok) resolve(reply.result);
          else reject(deserializeError(reply.error));
        };
        const onError = (error: Error): void => {
          healthy = false;
          cleanup();
          reject(error);
        };
        const onExit = (code: number): void => {
          healthy = false;
          cleanup();
          reject(
            new GlacierError("TASK_FAILED", `the worker thread running the step exited (code ${code}).`, {
              subject: { kind: "step", name: job.step },
              hint: "polars may have run out of memory; check the run log.",
            }),
          );
        };
        const onAbort = (): void => interrupt({ kind: "cancelled" });
        const seconds = options.timeoutSeconds;
        const timer =
          seconds === undefined
            ? undefined
            : setTimeout(() => interrupt({ kind: "timeout", seconds }), seconds * 1000);
        slot.worker.on("message", onMessage);
        slot.worker.once("error", onError);
        slot.worker.once("exit", onExit);
        options.signal?.addEventListener("abort", onAbort);
        if (options.signal?.aborted) {
          onAbort();
          return;
        }
        const request: WorkerRequest = { id, plan, job };
        slot.worker.postMessage(request);
      });
    } finally {
      slot.worker.unref();
      if (healthy) this.#idle.push(slot);
      else {
        this.#all.delete(slot);
        void slot.worker.terminate();
      }
    }
  }

  /** Stops every worker. */
  async close(): Promise<void> {
    const all = [...this.#all];
    this.#all.clear();
    this.#idle.length = 0;
    await Promise.all(all.map((slot) => slot.worker.terminate()));
  }
}
