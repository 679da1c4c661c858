import { relative } from "node:path";
import {
  type CheckResult,
  countChecks,
  describeCheckCounts,
  describeCheckResult,
  type RunPlan,
} from "@glacier/core";
import { absurd, formatBytes, formatCount } from "@glacier/core/internal";
import { partitionSummary, type RecordedRunResult, type StepRecord } from "@glacier/engine";
import type { Io } from "../io.js";
import { formatTable } from "../table.js";

type Colors = Io["outColors"];

function bytes(n: number | undefined): string {
  return n === undefined ? "" : formatBytes(n);
}

function seconds(ms: number | undefined): string {
  return ms === undefined ? "" : ms < 10_000 ? `${(ms / 1000).toFixed(2)} s` : `${(ms / 1000).toFixed(1)} s`;
}

function statusCell(step: StepRecord, c: Colors): string {
  switch (step.status) {
    case "succeeded":
      return c.green(step.status);
    case "skipped":
      return c.dim(step.status);
    case "failed":
      return c.red(step.status);
    case "not-run":
      return c.yellow(step.status);
    default:
      return absurd(step.status);
  }
}

/** A step's check results (none when it ran none). */
function checksOf(step: StepRecord): readonly CheckResult[] {
  return step.checks ?? [];
}

function counts(steps: readonly StepRecord[]): string {
  const by = new Map<string, number>();
  for (const s of steps) by.set(s.status, (by.get(s.status) ?? 0) + 1);
  return [...by].map(([status, n]) => `${n} ${status === "not-run" ? "not run" : status}`).join(", ");
}

/** A failed step's error without the `step "name" failed: ` the interpreter puts first: the line names it. */
function errorOf(step: StepRecord): string {
  const text = (step.error ?? "no error message").replace(/\s*\n\s*/g, " ");
  const prefix = `step "${step.name}" failed: `;
  return text.startsWith(prefix) ? text.slice(prefix.length) : text;
}

/**
 * The one summary `glacier run` prints when a run ends (the live view on stderr says only how each step is
 * doing): per step its status, rows, bytes, time and why it ran or
 * was skipped; failed steps with their error; steps' notes (a step that ran on the main thread, with the
 * rewrite that fixes it); failed warn checks and the checks' counts; where the run's record is.
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
export function renderRunSummary(result: RecordedRunResult, c: Colors): string {
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
  for (const p of partitionSummary(result.steps)) {
    const by = Object.entries(p.counts).map(
      ([status, n]) => `${n} ${status === "not-run" ? "not run" : status}`,
    );
    const failed = p.failed.length > 0 ? `; failed: ${c.red(p.failed.join(", "))}` : "";
    lines.push(`partitions of ${p.step}: ${by.join(", ")}${failed}`);
  }
  for (const s of result.steps.filter((step) => step.status === "failed")) {
    // The error's code, as `glacier` prints it for errors outside a step, so scripts and readers can branch on it.
    lines.push(`${c.red("failed")} ${s.name}: ${s.code === undefined ? "" : `[${s.code}] `}${errorOf(s)}`);
  }
  for (const s of result.steps) {
    for (const note of s.notes ?? [])
      lines.push(`${c.yellow("note")} ${s.name}: ${note.message} ${note.hint}`);
  }
  // A failed blocking check is in its step's error above; a failed warn check is said here.
  for (const s of result.steps) {
    for (const r of checksOf(s).filter((r) => r.severity === "warn" && r.status !== "passed")) {
      lines.push(`${c.yellow("warn")} ${s.name}: check ${describeCheckResult(r)}`);
    }
  }
  const checks = result.steps.flatMap(checksOf);
  if (checks.length > 0) lines.push(`checks: ${describeCheckCounts(countChecks(checks))}`);
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
export function renderCancelled(result: RecordedRunResult, signal: string, c: Colors): string {
  return `run ${result.runId} ${c.yellow("cancelled")} by ${signal} (${formatCount(result.steps.length, "step")}: ${counts(result.steps)}); go on with: glacier run --resume ${result.runId}\n`;
}

/**
 * What `glacier run --plan` prints: per step whether it would run and why, nothing run.
 *
 * @example
 * ```text
 * plan: 1 step to run, 1 to check, 1 up to date
 *   cleanSales    run    (code changed)
 *   orders        check  (checks changed)
 *   dailyRevenue  skip   (up to date)
 * ```
 */
