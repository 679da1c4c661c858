import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { readRun } from "@glacier/engine";
import { BIN, ensureBuilt, tempProject } from "./helpers/cli.js";

/**
 * `acme/raw/ids.parquet` → first → `acme/first.parquet` → slow → `acme/slow.parquet` → last → `acme/last.parquet`.
 * `slow` runs ~10¹⁰ rows through a cross join (minutes, in a worker thread) unless `--param heavy=0`; with
 * `--param busy=MS` its task function first keeps the main thread busy that long.
 */
const PIPELINE = `
import pl from "nodejs-polars";
import { Provider, param } from "@glacier/core";

const provider = new Provider({ cloud: "local", basePath: "./data" });
const local = provider.local();
const first = local.task(function first(df: pl.LazyDataFrame) {
  return df.withColumns(pl.col("id").mul(2).alias("double"));
});
const slow = local.task(
  function slow(df: pl.LazyDataFrame, ctx) {
    if (ctx.params.busy > 0) ctx.log.info("busy");
    const until = Date.now() + ctx.params.busy;
    while (Date.now() < until) {
      // A task doing synchronous work: signals wait for it.
    }
    if (ctx.params.heavy === 0) return df.select(pl.col("id").sum().alias("total"));
    const ids = df.select(pl.col("id"));
    return ids
      .join(ids.select(pl.col("id").alias("b")), { how: "cross" })
      .join(ids.select(pl.col("id").alias("c")), { how: "cross" })
      .join(pl.DataFrame({ t: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }).lazy(), { how: "cross" })
      .select(pl.col("id").mul(pl.col("b")).mul(pl.col("c")).sum().alias("total"));
  },
  {
    params: { heavy: param.integer({ default: 1 }), busy: param.integer({ default: 0 }) },
    ...(process.env.SLOW_TIMEOUT ? { timeout: Number(process.env.SLOW_TIMEOUT) } : {}),
  },
);
const last = local.task(function last(df: pl.LazyDataFrame) {
  return df.withColumns(pl.col("total").cast(pl.Float64));
});
export const chain = provider
  .bucket({ bucket: "acme", path: "raw/ids.parquet" })
  .transform(first)
  .to(provider.bucket({ bucket: "acme", path: "first.parquet" }))
  .transform(slow)
  .to(provider.bucket({ bucket: "acme", path: "slow.parquet" }))
  .transform(last)
  .to(provider.bucket({ bucket: "acme", path: "last.parquet" }))
  .withName("chain");
`;

const SEED = `
import pl from "nodejs-polars";
import { mkdirSync } from "node:fs";
mkdirSync("data/acme/raw", { recursive: true });
pl.DataFrame({ id: Array.from({ length: 1000 }, (_, i) => i) }).writeParquet("data/acme/raw/ids.parquet");
`;

beforeAll(() => ensureBuilt(), 300_000);

let project: ReturnType<typeof tempProject> | undefined;
afterEach(() => project?.remove());

/** A project with the pipeline and its 1,000 ids written. */
async function setUp(): Promise<{ readonly dir: string }> {
  const made = tempProject({ "pipeline.ts": PIPELINE, "seed.mjs": SEED });
  project = made;
  const seeded = spawn(process.execPath, ["seed.mjs"], { cwd: made.dir, stdio: "inherit" });
  await new Promise((done) => seeded.once("exit", done));
  return made;
}

interface Exited {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Starts `glacier run` in the project; `exited` resolves with its exit code or signal and its output. */
function start(dir: string, args: readonly string[] = [], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [BIN, "run", "pipeline.ts", "--no-typecheck", ...args], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: undefined, ...env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<Exited>((done) =>
    child.once("close", (code, signal) => done({ code, signal, stdout, stderr })),
  );
  return { child, exited };
}

/** The run's id once its log says `step` started (or logged `message`). */
async function whenStarted(dir: string, step: string, message = "step started"): Promise<string> {
  const runs = join(dir, ".glacier", "runs");
  for (let i = 0; i < 3000; i++) {
    for (const runId of existsSync(runs) ? readdirSync(runs) : []) {
      const log = join(runs, runId, "log.jsonl");
      if (existsSync(log) && readFileSync(log, "utf8").includes(`"step":"${step}","msg":"${message}`)) {
        return runId;
      }
    }
    await sleep(10);
  }
  throw new Error(`step ${step} never started`);
}

/** Files a run must never leave behind in the data directory: temporaries and locks. */
function leftovers(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.glacier-(tmp|lock)/.test(entry.name)) found.push(relative(dir, full));
    }
  };
  walk(join(dir, "data"));
  return found;
}

