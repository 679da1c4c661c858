import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readRun } from "@glacier/engine";
import { BIN, ensureBuilt, tempProject } from "./helpers/cli.js";

/**
 * The scripted kill test of issue 12: a five-step run is stopped by SIGKILL, SIGINT or SIGTERM at seeded random
 * points, then resumed; every time the outputs must equal a clean run's byte for byte, nothing may be left
 * behind (temporary files, locks) and the records must say what happened (`interrupted`, `cancelled`).
 */
const PIPELINE = `
import pl from "nodejs-polars";
import { Pipeline, Provider } from "@glacier/core";

const provider = new Provider({ cloud: "local", basePath: "./data" });
const local = provider.local();
const at = (path: string) => provider.bucket({ bucket: "acme", path });
const clean = local.task(function clean(df: pl.LazyDataFrame) {
  return df.filter(pl.col("amount").gt(0));
});
const enrich = local.task(function enrich(df: pl.LazyDataFrame) {
  return df.withColumns(pl.col("amount").mul(12).alias("gross"), pl.col("id").modulo(97).alias("bucket"));
});
const byRegion = local.task(function byRegion(df: pl.LazyDataFrame) {
  return df.groupBy("region").agg(pl.col("gross").sum(), pl.len().alias("orders")).sort("region");
});
const byBucket = local.task(function byBucket(df: pl.LazyDataFrame) {
  return df.groupBy("bucket").agg(pl.col("gross").sum(), pl.col("gross").max().alias("top")).sort("bucket");
});
const report = local.task(function report({ regions, buckets }: { regions: pl.LazyDataFrame; buckets: pl.LazyDataFrame }) {
  return regions.join(buckets.select(pl.col("gross").sum().alias("all")), { how: "cross" });
});
const enriched = at("raw/sales.parquet").transform(clean).to(at("clean.parquet")).transform(enrich).to(at("enriched.parquet"));
const regions = enriched.transform(byRegion).to(at("regions.parquet"));
const buckets = enriched.transform(byBucket).to(at("buckets.parquet"));
export const sales = Pipeline({ regions, buckets }).transform(report).to(at("report.parquet")).withName("sales");
`;

const SEED = `
import pl from "nodejs-polars";
import { mkdirSync } from "node:fs";
const n = 1_000_000;
let x = 7;
const amount = new Array(n);
const region = new Array(n);
for (let i = 0; i < n; i++) {
  x = (x * 1103515245 + 12345) % 2147483648;
  // Whole cents: integer sums are exact in any order, so every run writes the same bytes.
  amount[i] = (x % 20000) - 1000;
  region[i] = ["north", "south", "east", "west"][x % 4];
}
mkdirSync("data/acme/raw", { recursive: true });
pl.DataFrame({ id: Array.from({ length: n }, (_, i) => i), region, amount: pl.Series("amount", amount).cast(pl.Int64) })
  .writeParquet("data/acme/raw/sales.parquet");
`;

const OUTPUTS = ["clean", "enriched", "regions", "buckets", "report"].map((n) => `data/acme/${n}.parquet`);

/** mulberry32: the delays are the same in every run of this test. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let project: ReturnType<typeof tempProject>;
beforeAll(() => {
  ensureBuilt();
  project = tempProject({ "pipeline.ts": PIPELINE, "seed.mjs": SEED });
  const seeded = spawnSync(process.execPath, ["seed.mjs"], { cwd: project.dir, encoding: "utf8" });
  if (seeded.status !== 0) throw new Error(seeded.stderr);
}, 300_000);
afterAll(() => project?.remove());

interface Exited {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/**
 * Runs `glacier run` in the project. With `kill`, sends that signal `afterMs` after the run's record appears
 * (the run has locked its outputs and starts its steps), or when the process has run `afterMs` in all.
 */
function run(args: readonly string[], kill?: { signal: NodeJS.Signals; afterMs: number }): Promise<Exited> {
  const before = runIds();
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [BIN, "run", "pipeline.ts", "--no-typecheck", "--concurrency", "2", ...args],
    { cwd: project.dir, env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: undefined } },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  let timer: NodeJS.Timeout | undefined;
  if (kill) {
    const poll = setInterval(() => {
      if (newRun(before) === undefined) return;
      clearInterval(poll);
      timer = setTimeout(() => child.kill(kill.signal), kill.afterMs);
    }, 5);
    child.once("close", () => clearInterval(poll));
  }
  return new Promise((done) =>
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stdout, stderr, ms: performance.now() - started });
    }),
  );
}

