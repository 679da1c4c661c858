import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeSampleData } from "../../../examples/simple/sample-data.js";
import { ensureBuilt, example, glacier, tempProject } from "./helpers/cli.js";

/**
 * `glacier run` end to end on the simple example with the local executor: its sample data is written to a
 * temp project, S3 is mapped there with --local-storage, and run records land in the project's .glacier/.
 */
const project = tempProject({});
const SIMPLE = example("simple");
const OUTPUT = join(project.dir, "data/glacier-example-sales/reports/daily_revenue.parquet");

const run = (...args: string[]) =>
  glacier(["run", SIMPLE, "--cwd", project.dir, "--local-storage", "data", ...args]);

/** The summary as cells (` | `-joined), without what changes each run: ids, times, byte counts. */
function stable(stdout: string): string {
  return stdout
    .trimEnd()
    .split("\n")
    .map((line) =>
      line
        .trim()
        .split(/\s{2,}/)
        .map((cell) =>
          cell
            .replace(/\d{8}T\d{6}Z-[0-9a-f]+/g, "<id>")
            .replace(/^\d+(\.\d+)? (k|M)?B$/, "<bytes>")
            .replace(/^\d+\.\d+ s$/, "<time>"),
        )
        .join(" | "),
    )
    .join("\n");
}

beforeAll(() => {
  ensureBuilt();
  writeSampleData(join(project.dir, "data"));
});
afterAll(project.remove);

