import { mkdirSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import pl from "nodejs-polars";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, glacier, tempProject } from "./helpers/cli.js";

/** `glacier.config.ts`'s `openlineage` sends a run's events to a loopback receiver. */
const received: { path: string; event: { eventType: string; job: { namespace: string } } }[] = [];
const receiver = createServer((req, res) => {
  let body = "";
  req.on("data", (chunk: Buffer) => (body += chunk.toString()));
  req.on("end", () => {
    received.push({ path: req.url ?? "", event: JSON.parse(body) as (typeof received)[number]["event"] });
    res.writeHead(200).end();
  });
});

const PIPELINE = `
import pl from "nodejs-polars";
import { Provider } from "@glacier/core";
const provider = new Provider({ cloud: "local", basePath: "data" });
const local = provider.local();
export const copied = provider
  .bucket({ bucket: "shop", path: "raw/orders.parquet" })
  .transform(local.task(function copy(df: pl.LazyDataFrame) { return df; }))
  .to(provider.bucket({ bucket: "shop", path: "copy/orders.parquet" }));
`;

let project: ReturnType<typeof tempProject>;
beforeAll(async () => {
  ensureBuilt();
  await new Promise<void>((done) => receiver.listen(0, "127.0.0.1", done));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  project = tempProject({
    "pipeline.ts": PIPELINE,
    "glacier.config.ts": `export default { pipelines: ["pipeline.ts"], openlineage: { url: "${url}", endpoint: "events", namespace: "shop" } };\n`,
    "bad/glacier.config.ts": `export default { pipelines: ["../pipeline.ts"], openlineage: { url: "ftp://x" } };\n`,
  });
  mkdirSync(join(project.dir, "data/shop/raw"), { recursive: true });
  pl.DataFrame({ id: [1, 2] }).writeParquet(join(project.dir, "data/shop/raw/orders.parquet"));
});
afterAll(async () => {
  project?.remove();
  await new Promise((done) => receiver.close(done));
});

describe("glacier.config.ts openlineage", () => {
  it("POSTs the run's events to the configured endpoint, in the configured namespace", async () => {
    const { code } = await glacier(["run"], { cwd: project.dir, env: { OPENLINEAGE_URL: "" } });
    expect(code).toBe(0);
    expect(received.map((r) => [r.path, r.event.eventType, r.event.job.namespace])).toEqual([
      ["/events", "START", "shop"],
      ["/events", "START", "shop"],
      ["/events", "COMPLETE", "shop"],
      ["/events", "COMPLETE", "shop"],
    ]);
  });

  it("refuses an endpoint that is not an http(s) URL, naming the file and the key", async () => {
    const { code, stderr } = await glacier(["run"], { cwd: join(project.dir, "bad") });
    expect(code).toBe(2);
    expect(stderr.trimEnd()).toBe(
      'error [INVALID_CONFIG] file "glacier.config.ts": openlineage.url must be an http(s) URL, got "ftp://x". Write openlineage: { url: "http://localhost:5000" } (endpoint, apiKey and namespace optional).',
    );
  });
});
