import type * as OtelApi from "@opentelemetry/api";
import type { Attributes, Span, Tracer } from "@opentelemetry/api";
import type { StepNode } from "@glacier/core";
import type { StepRecord } from "../run-record.js";

/** Closes an exporter this run started (flushing its spans); nothing when the run used the global tracer. */
type Shutdown = () => Promise<void>;

/** True when the standard variables ask for OTLP traces (and the SDK is not disabled). */
export function otlpTracesWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env["OTEL_SDK_DISABLED"] === "true" || env["OTEL_TRACES_EXPORTER"] === "none") return false;
  return Boolean(env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] || env["OTEL_EXPORTER_OTLP_ENDPOINT"]);
}

/** Where `@opentelemetry/api` 1.x keeps what a host registered (its `GLOBAL_OPENTELEMETRY_API_KEY`). */
const OTEL_API_GLOBAL = Symbol.for("opentelemetry.js.api.1");

/**
 * True when a run has somewhere to send spans: OTLP is configured, or the host process registered something
 * with the OpenTelemetry API (a tracer provider, a context manager …). Otherwise every span would be a no-op,
 * and the run does not load the API at all (44 modules).
 */
export function tracingWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  return otlpTracesWanted(env) || OTEL_API_GLOBAL in globalThis;
}

/**
 * The tracer of a run. With `OTEL_EXPORTER_OTLP_ENDPOINT` (or `…_TRACES_ENDPOINT`) set, the OpenTelemetry SDK
 * and its OTLP/HTTP exporter are loaded (only then: a run without them pays nothing) and export this run's
 * spans, configured by the standard `OTEL_*` variables; otherwise the `@opentelemetry/api` global tracer, a
 * no-op unless the host process registered an SDK of its own.
 */
async function runTracer(
  env: NodeJS.ProcessEnv,
): Promise<{ api: typeof OtelApi; tracer: Tracer; shutdown?: Shutdown }> {
  // Loaded here, not at import (44 modules): the API keeps its state in a process-wide global, so it finds
  // what the host registered whenever it loads.
  const api = await import("@opentelemetry/api");
  if (!otlpTracesWanted(env)) return { api, tracer: api.trace.getTracer("glacier") };
  const [{ TracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }] =
    await Promise.all([
      import("@opentelemetry/sdk-trace"),
      import("@opentelemetry/exporter-trace-otlp-http"),
      import("@opentelemetry/resources"),
    ]);
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ "service.name": env["OTEL_SERVICE_NAME"] || "glacier" }),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })],
  });
  return { api, tracer: provider.getTracer("glacier"), shutdown: () => provider.shutdown() };
}

type SessionStep = { readonly id: string; readonly name: string } | StepNode;

/**
 * Spans of one run: `glacier run` for the run and a child `step <name>` per step, from its start to its
 * settlement (a step that never started — skipped, or not run — gets an instant span). Attributes:
 * `glacier.run.id`, `glacier.mode`, `glacier.pipeline`; per step `glacier.step`, `glacier.step.id`,
 * `glacier.executor`, `glacier.rows`, `glacier.bytes`, `glacier.retries`, `glacier.status`, `glacier.reason`;
 * a failed step's span has status ERROR with its error.
 */
export class RunTracing {
  readonly #api: typeof OtelApi;
  readonly #tracer: Tracer;
  readonly #shutdown: Shutdown | undefined;
  readonly #run: Span;
  readonly #steps: ReadonlyMap<string, SessionStep>;
  readonly #open = new Map<string, Span>();

  private constructor(
    api: typeof OtelApi,
    tracer: Tracer,
    shutdown: Shutdown | undefined,
    run: Span,
    steps: readonly SessionStep[],
  ) {
    this.#api = api;
    this.#tracer = tracer;
    this.#shutdown = shutdown;
    this.#run = run;
    this.#steps = new Map(steps.map((s) => [s.id, s]));
  }

  static async start(
    run: { readonly runId: string; readonly mode: string; readonly pipeline?: string },
    steps: readonly SessionStep[],
    env: NodeJS.ProcessEnv = process.env,
  ): Promise<RunTracing | null> {
    if (!tracingWanted(env)) return null;
    const { api, tracer, shutdown } = await runTracer(env);
    const span = tracer.startSpan("glacier run", {
      attributes: {
        "glacier.run.id": run.runId,
        "glacier.mode": run.mode,
        ...(run.pipeline === undefined ? {} : { "glacier.pipeline": run.pipeline }),
        "glacier.steps": steps.length,
      },
    });
    return new RunTracing(api, tracer, shutdown, span, steps);
  }

  #stepSpan(stepId: string): Span {
    const step = this.#steps.get(stepId);
    const executor = step && "task" in step ? step.task.executor.kind : undefined;
    return this.#tracer.startSpan(
      `step ${step?.name ?? stepId}`,
      {
        attributes: {
          "glacier.step": step?.name ?? stepId,
          "glacier.step.id": stepId,
          ...(executor === undefined ? {} : { "glacier.executor": executor }),
        },
      },
      this.#api.trace.setSpan(this.#api.context.active(), this.#run),
    );
  }

  started(stepId: string): void {
    if (!this.#open.has(stepId)) this.#open.set(stepId, this.#stepSpan(stepId));
  }

  settled(record: StepRecord): void {
    const span = this.#open.get(record.id) ?? this.#stepSpan(record.id);
    this.#open.delete(record.id);
    const attributes: Attributes = {
      "glacier.status": record.status,
      ...(record.reason === undefined ? {} : { "glacier.reason": record.reason }),
      ...(record.rows === undefined ? {} : { "glacier.rows": record.rows }),
      ...(record.bytes === undefined ? {} : { "glacier.bytes": record.bytes }),
      ...(record.attempts === undefined ? {} : { "glacier.retries": record.attempts - 1 }),
      ...(record.code === undefined ? {} : { "glacier.error.code": record.code }),
      ...(record.runsOn === undefined ? {} : { "glacier.runs_on": record.runsOn }),
    };
    span.setAttributes(attributes);
    if (record.status === "failed") {
      span.setStatus({
        code: this.#api.SpanStatusCode.ERROR,
        ...(record.error ? { message: record.error } : {}),
      });
    }
    span.end();
  }

  /** Ends the run's span and, when this run exported its own spans, flushes and closes the exporter. */
  async finish(status: "succeeded" | "failed" | "cancelled", error?: string): Promise<void> {
    for (const span of this.#open.values()) span.end();
    this.#open.clear();
    this.#run.setAttribute("glacier.status", status);
    if (status === "failed") {
      this.#run.setStatus({ code: this.#api.SpanStatusCode.ERROR, ...(error ? { message: error } : {}) });
    }
    this.#run.end();
    await this.#shutdown?.();
  }
}
