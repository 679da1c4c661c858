import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import pl from "nodejs-polars";
import { RunStore } from "@glacier/engine";
import { salesFrame, testProject, type TestProject } from "./fixtures/project.js";
import { rejection, stable, statuses } from "./fixtures/results.js";

let project: TestProject;
afterEach(() => project?.cleanup());

function build(p: TestProject, gate?: Promise<void>) {
  const local = p.provider.local();
  const raw = p.provider.bucket({ bucket: "acme", path: "raw/sales.parquet" });
  const out = p.provider.bucket({ bucket: "acme", path: "out.parquet" });
  const slow = local.task(async function slow(df: pl.LazyDataFrame) {
    await gate;
    return df.filter(pl.col("amount").gt(0));
  });
  return raw.transform(slow).to(out);
}

describe("concurrent runs", () => {
  it("a second run writing the same outputs fails with LOCKED and writes nothing", async () => {
    project = testProject();
    project.write("acme", "raw/sales.parquet", salesFrame(100));
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const first = build(project, gate).run({ mode: "local", projectDir: project.dir });
    // The first run holds its locks before it creates its record.
    while (!existsSync(join(project.dir, ".glacier", "runs"))) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const before = project.files();
    const error = await rejection(() =>
      build(project).run({ mode: "local", projectDir: project.dir, force: true }),
    );
    expect(error.code).toBe("LOCKED");
    expect(
      stable(error.message, project.dir).replace(
        /pid \d+ on [^,]+, started [^)]+/,
        "pid <pid> on <host>, started <time>",
      ),
    ).toBe(
      'file "<project>/data/acme/out.parquet": run <run> (pid <pid> on <host>, started <time>) is writing this output. Wait for that run to finish and start again; two runs must not write the same outputs at once.',
    );
    expect(project.files()).toEqual(before);
    open();
    const result = await first;
    expect(statuses(result)).toEqual([["slow", "succeeded", "never ran"]]);
    expect(project.read("acme", "out.parquet").height).toBe(
      salesFrame(100).filter(pl.col("amount").gt(0)).height,
    );
    // Once the first run finished, the lock is free again.
    expect(statuses(await build(project).run({ mode: "local", projectDir: project.dir }))).toEqual([
      ["slow", "skipped", "up to date"],
    ]);
  });

  it("takes over the lock of a run whose process died", async () => {
    project = testProject();
    project.write("acme", "raw/sales.parquet", salesFrame(100));
    const dead = spawnSync(process.execPath, ["-e", "process.pid"]).pid as number;
    const store = new RunStore(project.dir);
    const lock = store.lockPath(project.path("acme", "out.parquet"));
    mkdirSync(join(store.root, "locks"), { recursive: true });
    writeFileSync(
      lock,
      JSON.stringify({
        runId: "20240101T000000Z-dead",
        pid: dead,
        host: hostname(),
        startedAt: "2024-01-01T00:00:00.000Z",
      }),
    );
    const result = await build(project).run({ mode: "local", projectDir: project.dir });
    expect(result.status).toBe("succeeded");
    expect(readdirSync(join(store.root, "locks"))).toEqual([]);
  });
});