describe("glacier run stopped by a signal", () => {
  it.each([
    ["SIGINT", "Ctrl-C"],
    ["SIGTERM", "SIGTERM"],
  ] as const)(
    "%s: cancels the running step, cleans up, records `cancelled`, one summary line, exits by the signal",
    async (signal, again) => {
      const { dir } = await setUp();
      const run = start(dir);
      const runId = await whenStarted(dir, "slow");
      await sleep(300); // into the polars query, in a worker thread that cannot be stopped mid-query
      run.child.kill(signal);
      const exited = await run.exited;
      // Exits by the signal (a shell reports 130 / 143), without waiting for the query to end.
      expect([exited.code, exited.signal]).toEqual([null, signal]);
      expect(exited.stdout).toBe(
        `run ${runId} cancelled by ${signal} (3 steps: 1 succeeded, 2 not run); go on with: glacier run --resume ${runId}\n`,
      );
      expect(exited.stderr).toContain(
        `cancelling (${signal}): stopping running steps and cleaning up; ${again} again exits at once.`,
      );
      const record = await readRun(runId, { projectDir: dir });
      expect(record.status).toBe("cancelled");
      expect(record.steps.map((s) => [s.name, s.status, s.reason])).toEqual([
        ["first", "succeeded", "never ran"],
        ["slow", "not-run", "cancelled"],
        ["last", "not-run", "cancelled"],
      ]);
      expect(leftovers(dir)).toEqual([]);
      expect(existsSync(join(dir, "data/acme/slow.parquet"))).toBe(false);

      const resumed = start(dir, ["--resume", runId, "--param", "heavy=0"]);
      const done = await resumed.exited;
      expect(done.code, done.stderr).toBe(0);
      expect(done.stdout).toMatch(/^run \S+ succeeded \(3 steps: 1 skipped, 2 succeeded\)/);
      expect(done.stdout).toMatch(/first +skipped .* resumed\n/);
      expect(leftovers(dir)).toEqual([]);
    },
    60_000,
  );

  it("a second Ctrl-C exits at once, still releasing the run's locks", async () => {
    const { dir } = await setUp();
    // The task keeps the main thread busy for 3 s: both signals wait for it, then the second ends the process.
    const run = start(dir, ["--param", "busy=3000", "--param", "heavy=0"]);
    const runId = await whenStarted(dir, "slow", "busy");
    run.child.kill("SIGINT");
    // Ctrl-C again, and again until it ends, while the task holds the main thread: the kernel merges a signal
    // into one still pending, so two sent close together on a loaded machine can arrive as one.
    let ended = false;
    const again = (async () => {
      while (!ended) {
        await sleep(150);
        if (!ended) run.child.kill("SIGINT");
      }
    })();
    const exited = await run.exited;
    ended = true;
    await again;
    expect([exited.code, exited.signal]).toEqual([null, "SIGINT"]);
    expect(exited.stdout).toBe("");
    expect(exited.stderr).toContain("cancelling (SIGINT)");
    // Its locks are removed on the way out, and so are its temporaries — but for one a worker thread may
    // create just after (a race the exit does not wait for): its name says whose it is, a dead process's.
    expect(leftovers(dir).filter((f) => f.endsWith(".glacier-lock"))).toEqual([]);
    for (const temp of leftovers(dir))
      expect(temp).toMatch(new RegExp(`\\.${run.child.pid}_\\d+_[0-9a-f]{6}_[0-9a-f]{6}\\.glacier-tmp$`));
    // It ended before recording its end: a reader sees it interrupted.
    expect((await readRun(runId, { projectDir: dir })).status).toBe("interrupted");
    const resumed = await start(dir, ["--resume", runId, "--param", "busy=0"]).exited;
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(leftovers(dir)).toEqual([]);
  }, 60_000);
});

describe("glacier run with a step past its timeout", () => {
  it("kills the step's polars query at its timeout and exits at once, reporting TASK_TIMEOUT", async () => {
    const { dir } = await setUp();
    // Uninterrupted, the query takes minutes; the test's own limit is 30 s.
    const exited = await start(dir, [], { SLOW_TIMEOUT: "1" }).exited;
    expect([exited.code, exited.signal], exited.stderr).toEqual([1, null]);
    expect(exited.stdout).toMatch(/^run \S+ failed \(3 steps: 1 succeeded, 1 failed, 1 not run\)/);
    expect(exited.stdout).toContain(
      "failed slow: [TASK_TIMEOUT] the task timed out after 1 s (running its query). Raise the task's timeout option, or make the query cheaper.",
    );
    expect(leftovers(dir)).toEqual([]);
    expect(existsSync(join(dir, "data/acme/slow.parquet"))).toBe(false);
  }, 30_000);
});
