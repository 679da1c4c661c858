import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { bootId, currentProcess, ownerState, processStartTicks, readRun, RunStore } from "../src/index.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("process identity", () => {
  it("reads this process's start time and boot id from /proc", () => {
    const me = currentProcess();
    expect(me.pid).toBe(process.pid);
    expect(me.host).toBe(hostname());
    expect(me.startTicks).toMatch(/^\d+$/);
    expect(me.startTicks).toBe(processStartTicks(process.pid));
    expect(me.bootId).toMatch(/^[0-9a-f-]{36}$/);
    // Another process started later than this one.
    const child = spawnSync(
      process.execPath,
      ["-e", "process.stdout.write(require('fs').readFileSync('/proc/self/stat', 'utf8'))"],
      {
        encoding: "utf8",
      },
    );
    const childTicks = child.stdout.slice(child.stdout.lastIndexOf(")") + 2).split(" ")[19];
    expect(Number(childTicks)).toBeGreaterThanOrEqual(Number(me.startTicks));
  });

  it.each([
    ["this process", () => currentProcess(), "alive"],
    [
      "a pid that no longer runs",
      () => ({ ...currentProcess(), pid: spawnSync(process.execPath, ["-e", "0"]).pid as number }),
      "dead",
    ],
    [
      "a recycled pid: alive, but started at another time",
      () => ({ ...currentProcess(), startTicks: "1" }),
      "dead",
    ],
    [
      "an earlier boot",
      () => ({ ...currentProcess(), bootId: "00000000-0000-0000-0000-000000000000" }),
      "dead",
    ],
    ["another host's process", () => ({ ...currentProcess(), host: "build-7" }), "foreign"],
    [
      "a record from before start times (pid and host only)",
      () => ({ pid: process.pid, host: hostname() }),
      "alive",
    ],
  ] as const)("%s is %s", (_what, owner, state) => {
    expect(ownerState(owner())).toBe(state);
  });

  it("a running record whose pid now belongs to another process reads interrupted", async () => {
    const dir = mkdtempSync(join(tmpdir(), "glacier-engine-identity-"));
    dirs.push(dir);
    const store = new RunStore(dir);
    const write = (runId: string, startTicks: string) => {
      mkdirSync(store.runDir(runId), { recursive: true });
      writeFileSync(
        store.recordPath(runId),
        JSON.stringify({
          version: 1,
          mode: "local",
          runId,
          status: "running",
          startedAt: "2024-01-31T12:00:00.000Z",
          pid: process.pid,
          host: hostname(),
          startTicks,
          bootId: bootId(),
          params: {},
          options: { force: false, failFast: false, concurrency: 1 },
          steps: [],
          logPath: store.logPath(runId),
        }),
      );
    };
    write("20240131T120000Z-0001", String(Number(processStartTicks(process.pid)) - 1));
    write("20240131T120000Z-0002", processStartTicks(process.pid) as string);
    expect((await readRun("20240131T120000Z-0001", { projectDir: dir })).status).toBe("interrupted");
    expect((await readRun("20240131T120000Z-0002", { projectDir: dir })).status).toBe("running");
  });
});