function hashes(): Record<string, string> {
  return Object.fromEntries(
    OUTPUTS.map((f) => [
      f,
      createHash("sha256")
        .update(readFileSync(join(project.dir, f)))
        .digest("hex"),
    ]),
  );
}

/** Temporary files and locks anywhere in the data directory. */
function leftovers(): string[] {
  const found: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.glacier-(tmp|lock)/.test(entry.name)) found.push(relative(project.dir, full));
    }
  };
  walk(join(project.dir, "data"));
  return found;
}

/** The run a killed process started, if it got that far: the newest run directory not in `before`. */
function newRun(before: ReadonlySet<string>): string | undefined {
  const runs = join(project.dir, ".glacier", "runs");
  return (existsSync(runs) ? readdirSync(runs) : [])
    .filter((id) => !before.has(id))
    .sort()
    .pop();
}

function runIds(): Set<string> {
  const runs = join(project.dir, ".glacier", "runs");
  return new Set(existsSync(runs) ? readdirSync(runs) : []);
}

describe("killed at random points, then resumed", () => {
  it("SIGKILL, SIGINT and SIGTERM at seeded points: outputs equal a clean run's, nothing left behind", async () => {
    const before = runIds();
    const clean = await run([]);
    expect(clean.code, clean.stderr).toBe(0);
    const expected = hashes();
    // How long a clean run's steps take, from its record: the window the kills are aimed at.
    const window = (await readRun(newRun(before) as string, { projectDir: project.dir }))
      .durationMs as number;
    const next = random(12);
    const trials = (["SIGKILL", "SIGINT", "SIGTERM"] as const).flatMap((signal) => [signal, signal]);
    const seen: string[] = [];
    for (const signal of trials) {
      // Somewhere in the run: from its first step to its last.
      const afterMs = Math.round(next() * window);
      const before = runIds();
      const killed = await run(["--force"], { signal, afterMs });
      const runId = newRun(before);
      const record = runId === undefined ? undefined : await readRun(runId, { projectDir: project.dir });
      const trial = `${signal} after ${afterMs} ms: ${record?.status ?? "no record"}`;
      seen.push(trial);
      if (killed.code === 0 || record?.status === "succeeded") {
        // The run ended before the signal came, or came to its end before the signal took effect (the process
        // then dies by the signal on its way out, its handlers removed): the run is complete, and recorded so.
        expect(record?.status, trial).toBe("succeeded");
        expect(
          record?.steps.map((step) => step.status),
          trial,
        ).toEqual(Array(5).fill("succeeded"));
      } else {
        expect(killed.signal, `${trial}\n${killed.stderr}`).toBe(signal);
        if (record) {
          expect(record.status, trial).toBe(signal === "SIGKILL" ? "interrupted" : "cancelled");
          // What finished is recorded as such; a cancelled run records the rest as cancelled, a killed one
          // could not record them at all.
          for (const step of record.steps) {
            expect([step.status, step.reason], trial).toEqual(
              step.status === "succeeded" ? ["succeeded", "forced"] : ["not-run", "cancelled"],
            );
          }
          if (signal !== "SIGKILL") expect(record.steps, trial).toHaveLength(5);
        }
        if (signal !== "SIGKILL") {
          // A cancelled run cleans up after itself; only SIGKILL leaves files for the next run to take over.
          expect(leftovers(), trial).toEqual([]);
          if (record) expect(killed.stdout, trial).toMatch(/^run \S+ cancelled by SIG(INT|TERM) \(5 steps: /);
        }
      }
      const resumed = await run(record && record.status !== "succeeded" ? ["--resume", record.runId] : []);
      expect(resumed.code, `${trial}\n${resumed.stderr}`).toBe(0);
      expect(hashes(), trial).toEqual(expected);
      expect(leftovers(), trial).toEqual([]);
    }
    // The seeded points hit the run itself, not only the process's start.
    expect(
      seen.filter((t) => /interrupted|cancelled/.test(t)).length,
      seen.join("\n"),
    ).toBeGreaterThanOrEqual(3);
  }, 120_000);
});
