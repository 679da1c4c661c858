import { existsSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RunStore } from "@glacier/engine";
import type pl from "nodejs-polars";
import { afterEach, describe, expect, it } from "vitest";
import { fingerprintContent } from "../src/content-fingerprint.js";
import { FileHashCache } from "../src/file-hash-cache.js";
import { SourceCheckCache } from "../src/source-check-cache.js";
import { resolveLocation } from "../src/storage.js";
import { salesFrame, testProject, type TestProject } from "./fixtures/project.js";
import { rejection, stable } from "./fixtures/results.js";

let project: TestProject;
afterEach(() => project?.cleanup());

/** raw → copy, with raw's declared schema given by the test. */
function copyOf(p: TestProject, schema?: Record<string, string>) {
  const raw = p.provider.bucket({
    bucket: "acme",
    path: "raw/sales.parquet",
    ...(schema ? { schema: schema as never } : {}),
  });
  const copy = p.provider.local().task(function copy(df: pl.LazyDataFrame) {
    return df;
  });
  return { raw, out: raw.transform(copy).to(p.provider.bucket({ bucket: "acme", path: "out.parquet" })) };
}

/** A whole second, so that setting it back is exact. */
const MTIME = new Date("2026-01-01T00:00:00Z");

/** Writes the source with a known mtime. */
function writeSource(p: TestProject): string {
  const path = p.write("acme", "raw/sales.parquet", salesFrame(10));
  utimesSync(path, MTIME, MTIME);
  return path;
}

/** Rewrites a file with other bytes of the same size, and sets its mtime back to what it was. */
function rewriteSameSize(path: string, bytes: Buffer): void {
  const before = statSync(path);
  expect(bytes.length).toBe(before.size);
  writeFileSync(path, bytes);
  utimesSync(path, MTIME, MTIME);
  expect(statSync(path).mtimeMs).toBe(before.mtimeMs);
}

const cached = (p: TestProject) => {
  const dir = join(p.dir, ".glacier", "cache", "sources");
  return existsSync(dir) ? readdirSync(dir) : [];
};

describe("the preflight's source check, cached by content identity", () => {
  it("remembers a source that passed, and trusts it only while its stat key is the same", async () => {
    project = testProject();
    const path = writeSource(project);
    const { raw, out } = copyOf(project);
    expect((await out.run({ mode: "local", projectDir: project.dir })).status).toBe("succeeded");
    expect(cached(project)).toHaveLength(1);

    const store = new RunStore(project.dir);
    const passes = new SourceCheckCache(store, { readOnly: true });
    const location = resolveLocation(raw.node, {});
    const now = () =>
      fingerprintContent(raw.node, location, new FileHashCache(undefined), {}, { hash: false });
    expect(await passes.passed(raw.node, location, await now())).toBe(true);
    rewriteSameSize(path, readFileSync(path));
    // Same bytes, same size, same mtime: the ctime moved, so the check runs again.
    expect(await passes.passed(raw.node, location, await now())).toBe(false);
  });

  it("still catches a source corrupted with the same size and its mtime set back", async () => {
    project = testProject();
    const path = writeSource(project);
    const { out } = copyOf(project);
    expect((await out.run({ mode: "local", projectDir: project.dir })).status).toBe("succeeded");
    const size = statSync(path).size;
    rewriteSameSize(path, Buffer.alloc(size, "x"));
    const before = project.hashes();
    const error = await rejection(() => out.run({ mode: "local", projectDir: project.dir }));
    expect(error.code).toBe("SOURCE_UNREADABLE");
    expect(stable(error.message, project.dir)).toContain(
      "<project>/data/acme/raw/sales.parquet cannot be read as parquet",
    );
    expect(project.hashes()).toEqual(before);
  });

  it("checks an unchanged source against a changed declaration", async () => {
    project = testProject();
    writeSource(project);
    expect((await copyOf(project).out.run({ mode: "local", projectDir: project.dir })).status).toBe(
      "succeeded",
    );
    const before = project.hashes();
    const declared = copyOf(project, {
      order_id: "int32",
      region: "string",
      amount: "float64",
      day: "string",
    });
    const error = await rejection(() => declared.out.run({ mode: "local", projectDir: project.dir }));
    expect(error.code).toBe("SCHEMA_MISMATCH");
    expect(error.message).toContain('column "order_id" is Int64, declared int32');
    expect(project.hashes()).toEqual(before);
  });

  it("writes nothing in plan mode, nor for a run refused before its steps", async () => {
    project = testProject();
    writeSource(project);
    const { out } = copyOf(project);
    await out.run({ mode: "local", projectDir: project.dir, plan: true });
    expect(cached(project)).toEqual([]);
    // The source passes, but the output's directory is a file: refused, and nothing is kept.
    writeFileSync(project.path("acme", "out.parquet"), "");
    const blocked = project.provider.bucket({ bucket: "acme", path: "out.parquet/part.parquet" });
    const refused = project.provider
      .bucket({ bucket: "acme", path: "raw/sales.parquet" })
      .transform(
        project.provider.local().task(function copy(df: pl.LazyDataFrame) {
          return df;
        }),
      )
      .to(blocked);
    await expect(refused.run({ mode: "local", projectDir: project.dir })).rejects.toMatchObject({
      code: "STORAGE_ERROR",
    });
    expect(cached(project)).toEqual([]);
  });
});