describe("glacier run (local)", () => {
  it("runs the example, prints a summary and records the run", async () => {
    const { code, stdout, stderr } = await run();
    expect(code).toBe(0);
    expect(stable(stdout)).toMatchInlineSnapshot(`
      "run <id> succeeded (2 steps: 2 succeeded)
      step | status | rows | bytes | time | reason
      cleanSales | succeeded | 3,616 | <bytes> | <time> | never ran
      dailyRevenue | succeeded | 124 | <bytes> | <time> | never ran
      note cleanSales: ran on the main thread (blocking other steps, without its timeout): nodejs-polars cannot serialise str.toUpperCase() (column "region") for a worker thread. Rewrite str.toUpperCase() as SQL upper(region) (SQL runs as executor.sql, or as pl.SQLContext inside the task).
      record: .glacier/runs/<id>"
    `);
    // Progress goes to stderr, never mixed into the summary.
    expect(stderr).toContain("cleanSales");
    expect(existsSync(OUTPUT)).toBe(true);
  });

  it("--plan says what would run and why, and runs nothing", async () => {
    const before = readFileSync(OUTPUT);
    const { code, stdout } = await run("--plan", "--param", "minOrders=50");
    expect(code).toBe(0);
    expect(stdout).toMatchInlineSnapshot(`
      "plan: 1 step to run, 1 up to date
        cleanSales    skip  (up to date)
        dailyRevenue  run   (parameters changed)
      "
    `);
    expect(readFileSync(OUTPUT).equals(before)).toBe(true);
  });

  it("a rerun skips the up-to-date steps", async () => {
    const { code, stdout } = await run();
    expect(code).toBe(0);
    expect(stable(stdout)).toMatchInlineSnapshot(`
      "run <id> succeeded (2 steps: 2 skipped)
      step | status | rows | bytes | time | reason
      cleanSales | skipped | 3,616 | <bytes> | up to date
      dailyRevenue | skipped | 124 | <bytes> | up to date
      record: .glacier/runs/<id>"
    `);
  });

  it("--json prints one JSON document on stdout and nothing else there; the live view stays on stderr", async () => {
    const { code, stdout, stderr } = await run("--json");
    expect(code).toBe(0);
    const document = JSON.parse(stdout) as Record<string, unknown> & {
      steps: Record<string, unknown>[];
    };
    expect(Object.keys(document)).toEqual(["version", "runId", "status", "mode", "steps", "record"]);
    expect(document).toMatchObject({ version: 1, status: "succeeded", mode: "local" });
    expect(document.record).toBe(`.glacier/runs/${String(document.runId)}`);
    expect(document.steps.map((s) => [s.name, s.status, s.reason, s.error])).toEqual([
      ["cleanSales", "skipped", "up to date", null],
      ["dailyRevenue", "skipped", "up to date", null],
    ]);
    expect(Object.keys(document.steps[0] ?? {})).toEqual([
      ...["id", "name", "status", "reason", "rows", "bytes", "durationMs", "error", "notes", "checks"],
    ]);
    expect(stderr).toMatch(/^↷ cleanSales skipped \(up to date\)$/m);
    // The outcome is said once, in the document: the live view does not end with a summary of its own.
    expect(stderr).not.toMatch(/succeeded/);
  });

  it("--plan --json is the plan as the same document; an error before the run is a JSON document too", async () => {
    const plan = await run("--plan", "--json", "--param", "minOrders=50");
    expect(plan.code).toBe(0);
    const planned = JSON.parse(plan.stdout) as {
      runId: string | null;
      status: string;
      record: string | null;
      steps: { name: string; status: string; reason: string }[];
    };
    expect(planned).toMatchObject({ runId: null, status: "planned", record: null });
    expect(planned.steps.map((s) => [s.name, s.status, s.reason])).toEqual([
      ["cleanSales", "skipped", "up to date"],
      ["dailyRevenue", "would-run", "parameters changed"],
    ]);
    const bad = await run("--json", "--param", "minOrder=5");
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout)).toEqual({
      version: 1,
      status: "error",
      error: {
        code: "PARAM_UNKNOWN",
        message: 'param "minOrder": no task declares this parameter. Declared parameters: minOrders.',
      },
    });
    expect(bad.stderr.trimEnd().split("\n")).toHaveLength(1);
  });

  it("an undeclared --param is the interpreter's PARAM_UNKNOWN, exit 2", async () => {
    const { code, stdout, stderr } = await run("--param", "minOrder=5");
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr.trimEnd()).toMatchInlineSnapshot(
      `"error [PARAM_UNKNOWN] param "minOrder": no task declares this parameter. Declared parameters: minOrders."`,
    );
  });

  it("glacier runs lists the recorded runs, newest first", async () => {
    const { code, stdout } = await glacier(["runs", "--cwd", project.dir, "--format", "json"]);
    expect(code).toBe(0);
    const runs = JSON.parse(stdout) as { status: string; steps: { succeeded: number; skipped: number } }[];
    expect(runs.map((r) => [r.status, r.steps.succeeded, r.steps.skipped])).toEqual([
      ["succeeded", 0, 2],
      ["succeeded", 0, 2],
      ["succeeded", 2, 0],
    ]);
    const text = await glacier(["runs", "--cwd", project.dir, "--limit", "1"]);
    expect(text.stdout.split("\n")[0]).toMatch(/^run +mode +status +started +time +pipeline +steps$/);
    expect(text.stdout.trimEnd().split("\n")).toHaveLength(2);
  });

  it("--low-memory runs with polars' low-memory settings and records them", async () => {
    const { code, stdout } = await run("--low-memory", "--force");
    expect(code).toBe(0);
    const id = /run (\S+) succeeded/.exec(stdout)?.[1] as string;
    const record = JSON.parse(readFileSync(join(project.dir, ".glacier/runs", id, "run.json"), "utf8")) as {
      options: { lowMemory?: Record<string, string> };
      logPath: string;
    };
    // The example's steps each have one input, so only the reader setting applies.
    expect(record.options.lowMemory).toEqual({ POLARS_FORCE_ASYNC: "1" });
    expect(readFileSync(record.logPath, "utf8")).toContain(
      "low-memory mode: no step has several inputs: Polars' join sample limit is left as it is",
    );
  });

  it("--memory-budget admits steps against that many MiB and records it", async () => {
    const { code, stdout } = await run("--memory-budget", "64", "--force");
    expect(code).toBe(0);
    const id = /run (\S+) succeeded/.exec(stdout)?.[1] as string;
    const record = JSON.parse(readFileSync(join(project.dir, ".glacier/runs", id, "run.json"), "utf8")) as {
      options: { memoryBudget?: number };
      steps: { peakMemoryBytes?: number }[];
    };
    expect(record.options.memoryBudget).toBe(64 * 2 ** 20);
    for (const step of record.steps) expect(step.peakMemoryBytes).toBeTypeOf("number");
  });
});

