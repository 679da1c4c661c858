import { spawn, spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import pl from "nodejs-polars";
import type { RunResult } from "@glacier/core";
import { listRuns, readRun } from "@glacier/engine";
import { testProject, type TestProject } from "./fixtures/project.js";
import { statuses } from "./fixtures/results.js";

const CHILD = fileURLToPath(new URL("./fixtures/run-child.ts", import.meta.url));
const NODE_ARGS = ["--import", "tsx", "--conditions=source", CHILD];

let project: TestProject;
afterEach(() => project?.cleanup());

function seed(p: TestProject): void {
  p.write("acme", "raw/seed.parquet", pl.DataFrame({ id: Array.from({ length: 1000 }, (_, i) => i) }));
}

/** Runs the child pipeline to completion and returns its result. */
function runChild(p: TestProject, rows: number, resume?: string, limitKb?: number): RunResult {
  const args = [...NODE_ARGS, p.dir, p.data, String(rows), ...(resume ? [resume] : [])];
  const child =
    limitKb === undefined
      ? spawnSync(process.execPath, args, { encoding: "utf8" })
      : spawnSync("bash", ["-c", `ulimit -f ${limitKb}; exec "$0" "$@"`, process.execPath, ...args], {
          encoding: "utf8",
        });
  if (child.status !== 0) throw new Error(`child failed (${child.status}): ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split("\n").pop() as string) as RunResult;
}

/** Temporary files the runs left next to the output. */
function temporaries(p: TestProject): string[] {
  const dir = dirname(p.path("acme", "out/big.parquet"));
  return readdirSync(dir).filter((name) => name.endsWith(".glacier-tmp"));
}

describe("interrupted writes", () => {
  it("a run killed mid-write leaves the previous output intact, and resumes", async () => {
    project = testProject();
    seed(project);
    const output = project.path("acme", "out/big.parquet");
    expect(runChild(project, 1000).status).toBe("succeeded");
    const previous = readFileSync(output);

    const child = spawn(process.execPath, [...NODE_ARGS, project.dir, project.data, "4000000"], {
      stdio: "ignore",
    });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    // Kill it once the temporary file has data in it: in the middle of the write.
    for (let i = 0; ; i++) {
      const temp = temporaries(project)[0];
      if (temp && statSync(join(dirname(output), temp)).size > 0) break;
      if (child.exitCode !== null || i > 3000)
        throw new Error("the child finished before it could be killed");
      await sleep(10);
    }
    child.kill("SIGKILL");
    await exited;

    expect(readFileSync(output).equals(previous)).toBe(true);
    expect(pl.readParquet(output).height).toBe(1000);
    expect(temporaries(project)).toHaveLength(1);
    const [killed] = await listRuns({ projectDir: project.dir });
    expect(killed?.status).toBe("interrupted");
    const record = await readRun(killed?.runId as string, { projectDir: project.dir });
    expect(record.steps).toEqual([]);

    const resumed = runChild(project, 0, killed?.runId);
    expect(statuses(resumed)).toEqual([["expand", "succeeded", "parameters changed"]]);
    expect(pl.scanParquet(output).select(pl.len()).collectSync().getColumn("len").get(0)).toBe(4_000_000);
    expect(temporaries(project)).toEqual([]);
    // The killed run's lock (beside the output, in the data directory) was taken over and released.
    expect(readdirSync(dirname(output)).filter((name) => name.endsWith(".glacier-lock"))).toEqual([]);
  });

  it("a write that runs out of space fails the step and keeps the previous output", () => {
    project = testProject();
    seed(project);
    const output = project.path("acme", "out/big.parquet");
    expect(runChild(project, 1000).status).toBe("succeeded");
    const previous = readFileSync(output);
    // ulimit -f makes every write past 2 MB fail with EFBIG, as a full disk fails with ENOSPC.
    const result = runChild(project, 1_000_000, undefined, 2048);
    expect(result.status).toBe("failed");
    const step = result.steps[0] as { code?: string; error?: string };
    expect(step.code).toBe("STORAGE_ERROR");
    expect(step.error).toMatch(
      /^step "expand" failed: writing acme\/out\/big.parquet failed: .*File too large/,
    );
    expect(readFileSync(output).equals(previous)).toBe(true);
    expect(temporaries(project)).toEqual([]);
  });
});
