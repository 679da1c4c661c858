import { relative } from "node:path";
import { formatBytes, type RunResult, type StepResult } from "@glacier/core";
import type { StepNote, StepRecord } from "@glacier/engine";
import type { Io } from "../io.js";
import { formatTable } from "../table.js";

type Colors = Io["outColors"];

function bytes(n: number | undefined): string {
  return n === undefined ? "" : formatBytes(n);
}

function seconds(ms: number | undefined): string {
  return ms === undefined ? "" : ms < 10_000 ? `${(ms / 1000).toFixed(2)} s` : `${(ms / 1000).toFixed(1)} s`;
}

function statusCell(step: StepResult, c: Colors): string {
  switch (step.status) {
    case "succeeded":
      return c.green(step.status);
    case "skipped":
      return c.dim(step.status);
    case "failed":
      return c.red(step.status);
    case "not-run":
      return c.yellow(step.status);
    default: {
      const never: never = step.status;
      return never;
    }
  }
}

/** A step's notes: core's StepResult has no such field, the engine's StepRecord has. */
function notesOf(step: StepResult): readonly StepNote[] {
  return (step as Partial<Pick<StepRecord, "notes">>).notes ?? [];
}

function counts(steps: readonly StepResult[]): string {
  const by = new Map<string, number>();
  for (const s of steps) by.set(s.status, (by.get(s.status) ?? 0) + 1);
  return [...by].map(([status, n]) => `${n} ${status}`).join(", ");
}

/**
 * The table `glacier run` prints when a run ends: per step its status, rows, bytes, time and why it ran or
 * was skipped; failed steps with their error; steps' notes (a step that ran on the main thread, with the
 * rewrite that fixes it); where the run's record is.
 *
 * @example
 * ```text
 * run 20240131-101500-a1b2 succeeded (2 steps: 1 succeeded, 1 skipped)
 *   step          status     rows   bytes    time    reason
 *   cleanSales    succeeded  4012   52.1 kB  0.42 s  input changed
 *   dailyRevenue  skipped                            up to date
 * note cleanSales: ran on the main thread (blocking other steps, without its timeout): nodejs-polars cannot
 *   serialise str.toLowerCase() (column "region") for a worker thread. Rewrite str.toLowerCase() as SQL
 *   lower(region) (SQL runs as executor.sql, or as pl.SQLContext inside the task).
 * record: .glacier/runs/20240131-101500-a1b2
 * ```
 */
export function renderRunSummary(result: RunResult, c: Colors): string {
  const status = result.status === "succeeded" ? c.green(result.status) : c.red(result.status);
  const header = ["  step", "status", "rows", "bytes", "time", "reason"];
  const rows = result.steps.map((s) => [
    `  ${s.name}`,
    statusCell(s, c),
    s.rows === undefined ? "" : s.rows.toLocaleString("en-US"),
    bytes(s.bytes),
    seconds(s.durationMs),
    s.reason ?? "",
  ]);
  const lines = [
    `run ${result.runId} ${status} (${result.steps.length} steps: ${counts(result.steps)})`,
    formatTable([header, ...rows], ["left", "left", "right", "right", "right", "left"]),
  ];
  for (const s of result.steps.filter((step) => step.status === "failed")) {
    // The error's code, as `glacier` prints it for errors outside a step, so scripts and readers can branch on it.
    const code = (s as Partial<Pick<StepRecord, "code">>).code;
    const error = (s.error ?? "no error message").replace(/\s*\n\s*/g, " ");
    lines.push(`${c.red("failed")} ${s.name}: ${code === undefined ? "" : `[${code}] `}${error}`);
  }
  for (const s of result.steps) {
    for (const note of notesOf(s)) lines.push(`${c.yellow("note")} ${s.name}: ${note.message} ${note.hint}`);
  }
  if (result.recordPath) lines.push(`record: ${relative(process.cwd(), result.recordPath) || "."}`);
  return `${lines.join("\n")}\n`;
}

/**
 * What `glacier run --plan` prints: per step whether it would run and why, nothing run.
 *
 * @example
 * ```text
 * plan: 1 step to run, 1 up to date
 *   cleanSales    run   (code changed)
 *   dailyRevenue  skip  (up to date)
 * ```
 */
export function renderPlan(result: RunResult, c: Colors): string {
  const skipped = result.steps.filter((s) => s.status === "skipped").length;
  const toRun = result.steps.length - skipped;
  const rows = result.steps.map((s) =>
    s.status === "skipped"
      ? [`  ${s.name}`, c.dim("skip"), c.dim(`(${s.reason ?? "up to date"})`)]
      : [`  ${s.name}`, c.green("run"), `(${s.reason ?? "out of date"})`],
  );
  return `plan: ${toRun} step${toRun === 1 ? "" : "s"} to run, ${skipped} up to date\n${formatTable(rows)}\n`;
}
