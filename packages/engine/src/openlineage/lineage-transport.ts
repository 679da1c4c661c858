import { appendFile } from "node:fs/promises";
import type { RunEvent } from "./lineage-events.js";

/** Where OpenLineage events go. `emit` never throws; `close` waits for every event and says what failed. */
export interface LineageTransport {
  emit(event: RunEvent): void;
  /** Resolves with the failures (empty when every event was delivered). */
  close(): Promise<readonly string[]>;
}

/** Sends each event in order through `send`, keeping the first few failures. */
function sequential(send: (event: RunEvent) => Promise<void>): LineageTransport {
  let chain = Promise.resolve();
  const failures: string[] = [];
  return {
    emit(event) {
      chain = chain.then(() =>
        send(event).catch((error: unknown) => {
          if (failures.length < 5) failures.push(error instanceof Error ? error.message : String(error));
        }),
      );
    },
    async close() {
      await chain;
      return failures;
    },
  };
}

/**
 * JSON lines appended to `path` (the run record's `openlineage.jsonl`), in order. Events emitted while an
 * append is in flight go out together in the next one: a run of many short steps emits two per step, and an
 * append (open, write, close) per event was a good part of such a step's main-thread time.
 */
export function fileTransport(path: string): LineageTransport {
  let chain = Promise.resolve();
  let pending: string[] = [];
  const failures: string[] = [];
  return {
    emit(event) {
      pending.push(`${JSON.stringify(event)}\n`);
      if (pending.length > 1) return;
      chain = chain.then(() => {
        const lines = pending.join("");
        pending = [];
        return appendFile(path, lines).catch((error: unknown) => {
          if (failures.length < 5) failures.push(error instanceof Error ? error.message : String(error));
        });
      });
    },
    async close() {
      await chain;
      return failures;
    },
  };
}

/**
 * POSTs each event as JSON to `<url>/<endpoint>` (OpenLineage's HTTP transport: `api/v1/lineage` by default),
 * with `Authorization: Bearer <apiKey>` when given. A response other than 2xx is a failure.
 */
export function httpTransport(options: {
  readonly url: string;
  readonly endpoint?: string;
  readonly apiKey?: string;
  readonly timeoutMs?: number;
}): LineageTransport {
  const target = new URL(
    options.endpoint ?? "api/v1/lineage",
    options.url.endsWith("/") ? options.url : `${options.url}/`,
  );
  return sequential(async (event) => {
    const response = await fetch(target, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
      },
      body: JSON.stringify(event),
      signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
    });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`${target.href} answered ${response.status} ${response.statusText}`);
  });
}

/** Several transports as one. */
export function allTransports(transports: readonly LineageTransport[]): LineageTransport {
  return {
    emit: (event) => transports.forEach((t) => t.emit(event)),
    close: async () => (await Promise.all(transports.map((t) => t.close()))).flat(),
  };
}

/**
 * The HTTP transport the environment asks for: `OPENLINEAGE_URL` (and optionally `OPENLINEAGE_ENDPOINT`,
 * `OPENLINEAGE_API_KEY`), the variables OpenLineage's own clients read. Undefined when it is not set, or when
 * `OPENLINEAGE_DISABLED` is `true`.
 */
export function httpTransportFromEnv(env: NodeJS.ProcessEnv = process.env): LineageTransport | undefined {
  const url = env["OPENLINEAGE_URL"];
  if (!url || env["OPENLINEAGE_DISABLED"] === "true") return undefined;
  return httpTransport({
    url,
    ...(env["OPENLINEAGE_ENDPOINT"] ? { endpoint: env["OPENLINEAGE_ENDPOINT"] } : {}),
    ...(env["OPENLINEAGE_API_KEY"] ? { apiKey: env["OPENLINEAGE_API_KEY"] } : {}),
  });
}
