import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import pl from "nodejs-polars";
import { check, LineageGraph, runGraph } from "@glacier/core";
import { testProject, type TestProject } from "./fixtures/project.js";

let project: TestProject;
let server: Server | undefined;
afterEach(async () => {
  delete process.env["OTEL_EXPORTER_OTLP_ENDPOINT"];
  project?.cleanup();
  await new Promise((done) => (server ? server.close(done) : done(undefined)));
  server = undefined;
});

/** An OTLP/HTTP attribute value as the JSON encoding writes it. */
type AnyValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean };
interface OtlpSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: { key: string; value: AnyValue }[];
  status?: { code?: number; message?: string };
}

/** A loopback OTLP/HTTP collector: every span POSTed to /v1/traces, with the content types it came in. */
async function collector(): Promise<{ url: string; spans: OtlpSpan[]; requests: string[] }> {
  const spans: OtlpSpan[] = [];
  const requests: string[] = [];
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      requests.push(`${req.method} ${req.url} ${req.headers["content-type"]}`);
      const payload = JSON.parse(body) as {
        resourceSpans: {
          resource: { attributes: { key: string; value: AnyValue }[] };
          scopeSpans: { spans: OtlpSpan[] }[];
        }[];
      };
      for (const rs of payload.resourceSpans) {
        expect(rs.resource.attributes).toContainEqual({
          key: "service.name",
          value: { stringValue: "glacier" },
        });
        for (const ss of rs.scopeSpans) spans.push(...ss.spans);
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((done) => server!.listen(0, "127.0.0.1", done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, requests };
}

function attributes(span: OtlpSpan | undefined): Record<string, unknown> {
  return Object.fromEntries(
    (span?.attributes ?? []).map(({ key, value }) => [
      key,
      value.stringValue ?? (value.intValue === undefined ? value.boolValue : Number(value.intValue)),
    ]),
  );
}

describe("OpenTelemetry spans of a local run", () => {
  it("are exported over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set: one per run and per step", async () => {
    project = testProject("glacier-otel-");
    project.write("acme", "raw/orders.parquet", pl.DataFrame({ id: [1, 1, 2], amount: [5, 6, 7] }));
    const local = project.provider.local();
    const copy = local.task(function copy(df: pl.LazyDataFrame) {
      return df;
    });
    const total = local.task(function total(df: pl.LazyDataFrame) {
      return df.select(pl.col("amount").sum());
    });
    const raw = project.provider.bucket({ bucket: "acme", path: "raw/orders.parquet" });
    const clean = raw.transform(copy).to(project.provider.bucket({ bucket: "acme", path: "clean.parquet" }));
    const graph = LineageGraph.from([
      clean.transform(total).to(project.provider.bucket({ bucket: "acme", path: "total.parquet" })),
      raw
        .transform(local.task((df: pl.LazyDataFrame) => df, { name: "dedupe" }))
        .to(project.provider.bucket({ bucket: "acme", path: "dedupe.parquet" }))
        .check(check.unique("id")),
    ]);
    const otlp = await collector();
    process.env["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlp.url;

    const result = await runGraph(graph, { mode: "local", projectDir: project.dir, concurrency: 1 });
    expect(result.status).toBe("failed");
    expect(new Set(otlp.requests)).toEqual(new Set(["POST /v1/traces application/json"]));
    const byName = new Map(otlp.spans.map((s) => [s.name, s]));
    expect([...byName.keys()].sort()).toEqual(["glacier run", "step copy", "step dedupe", "step total"]);
    const run = byName.get("glacier run") as OtlpSpan;
    expect(attributes(run)).toMatchObject({
      "glacier.run.id": result.runId,
      "glacier.mode": "local",
      "glacier.status": "failed",
    });
    expect(run.status?.code).toBe(2);
    for (const name of ["step copy", "step dedupe", "step total"]) {
      const span = byName.get(name) as OtlpSpan;
      expect(span.traceId).toBe(run.traceId);
      expect(span.parentSpanId).toBe(run.spanId);
    }
    expect(attributes(byName.get("step copy"))).toEqual({
      "glacier.step": "copy",
      "glacier.step.id": "copy->acme/clean.parquet",
      "glacier.executor": "local",
      "glacier.status": "succeeded",
      "glacier.reason": "never ran",
      "glacier.rows": 3,
      "glacier.bytes": expect.any(Number),
      "glacier.retries": 0,
    });
    const dedupe = byName.get("step dedupe");
    expect(attributes(dedupe)).toMatchObject({
      "glacier.status": "failed",
      "glacier.error.code": "CHECK_FAILED",
    });
    expect(dedupe?.status?.code).toBe(2);
    expect(dedupe?.status?.message).toContain("check unique(id)");
  });

  it("are off without the variables (the API's no-op tracer), and the run is unchanged", async () => {
    project = testProject("glacier-otel-");
    project.write("acme", "raw/orders.parquet", pl.DataFrame({ id: [1], amount: [5] }));
    const local = project.provider.local();
    const raw = project.provider.bucket({ bucket: "acme", path: "raw/orders.parquet" });
    const out = raw
      .transform(local.task((df: pl.LazyDataFrame) => df, { name: "copy" }))
      .to(project.provider.bucket({ bucket: "acme", path: "copy.parquet" }));
    const { otlpTracesWanted } = await import("../../engine/src/telemetry/run-tracing.js");
    expect(otlpTracesWanted({})).toBe(false);
    expect(otlpTracesWanted({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://127.0.0.1:1/v1/traces" })).toBe(
      true,
    );
    expect(otlpTracesWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://x", OTEL_SDK_DISABLED: "true" })).toBe(
      false,
    );
    const result = await out.run({ mode: "local", projectDir: project.dir });
    expect(result.status).toBe("succeeded");
  });

  it("reach a tracer provider the host process registered, without the variables", async () => {
    project = testProject("glacier-otel-");
    project.write("acme", "raw/orders.parquet", pl.DataFrame({ id: [1], amount: [5] }));
    const local = project.provider.local();
    const raw = project.provider.bucket({ bucket: "acme", path: "raw/orders.parquet" });
    const out = raw
      .transform(local.task((df: pl.LazyDataFrame) => df, { name: "copy" }))
      .to(project.provider.bucket({ bucket: "acme", path: "copy.parquet" }));
    const { trace } = await import("@opentelemetry/api");
    const { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } =
      await import("@opentelemetry/sdk-trace");
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    expect(trace.setGlobalTracerProvider(provider)).toBe(true);
    try {
      expect((await out.run({ mode: "local", projectDir: project.dir })).status).toBe("succeeded");
      expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(["step copy", "glacier run"]);
    } finally {
      trace.disable();
      await provider.shutdown();
    }
  });
});
