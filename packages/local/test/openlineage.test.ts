import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import pl from "nodejs-polars";
import { check, LineageGraph, Pipeline, runGraph } from "@glacier/core";
import { openLineageProblems } from "../../engine/test/fixtures/openlineage/validate-openlineage.js";
import { testProject, type TestProject } from "./fixtures/project.js";

let project: TestProject;
let server: Server | undefined;
afterEach(async () => {
  delete process.env["OPENLINEAGE_URL"];
  project?.cleanup();
  await new Promise((done) => (server ? server.close(done) : done(undefined)));
  server = undefined;
});

interface Event {
  eventType: string;
  run: { runId: string; facets?: Record<string, Record<string, unknown>> };
  job: { namespace: string; name: string; facets?: Record<string, Record<string, unknown>> };
  inputs: { namespace: string; name: string; facets?: Record<string, Record<string, unknown>> }[];
  outputs: {
    namespace: string;
    name: string;
    facets?: Record<string, Record<string, unknown>>;
    outputFacets?: Record<string, Record<string, unknown>>;
  }[];
}

/** raw → clean (SQL, checked) → total. */
function pipeline(p: TestProject) {
  const local = p.provider.local();
  const raw = p.provider.bucket({
    bucket: "acme",
    path: "raw/orders.parquet",
    schema: { id: "int64", amount: "float64" },
  });
  const clean = local.sql("clean", "SELECT id, amount FROM input WHERE amount IS NOT NULL");
  const total = local.task(function total(df: pl.LazyDataFrame) {
    return df.select(pl.col("amount").sum());
  });
  return LineageGraph.from(
    raw
      .transform(clean)
      .to(p.provider.bucket({ bucket: "acme", path: "clean/orders.parquet" }))
      .check(check.unique("id"), check.rowCount({ min: 1 }))
      .transform(total)
      .to(p.provider.bucket({ bucket: "acme", path: "total.parquet" }))
      .withName("orders"),
  );
}

function writeOrders(p: TestProject, ids: number[]): void {
  p.write(
    "acme",
    "raw/orders.parquet",
    pl.DataFrame({
      id: pl.Series("id", ids).cast(pl.Int64),
      amount: pl
        .Series(
          "amount",
          ids.map((i) => i * 10),
        )
        .cast(pl.Float64),
    }),
  );
}

function eventsOf(recordPath: string): Event[] {
  return readFileSync(join(recordPath, "openlineage.jsonl"), "utf8")
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line) as Event);
}

/**
 * Each job's event types, in order. A consumer may start once its input is committed, before the producer's
 * end is recorded, so events of different jobs interleave.
 */
const summary = (events: Event[]) =>
  [...new Set(events.map((e) => e.job.name))].map(
    (job) =>
      `${job}: ${events
        .filter((e) => e.job.name === job)
        .map((e) => e.eventType)
        .join(" ")}`,
  );

