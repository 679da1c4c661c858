import { fork, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { GlacierError } from "@glacier/core";
import { deserializeError } from "./errors.js";
import type { MaterializeJob, Materialized } from "./materialize.js";
import type { WorkerReply, WorkerRequest } from "./worker-protocol.js";

/** How a job that was cancelled is reported (a timeout is the caller's signal reason: its own error). */
export class JobInterrupted extends Error {
  constructor() {
    super("cancelled");
  }
}

/**
 * Where jobs run: `thread`, worker threads (cheap to start and to talk to, but a thread inside a polars query
 * cannot be stopped: `terminate()` and even `process.exit()` wait for the query to end), or `process`, child
 * processes, killed at once with SIGKILL — for steps with a `timeout`.
 */
export type HostKind = "thread" | "process";

/** The file URL of an export of tsx (import condition), found through its exports map. */
function tsxExport(from: string, name: string): string {
  const manifest = createRequire(from).resolve("tsx/package.json");
  const exportsMap = (JSON.parse(readFileSync(manifest, "utf8")) as { exports: Record<string, unknown> })
    .exports;
  const entry = exportsMap[name] as { import?: { default?: string } | string } | string | undefined;
  const target =
    typeof entry === "string"
      ? entry
      : typeof entry?.import === "string"
        ? entry.import
        : (entry?.import?.default ?? "./dist/esm/api/index.mjs");
  return pathToFileURL(join(dirname(manifest), target)).href;
}

/** One job host: a worker thread or a child process, seen the same way. */
interface Host {
  post(request: WorkerRequest): void;
  on(event: "message", listener: (reply: WorkerReply | { ready?: boolean }) => void): void;
  off(event: "message", listener: (reply: WorkerReply | { ready?: boolean }) => void): void;
  on(event: "error", listener: (error: Error) => void): void;
  off(event: "error", listener: (error: Error) => void): void;
  on(event: "exit", listener: (code: number | null) => void): void;
  off(event: "exit", listener: (code: number | null) => void): void;
  /** Keeps the process alive while a job runs; idle hosts never do. */
  hold(busy: boolean): void;
  /** Stops it: a thread at its next JavaScript instruction, a process at once (SIGKILL). */
  stop(): Promise<void>;
}

type WorkerListener = Parameters<Worker["on"]>[1];
type ChildListener = Parameters<ChildProcess["off"]>[1];

/**
 * The worker thread of a step. Built code starts `step-worker.js` directly; from TypeScript sources (tests)
 * the worker first registers tsx and resolves workspace packages through their `source` condition.
 */
function spawnThread(): Host {
  const here = import.meta.url;
  let worker: Worker;
  if (!here.endsWith(".ts")) worker = new Worker(new URL("./step-worker.js", here));
  else {
    const entry = new URL("./step-worker.ts", here).href;
    const code = `import(${JSON.stringify(tsxExport(here, "./esm/api"))}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;
    worker = new Worker(code, { eval: true, execArgv: ["--conditions=source"] });
  }
  return {
    post: (request) => worker.postMessage(request),
    on: (event: string, listener: WorkerListener) => void worker.on(event, listener),
    off: (event: string, listener: WorkerListener) => void worker.off(event, listener),
    hold: (busy) => (busy ? worker.ref() : worker.unref()),
    stop: async () => void (await worker.terminate()),
  } as Host;
}

/** The child process of a step with a timeout: `step-process.js`, or its TypeScript source through tsx. */
function spawnProcess(): Host {
  const here = import.meta.url;
  const ts = here.endsWith(".ts");
  const entry = fileURLToPath(new URL(ts ? "./step-process.ts" : "./step-process.js", here));
  const child: ChildProcess = fork(entry, [], {
    execArgv: ts ? ["--import", tsxExport(here, "."), "--conditions=source"] : [],
    serialization: "advanced",
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  const hold = (busy: boolean): void => {
    if (busy) {
      child.ref();
      child.channel?.ref();
    } else {
      child.unref();
      child.channel?.unref();
    }
  };
  return {
    post: (request) => void child.send(request),
    on: (event: string, listener: ChildListener) => void child.on(event, listener),
    off: (event: string, listener: ChildListener) => void child.off(event, listener),
    hold,
    // Resolves once the process is gone: nothing it was writing changes after this.
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGKILL");
      }),
  } as Host;
}

interface Slot {
  readonly host: Host;
  readonly ready: Promise<void>;
}

/**
 * Hosts (worker threads or child processes) that materialise steps. Hosts start on demand and are reused, so
 * polars loads once per host. A job that is cancelled or runs past its deadline (its `signal` aborts) stops its
 * host and rejects with the signal's reason; the pool starts a fresh host for the next job.
 */
export class WorkerPool {
  static readonly #shared = new Map<HostKind, WorkerPool>();

  /**
   * The process's pool of a kind. Idle hosts are unreferenced (they never keep the process alive) and stay
   * loaded, so a second run in the same process — a test file, a watch loop — does not load polars again.
   */
  static shared(kind: HostKind = "thread"): WorkerPool {
    let pool = WorkerPool.#shared.get(kind);
    if (!pool) WorkerPool.#shared.set(kind, (pool = new WorkerPool(kind)));
    return pool;
  }

  readonly kind: HostKind;
  readonly #idle: Slot[] = [];
  readonly #all = new Set<Slot>();
  /** Hosts of cancelled jobs, until they have stopped (a worker thread once its query has ended). */
  readonly #stopping = new Set<Promise<void>>();
  #next = 1;
  #jobs = 0;

  constructor(kind: HostKind = "thread") {
    this.kind = kind;
  }

  /** Jobs this pool has been given. */
  get jobs(): number {
    return this.#jobs;
  }

  /** Jobs running now (a cancelled job's host that is still stopping is not counted). */
  get running(): number {
    return this.#all.size - this.#idle.length;
  }

  /** Starts one host ahead of need, so its polars load overlaps the main thread's work. */
  warm(): void {
    if (this.#all.size === 0) this.#idle.push(this.#start());
  }

  #start(): Slot {
    const host = this.kind === "thread" ? spawnThread() : spawnProcess();
    const ready = new Promise<void>((resolve, reject) => {
      const onMessage = (message: WorkerReply | { ready?: boolean }): void => {
        if ("ready" in message && message.ready) {
          host.off("error", reject);
          host.off("exit", onExit);
          host.off("message", onMessage);
          resolve();
        }
      };
      const onExit = (code: number | null): void => reject(new Error(`it exited (code ${code})`));
      host.on("message", onMessage);
      host.on("error", reject);
      host.on("exit", onExit);
    });
    ready.catch(() => undefined);
    const slot = { host, ready };
    this.#all.add(slot);
    host.hold(false);
    return slot;
  }

  /** Materialises a serialised plan in a host; rejects with `signal.reason` when the signal aborts first. */
  async run(
    plan: Uint8Array,
    job: MaterializeJob,
    options: { readonly signal?: AbortSignal; readonly env?: Readonly<Record<string, string>> } = {},
  ): Promise<Materialized> {
    this.#jobs++;
    const slot = this.#idle.pop() ?? this.#start();
    const { host } = slot;
    let healthy = true;
    host.hold(true);
    try {
      try {
        await slot.ready;
      } catch (error) {
        healthy = false;
        throw new GlacierError(
          "TASK_FAILED",
          `the ${this.kind === "thread" ? "worker thread" : "child process"} could not start: ${(error as Error).message}`,
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
          host.off("message", onMessage);
          host.off("error", onError);
          host.off("exit", onExit);
          options.signal?.removeEventListener("abort", onAbort);
        };
        const onMessage = (reply: WorkerReply | { ready?: boolean }): void => {
          if (!("id" in reply) || reply.id !== id) return;
          cleanup();
          if (reply.ok) resolve(reply.result);
          else reject(deserializeError(reply.error));
        };
        const onError = (error: Error): void => {
          healthy = false;
          cleanup();
          reject(error);
        };
        const onExit = (code: number | null): void => {
          healthy = false;
          cleanup();
          reject(
            new GlacierError(
              "TASK_FAILED",
              `the ${this.kind === "thread" ? "worker thread" : "child process"} running the step exited (code ${code}).`,
              {
                subject: { kind: "step", name: job.step },
                hint: "polars may have run out of memory; check the run log.",
              },
            ),
          );
        };
        const onAbort = (): void => {
          healthy = false;
          cleanup();
          const reason: unknown = options.signal?.reason;
          const error = reason instanceof Error ? reason : new JobInterrupted();
          // Rejects at once, so a cancelled run ends without waiting for a query: a worker thread cannot be
          // interrupted and finishes its query first, still writing meanwhile. `abandoned()` says when it ended.
          this.#all.delete(slot);
          const stopped = host.stop().catch(() => undefined);
          this.#stopping.add(stopped);
          void stopped.then(() => this.#stopping.delete(stopped));
          reject(error);
        };
        host.on("message", onMessage);
        host.on("error", onError);
        host.on("exit", onExit);
        options.signal?.addEventListener("abort", onAbort);
        if (options.signal?.aborted) {
          onAbort();
          return;
        }
        host.post({ id, plan, job, ...(options.env ? { env: options.env } : {}) });
      });
    } finally {
      host.hold(false);
      if (healthy) this.#idle.push(slot);
      else {
        this.#all.delete(slot);
        void host.stop();
      }
    }
  }

  /**
   * Resolves once every host of a job cancelled so far has stopped: nothing it was writing changes after
   * this. A cancelled step removes its temporary output again then (the query may have created it after the
   * step's own cleanup).
   */
  async abandoned(): Promise<void> {
    await Promise.all([...this.#stopping]);
  }

  /** Stops every host. */
  async close(): Promise<void> {
    const all = [...this.#all];
    this.#all.clear();
    this.#idle.length = 0;
    await Promise.all(all.map((slot) => slot.host.stop()));
  }
}
