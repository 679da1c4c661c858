import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import pl from "nodejs-polars";
import { Provider } from "@glacier/core";
import { bootId, currentProcess, processStartTicks } from "@glacier/engine";
import { ownerTag } from "../src/temp-owner.js";
import { salesFrame, testProject, type TestProject } from "./fixtures/project.js";
import { rejection, stable, statuses } from "./fixtures/results.js";

let project: TestProject;
const extra: string[] = [];
afterEach(() => {
  project?.cleanup();
  for (const dir of extra.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function build(provider: Provider, gate?: Promise<void>, output = "out.parquet") {
  const local = provider.local();
  const raw = provider.bucket({ bucket: "acme", path: "raw/sales.parquet" });
  const out = provider.bucket({ bucket: "acme", path: output });
  const slow = local.task(async function slow(df: pl.LazyDataFrame) {
    await gate;
    return df.filter(pl.col("amount").gt(0));
  });
  return raw.transform(slow).to(out);
}

/** A second project (its own `.glacier/`) whose data directory is `data`. */
function projectSharing(data: string): { dir: string; provider: Provider } {
  const dir = mkdtempSync(join(tmpdir(), "glacier-local-second-"));
  extra.push(dir);
  return { dir, provider: new Provider({ cloud: "local", basePath: data }) };
}

/** Waits until a run holds its locks (it takes them before it creates its record). */
async function started(projectDir: string): Promise<void> {
  while (!existsSync(join(projectDir, ".glacier", "runs"))) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** The lock file of `acme/out.parquet`: beside the output, in the data directory. */
const lockOf = (p: TestProject) => p.path("acme", ".out.parquet.glacier-lock");

function writeLock(p: TestProject, owner: Record<string, unknown>): void {
  mkdirSync(p.path("acme", ""), { recursive: true });
  writeFileSync(
    lockOf(p),
    JSON.stringify({
      runId: "20240101T000000Z-dead",
      startedAt: "2024-01-01T00:00:00.000Z",
      projectDir: "/somewhere/else",
      location: p.path("acme", "out.parquet"),
      ...owner,
    }),
  );
}

describe("concurrent runs", () => {
  it("a second run writing the same outputs fails with LOCKED naming the first, and writes nothing", async () => {
    project = testProject();
    project.write("acme", "raw/sales.parquet", salesFrame(100));
    const held = gate();
    const first = build(project.provider, held.promise).run({ mode: "local", projectDir: project.dir });
    await started(project.dir);
    const before = project.hashes();
    const error = await rejection(() =>
      build(project.provider).run({ mode: "local", projectDir: project.dir, force: true }),
    );
    expect(error.code).toBe("LOCKED");
    expect(
      stable(error.message, project.dir)
        .replaceAll(String(process.pid), "<pid>")
        .replace(hostname(), "<host>")
        .replace(/started at [^)]+/, "started at <time>"),
    ).toBe(
      "file \"<project>/data/acme/out.parquet\": run <run> of <project> (pid <pid> on <host>, started at <time>) is writing this output. Wait for that run to finish, or stop it (kill -INT <pid>); two runs must not write the same outputs at once. A lock whose run died is taken over by itself; should this one stay after that run is gone, clear it with: rm '<project>/data/acme/.out.parquet.glacier-lock'",
    );
    expect(project.hashes()).toEqual(before);
    held.open();
    const result = await first;
    expect(statuses(result)).toEqual([["slow", "succeeded", "never ran"]]);
    expect(project.read("acme", "out.parquet").height).toBe(
      salesFrame(100).filter(pl.col("amount").gt(0)).height,
    );
    // Once the first run finished, the lock is free again.
    expect(existsSync(lockOf(project))).toBe(false);
    expect(statuses(await build(project.provider).run({ mode: "local", projectDir: project.dir }))).toEqual([
      ["slow", "skipped", "up to date"],
    ]);
  });

  it.each([
    ["whose process died", () => ({ pid: spawnSync(process.execPath, ["-e", "0"]).pid as number })],
    // In a container's pid namespace the new run often gets the killed run's pid: the pid is alive (it is this
    // very process) but started at another time.
    [
      "whose pid was recycled",
      () => ({
        pid: process.pid,
        startTicks: String(Number(processStartTicks(process.pid)) - 1),
        bootId: bootId(),
      }),
    ],
    [
      "of an earlier boot",
      () => ({ pid: process.pid, startTicks: currentProcess().startTicks, bootId: "earlier-boot" }),
    ],
  ])("takes over the lock of a run %s", async (_why, owner) => {
    project = testProject();
    project.write("acme", "raw/sales.parquet", salesFrame(100));
    writeLock(project, { host: hostname(), ...owner() });
    const result = await build(project.provider).run({ mode: "local", projectDir: project.dir });
    expect(statuses(result)).toEqual([["slow", "succeeded", "never ran"]]);
    expect(existsSync(lockOf(project))).toBe(false);
  });

  it("never takes over another host's lock, and says how to clear it", async () => {
    project = testProject();
    project.write("acme", "raw/sales.parquet", salesFrame(100));
    writeLock(project, { pid: 1, host: "other-host", startTicks: "7", bootId: "b" });
    const before = project.hashes();
    const error = await rejection(() =>
      build(project.provider).run({ mode: "local", projectDir: project.dir }),
    );
    expect(error.code).toBe("LOCKED");
    expect(stable(error.message, project.dir).replace(hostname(), "<host>")).toBe(
      "file \"<project>/data/acme/out.parquet\": run <run> of /somewhere/else (pid 1 on other-host, started at 2024-01-01T00:00:00.000Z) is writing this output; that host is not this one (<host>), so its lock is never taken over automatically. Wait for that run to finish; if it is no longer running on other-host, clear the lock with: rm '<project>/data/acme/.out.parquet.glacier-lock'",
    );
    expect(project.hashes()).toEqual(before);
    expect(existsSync(project.path("acme", "out.parquet"))).toBe(false);
  });
});

describe("two projects sharing one data directory", () => {
  it("a run of the second project writing the first's output gets LOCKED naming the first; other outputs run", async () => {
    project = testProject();
    project.write("acme", "raw/sales.parquet", salesFrame(100));
    const second = projectSharing(project.data);
    const held = gate();
    const first = build(project.provider, held.promise).run({ mode: "local", projectDir: project.dir });
    await started(project.dir);
    const error = await rejection(() =>
      build(second.provider).run({ mode: "local", projectDir: second.dir }),
    );
    expect(error.code).toBe("LOCKED");
    const { runId } = JSON.parse(readFileSync(lockOf(project), "utf8")) as { runId: string };
    expect(error.message).toContain(`run ${runId} of ${project.dir} (pid ${process.pid} on ${hostname()}`);
    // Meanwhile the second project writes another output of the same directory, concurrently.
    const other = await build(second.provider, undefined, "other.parquet").run({
      mode: "local",
      projectDir: second.dir,
    });
    expect(statuses(other)).toEqual([["slow", "succeeded", "never ran"]]);
    held.open();
    expect((await first).status).toBe("succeeded");
    const expected = salesFrame(100).filter(pl.col("amount").gt(0)).toRecords();
    expect(project.read("acme", "out.parquet").toRecords()).toEqual(expected);
    expect(project.read("acme", "other.parquet").toRecords()).toEqual(expected);
    expect(readdirSync(project.path("acme", "")).filter((n) => n.includes(".glacier-"))).toEqual([]);
  });

  it("a run sweeps only temporaries whose writer is gone, never a live run's in-flight file", async () => {
    project = testProject();
    project.write("acme", "raw/sales.parquet", salesFrame(100));
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid as number;
    const me = currentProcess();
    const temp = (run: string, tag: string) =>
      `.out.parquet.20240101T00000${run}Z-beef-0001.${tag}.glacier-tmp`;
    const live = temp("1", ownerTag(me));
    const gone = temp("2", ownerTag({ ...me, pid: dead }));
    const recycled = temp("3", ownerTag({ ...me, startTicks: "1" }));
    const foreign = temp("4", ownerTag({ ...me, host: "other-host" }));
    for (const name of [live, gone, recycled, foreign])
      writeFileSync(project.path("acme", name), "in flight");
    const second = projectSharing(project.data);
    const result = await build(second.provider).run({ mode: "local", projectDir: second.dir });
    expect(result.status).toBe("succeeded");
    expect(
      readdirSync(project.path("acme", ""))
        .filter((n) => n.endsWith(".glacier-tmp"))
        .sort(),
    ).toEqual([live, foreign].sort());
  });
});