export function renderPlan(plan: RunPlan, c: Colors): string {
  const skipped = plan.steps.filter((s) => s.action === "skip").length;
  const checked = plan.steps.filter((s) => s.action === "check").length;
  const toRun = plan.steps.length - skipped - checked;
  const rows = plan.steps.map((s) =>
    s.action === "skip"
      ? [`  ${s.name}`, c.dim("skip"), c.dim(`(${s.reason})`)]
      : s.action === "check"
        ? [`  ${s.name}`, c.yellow("check"), `(${s.reason})`]
        : [`  ${s.name}`, c.green("run"), `(${s.reason})`],
  );
  const toCheck = checked > 0 ? `, ${checked} to check` : "";
  return `plan: ${formatCount(toRun, "step")} to run${toCheck}, ${skipped} up to date\n${formatTable(rows)}\n`;
}

/** One step in `glacier run --json`: every key always present, `null` where a value does not apply. */
export interface RunJsonStep {
  readonly id: string;
  readonly name: string;
  /** With `--plan`: `would-run`, `would-check` (its changed checks on the stored output) or `skipped`. */
  readonly status: StepRecord["status"] | "would-run" | "would-check";
  readonly reason: string | null;
  readonly rows: number | null;
  readonly bytes: number | null;
  readonly durationMs: number | null;
  readonly error: string | null;
  readonly notes: readonly { readonly message: string; readonly hint: string }[];
  /** The step's data checks, as its record has them (empty when none ran). */
  readonly checks: readonly CheckResult[];
}

/**
 * What `glacier run --json` prints on stdout, and nothing else there: one JSON document, its keys in this
 * order, `version` bumped on any incompatible change.
 */
export interface RunJson {
  readonly version: 1;
  /** Null with `--plan`: nothing ran. */
  readonly runId: string | null;
  /** `succeeded` or `failed`; with `--plan`, `planned`. */
  readonly status: RecordedRunResult["status"] | "planned";
  readonly mode: "local" | "cloud";
  readonly steps: readonly RunJsonStep[];
  /** The run record's directory, relative to the working directory; null when nothing was recorded. */
  readonly record: string | null;
}

/**
 * The run as the stable JSON document of `glacier run --json`.
 *
 * @example
 * ```ts
 * runJson(result, { mode: "local" });
 * // { version: 1, runId: "20240131T101500Z-a1b2", status: "succeeded", mode: "local",
 * //   steps: [{ id: "cleanSales->…", name: "cleanSales", status: "succeeded", reason: "never ran", rows: 4980,
 * //             bytes: 61234, durationMs: 412, error: null, notes: [], checks: [] }, …],
 * //   record: ".glacier/runs/20240131T101500Z-a1b2" }
 * ```
 */
export function runJson(result: RecordedRunResult, options: { readonly mode: "local" | "cloud" }): RunJson {
  return {
    version: 1,
    runId: result.runId,
    status: result.status,
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
      notes: (s.notes ?? []).map((n) => ({ message: n.message, hint: n.hint })),
      checks: checksOf(s),
    })),
    record: result.recordPath ? relative(process.cwd(), result.recordPath) || "." : null,
  };
}

/**
 * A plan as the same document (`glacier run --plan --json`): status `planned`, each step `would-run` or
 * `skipped` with its reason, no run id and no record (nothing ran).
 *
 * @example
 * ```ts
 * planJson(plan);
 * // { version: 1, runId: null, status: "planned", mode: "local",
 * //   steps: [{ id: "cleanSales->…", name: "cleanSales", status: "skipped", reason: "up to date", rows: null, … }],
 * //   record: null }
 * ```
 */
export function planJson(plan: RunPlan): RunJson {
  return {
    version: 1,
    runId: null,
    status: "planned",
    mode: plan.mode,
    steps: plan.steps.map((s) => ({
      id: s.id,
      name: s.name,
      status: s.action === "run" ? "would-run" : s.action === "check" ? "would-check" : "skipped",
      reason: s.reason,
      rows: null,
      bytes: null,
      durationMs: null,
      error: null,
      notes: [],
      checks: [],
    })),
    record: null,
  };
}