describe("OpenLineage events of a local run", () => {
  it("a successful run: START and COMPLETE for the run and each step, valid against the spec", async () => {
    project = testProject("glacier-lineage-");
    writeOrders(project, [1, 2, 3]);
    const result = await runGraph(pipeline(project), {
      mode: "local",
      projectDir: project.dir,
      concurrency: 1,
    });
    expect(result.status).toBe("succeeded");
    const events = eventsOf(result.recordPath as string);
    for (const event of events) expect(openLineageProblems(event)).toEqual([]);
    expect(summary(events)).toEqual([
      "glacier: START COMPLETE",
      "clean->acme/clean/orders.parquet: START COMPLETE",
      "total->acme/total.parquet: START COMPLETE",
    ]);
    const runStart = events[0] as Event;
    const [cleanStart, cleanDone] = events.filter((e) => e.job.name.startsWith("clean")) as [Event, Event];
    // One run id per step run, shared by its START and COMPLETE; the parent is the run.
    expect(cleanStart.run.runId).toBe(cleanDone.run.runId);
    expect(cleanDone.run.facets?.["parent"]?.["run"]).toEqual({ runId: runStart.run.runId });
    expect(cleanDone.job.facets?.["sql"]?.["query"]).toBe(
      "SELECT id, amount FROM input WHERE amount IS NOT NULL",
    );
    const input = cleanDone.inputs[0];
    expect(input?.namespace).toMatch(/^file:\/\//);
    expect(input?.name).toBe(project.path("acme", "raw/orders.parquet"));
    expect(input?.facets?.["schema"]?.["fields"]).toEqual([
      { name: "id", type: "int64" },
      { name: "amount", type: "float64" },
    ]);
    const output = cleanDone.outputs[0];
    expect(output?.facets?.["schema"]?.["fields"]).toEqual([
      { name: "id", type: "Int64" },
      { name: "amount", type: "Float64" },
    ]);
    expect(output?.facets?.["dataQualityAssertions"]?.["assertions"]).toEqual([
      { assertion: "unique(id)", success: true, column: "id" },
      { assertion: "row_count", success: true },
    ]);
    expect(output?.outputFacets?.["outputStatistics"]).toMatchObject({ rowCount: 3 });
  });

  it("a join + aggregate SQL step's COMPLETE carries its column lineage, valid against the spec", async () => {
    project = testProject("glacier-lineage-");
    const p = project.provider;
    project.write(
      "acme",
      "raw/orders.parquet",
      pl.DataFrame({
        id: pl.Series("id", [1, 2, 3, 4]).cast(pl.Int64),
        cid: pl.Series("cid", [1, 1, 2, 2]).cast(pl.Int64),
        amount: pl.Series("amount", [10, 20, 30, -5]).cast(pl.Float64),
      }),
    );
    project.write(
      "acme",
      "raw/customers.parquet",
      pl.DataFrame({ id: pl.Series("id", [1, 2]).cast(pl.Int64), region: ["north", "south"] }),
    );
    const orders = p.bucket({
      bucket: "acme",
      path: "raw/orders.parquet",
      schema: { id: "int64", cid: "int64", amount: "float64" },
    });
    const customers = p.bucket({ bucket: "acme", path: "raw/customers.parquet" });
    const perRegion = p
      .local()
      .sql(
        "perRegion",
        "SELECT c.region, SUM(o.amount) AS total, COUNT(*) AS n FROM orders o JOIN customers c ON o.cid = c.id " +
          "WHERE o.amount > 0 GROUP BY c.region ORDER BY total",
      );
    const graph = LineageGraph.from(
      Pipeline({ orders, customers })
        .transform(perRegion)
        .to(p.bucket({ bucket: "acme", path: "per-region.parquet" })),
    );
    const result = await runGraph(graph, { mode: "local", projectDir: project.dir });
    expect(result.status).toBe("succeeded");
    expect(project.read("acme", "per-region.parquet").columns).toEqual(["region", "total", "n"]);
    const events = eventsOf(result.recordPath as string);
    for (const event of events) expect(openLineageProblems(event)).toEqual([]);
    const [start, done] = events.filter((e) => e.job.name.startsWith("perRegion")) as [Event, Event];
    expect(start.outputs[0]?.facets?.["columnLineage"]).toBeUndefined();
    const ns = start.inputs[0]?.namespace as string;
    const o = project.path("acme", "raw/orders.parquet");
    const c = project.path("acme", "raw/customers.parquet");
    const edge = (name: string, field: string, type: string, subtype: string) => ({
      namespace: ns,
      name,
      field,
      transformations: [{ type, subtype }],
    });
    const lineage = done.outputs[0]?.facets?.["columnLineage"];
    expect(lineage?.["fields"]).toEqual({
      region: { inputFields: [edge(c, "region", "DIRECT", "IDENTITY")] },
      total: { inputFields: [edge(o, "amount", "DIRECT", "AGGREGATION")] },
      n: { inputFields: [] },
    });
    expect(lineage?.["dataset"]).toEqual([
      edge(o, "cid", "INDIRECT", "JOIN"),
      edge(c, "id", "INDIRECT", "JOIN"),
      edge(o, "amount", "INDIRECT", "FILTER"),
      edge(c, "region", "INDIRECT", "GROUP_BY"),
    ]);
  });

  it("a failing run: FAIL with the error and the failed assertion, ABORT downstream, the run FAIL", async () => {
    project = testProject("glacier-lineage-");
    writeOrders(project, [1, 1, 3]);
    const result = await runGraph(pipeline(project), {
      mode: "local",
      projectDir: project.dir,
      concurrency: 1,
    });
    expect(result.status).toBe("failed");
    const events = eventsOf(result.recordPath as string);
    for (const event of events) expect(openLineageProblems(event)).toEqual([]);
    expect(summary(events)).toEqual([
      "glacier: START FAIL",
      "clean->acme/clean/orders.parquet: START FAIL",
      "total->acme/total.parquet: ABORT",
    ]);
    const failed = events.find((e) => e.eventType === "FAIL" && e.job.name.startsWith("clean")) as Event;
    expect(failed.run.facets?.["errorMessage"]?.["message"]).toContain(
      "check unique(id): 2 rows share 1 value",
    );
    expect(failed.outputs[0]?.facets?.["dataQualityAssertions"]?.["assertions"]).toEqual([
      { assertion: "unique(id)", success: false, column: "id" },
      { assertion: "row_count", success: true },
    ]);
  });

  it("are also POSTed to OPENLINEAGE_URL (a loopback receiver), and a failing receiver never fails the run", async () => {
    project = testProject("glacier-lineage-");
    writeOrders(project, [1, 2, 3]);
    const received: { path: string; type: string; body: unknown }[] = [];
    let status = 201;
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        received.push({
          path: req.url ?? "",
          type: req.headers["content-type"] ?? "",
          body: JSON.parse(body) as unknown,
        });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((done) => server!.listen(0, "127.0.0.1", done));
    process.env["OPENLINEAGE_URL"] = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const result = await runGraph(pipeline(project), { mode: "local", projectDir: project.dir });
    expect(result.status).toBe("succeeded");
    expect(received.map((r) => [r.path, r.type])).toEqual(
      Array.from({ length: 6 }, () => ["/api/v1/lineage", "application/json"]),
    );
    expect(received.map((r) => r.body)).toEqual(eventsOf(result.recordPath as string));
    for (const r of received) expect(openLineageProblems(r.body)).toEqual([]);

    status = 500;
    received.length = 0;
    const again = await runGraph(pipeline(project), { mode: "local", projectDir: project.dir, force: true });
    expect(again.status).toBe("succeeded");
    expect(received).toHaveLength(6);
    const log = readFileSync(join(again.recordPath as string, "log.jsonl"), "utf8");
    expect(log).toMatch(
      /OpenLineage events could not be delivered: http:\/\/127\.0\.0\.1:\d+\/api\/v1\/lineage answered 500/,
    );
  });
});
