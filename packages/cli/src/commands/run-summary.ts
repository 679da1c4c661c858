import { relative } from "node:path";
import { formatBytes, formatCount, type RunResult, type StepResult } from "@glacier/core";
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
  return [...by].map(([status, n]) => `${n} ${status === "not-run" ? "not run" : status}`).join(", ");
}

/** A failed step's error without the `step "name" failed: ` the interpreter puts first: the line names it. */
function errorOf(step: StepResult): string {
  const text = (step.error ?? "no error message").replace(/\s*\n\s*/g, " ");
  const prefix = `step "${step.name}" failed: `;
  return text.startsWith(prefix) ? text.slice(prefix.length) : text;
}

/**
 * The one summary `glacier run` prints when a run ends (the live view on stderr says only how each step is
 * doing): per step its status, rows, bytes, time and why it ran or
 * was skipped; failed steps with their error; steps' notes (a step that ran on the main thread, with the
 * rewrite that fixes it); where the run's record is.
 *
 * @example
 * ```text
 * run 20240131T101500Z-a1b2 succeeded (2 steps: 1 succeeded, 1 skipped)
 *   step          status     rows   bytes    time    reason
 *   cleanSales    succeeded  4012   52.1 kB  0.42 s  input changed
 *   dailyRevenue  skipped                            up to date
 * note cleanSales: ran on the main thread (blocking other steps, without its timeout): nodejs-polars cannot
 *   serialise str.toLowerCase() (column "region") for a worker thread. Rewrite str.toLowerCase() as SQL
 *   lower(region) (SQL runs as executor.sql, or as pl.SQLContext inside the task).
 * record: .glacier/runs/20240131T101500Z-a1b2
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
    `run ${result.runId} ${status} (${formatCount(result.steps.length, "step")}: ${counts(result.steps)})`,
    formatTable([header, ...rows], ["left", "left", "right", "right", "right", "left"]),
  ];
  for (const s of result.steps.filter((step) => step.status === "failed")) {
    // The error's code, as `glacier` prints it for errors outside a step, so scripts and readers can branch on it.
    const code = (s as Partial<Pick<StepRecord, "code">>).code;
    lines.push(`${c.red("failed")} ${s.name}: ${code === undefined ? "" : `[${code}] `}${errorOf(s)}`);
  }
  for (const s of result.steps) {
    for (const note of notesOf(s)) lines.push(`${c.yellow("note")} ${s.name}: ${note.message} ${note.hint}`);
  }
  if (result.recordPath) lines.push(`record: ${relative(process.cwd(), result.recordPath) || "."}`);
  return `${lines.join("\n")}\n`;
}

/**
 * The one line `glacier run` prints when Ctrl-C or SIGTERM cancelled it: what finished, and how to go on.
 *
 * @example
 * ```text
 * run 20240131T101500Z-a1b2 cancelled by SIGINT (3 steps: 1 succeeded, 2 not run); go on with: glacier run --resume 20240131T101500Z-a1b2
 * ```
 */
export function renderCancelled(result: RunResult, signal: string, c: Colors): string {
  return `run ${result.runId} ${c.yellow("cancelled")} by ${signal} (${formatCount(result.steps.length, "step")}: ${counts(result.steps)}); go on with: glacier run --resume ${result.runId}\n`;
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
  return `plan: ${formatCount(toRun, "step")} to run, ${skipped} up to date\n${formatTable(rows)}\n`;
}

/** One step in `glacier run --json`: every key always present, `null` where a value does not apply. */
export interface RunJsonStep {
  readonly id: string;
  readonly name: string;
  /** With `--plan`: `not-run` (would run) or `skipped` (up to date). */
  readonly status: StepResult["status"];
  readonly reason: string | null;
  readonly rows: number | null;
  readonly bytes: number | null;
  readonly durationMs: number | null;
  readonly error: string | null;
  readonly notes: readonly { readonly message: string; readonly hint: string }[];
}

/**
 * What `glacier run --json` prints on stdout, and nothing else there: one JSON document, its keys in this
 * order, `version` bumped on any incompatible change.
 */
export interface RunJson {
  readonly version: 1;
  readonly runId: string;
  /** `succeeded` or `failed`; with `--plan`, `planned`. */
  readonly status: RunResult["status"] | "planned";
  readonly mode: "local" | "cloud";
  readonly steps: readonly RunJsonStep[];
  /** The run record's directory, relative to the working directory; null when nothing was recorded. */
  readonly record: string | null;
}

/**
 * The run (or plan) as the stable JSON document of `glacier run --json`.
 *
 * @example
 * ```ts
 * runJson(result, { mode: "local", plan: false });
 * // { version: 1, runId: "20240131T101500Z-a1b2", status: "succeeded", mode: "local",
 * //   steps: [{ id: "cleanSales->…", name: "cleanSales", status: "succeeded", reason: "never ran", rows: 4980,
 * //             bytes: 61234, durationMs: 412, error: null, notes: [] }, …],
 * //   record: ".glacier/runs/20240131T101500Z-a1b2" }
 * ```
 */
export function runJson(
  result: RunResult,
  options: { readonly mode: "local" | "cloud"; readonly plan: boolean },
): RunJson {
  return {
    version: 1,
    runId: result.runId,
    status: options.plan ? "planned" : result.status,
    mode: options.mode,
    steps: result.steps.map((s) => ({
      id: s.id,
      name: s.name,
      status: s.status,
      reason: s.reason ?? null,
      rows: s.rows ?? null,
      bytes: s.bytes ?? null,
      durationMs: s.durationMs ?? null,
      error: s.status === "failed" ? errorOf(s) : null,
      notes: notesOf(s).map((n) => ({ message: n.message, hint: n.hint })),
    })),
    record: result.recordPath ? relative(process.cwd(), result.recordPath) || "." : null,
  };
}