describe("a module that does not type-check", () => {
  const mistyped = tempProject({
    "data/acme-data/raw/orders.csv": "order_id,amount\n1,10.5\n2,3.25\n",
    "pipeline.ts": `import type { LazyDataFrame } from "nodejs-polars";
import { Provider } from "@glacier/core";
const provider = new Provider({ cloud: "local", basePath: new URL("./data", import.meta.url).pathname });
const local = provider.local();
const raw = provider.bucket({ bucket: "acme-data", path: "raw/orders.csv" });
const out = provider.bucket({ bucket: "acme-data", path: "out/orders.parquet" });
const logged = local.task(function logged(df: LazyDataFrame, ctx) {
  ctx.log("copying");
  return df;
});
export const orders = raw.transform(logged).to(out);
`,
  });
  afterAll(mistyped.remove);

  it("is refused before any step runs, each error with file:line:col; nothing is written", async () => {
    const { code, stdout, stderr } = await glacier(["run", "pipeline.ts"], { cwd: mistyped.dir });
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toMatchInlineSnapshot(`
      "error [TYPE_ERROR] pipeline.ts:8:7: This expression is not callable. Type 'TaskLogger' has no call signatures. (TS2349)
      error [TYPE_ERROR] 1 type error in pipeline.ts: nothing was run. Fix it (glacier validate lists type errors too), or pass --no-typecheck to run anyway.
      "
    `);
    expect(existsSync(join(mistyped.dir, ".glacier"))).toBe(false);
    expect(existsSync(join(mistyped.dir, "data/acme-data/out"))).toBe(false);
  });

  it("runs with --no-typecheck, and fails where the type error said it would", async () => {
    const { code, stdout } = await glacier(["run", "pipeline.ts", "--no-typecheck"], { cwd: mistyped.dir });
    expect(code).toBe(1);
    expect(stdout).toMatch(/^failed logged: \[TASK_FAILED\] the task threw: ctx\.log is not a function\./m);
  });
});

describe("a failing step", () => {
  const failing = tempProject({
    "data/acme-data/raw/orders.csv": "order_id,amount\n1,10.5\n2,3.25\n",
    "pipeline.ts": `import { Provider } from "@glacier/core";
const provider = new Provider({ cloud: "local", basePath: new URL("./data", import.meta.url).pathname });
const local = provider.local();
const raw = provider.bucket({ bucket: "acme-data", path: "raw/orders.csv" });
const out = provider.bucket({ bucket: "acme-data", path: "out/orders.parquet" });
export const orders = raw.transform(local.task(function explode() { throw new Error("the task exploded"); })).to(out);
`,
  });
  afterAll(failing.remove);

  it("exits 1, names the step and its error, writes no output", async () => {
    const { code, stdout, stderr } = await glacier(["run", "pipeline.ts", "--concurrency", "1"], {
      cwd: failing.dir,
    });
    expect(code).toBe(1);
    expect(stdout).toMatch(
      /^failed explode: \[TASK_FAILED\] the task threw: the task exploded\. Fix the task/m,
    );
    // Said once: the summary has the error and the outcome; the live view only that the step failed.
    expect(`${stdout}${stderr}`.match(/the task exploded/g)).toHaveLength(1);
    expect(`${stdout}${stderr}`.match(/failed \(/g)).toHaveLength(1);
    expect(stdout).toMatch(/^run \S+ failed \(1 step: 1 failed\)$/m);
    expect(stderr).toMatch(/^✖ explode failed$/m);
    expect(existsSync(join(failing.dir, "data/acme-data/out/orders.parquet"))).toBe(false);
  });
});
