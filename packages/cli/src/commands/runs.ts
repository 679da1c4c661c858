import { describeCheckCounts } from "@glacier/core";
import type { RunSummary } from "@glacier/engine";
import { EXIT, type ExitCode } from "../exit-codes.js";
import type { Io } from "../io.js";
import { parseChoice, parsePositiveInteger } from "../options.js";
import { formatTable } from "../table.js";

function when(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toISOString().replace("T", " ").slice(0, 19);
}

function stepCounts(steps: RunSummary["steps"]): string {
  const parts = [
    [steps.succeeded, "succeeded"],
    [steps.skipped, "skipped"],
    [steps.failed, "failed"],
    [steps.notRun, "not run"],
  ] as const;
  return parts
    .filter(([n]) => n > 0)
    .map(([n, label]) => `${n} ${label}`)
    .join(", ");
}

/**
 * `glacier runs`: the recent runs recorded under `.glacier/runs/` (local and cloud), newest first.
 *
 * @example
 * ```sh
 * glacier runs --limit 5
 * # run                    mode   status     started              time    pipeline  steps
 * # 20240131T101500Z-a1b2  local  succeeded  2024-01-31 10:15:00  1.21 s  (all)     1 succeeded, 1 skipped
 * ```
 *
 * Once a listed run ran data checks, a `checks` column counts them: `4 passed, 1 warned`.
 */
export async function runsCommand(
  options: { readonly limit?: string; readonly format: string },
  io: Io,
): Promise<ExitCode> {
  const format = parseChoice(options.format, ["text", "json"] as const, "format");
  const limit = options.limit === undefined ? undefined : parsePositiveInteger(options.limit, "limit");
  // The engine owns the run records of every executor; it loads no executor (no polars, no AWS SDK).
  const { listRuns } = await import("@glacier/engine");
  const runs = await listRuns({ projectDir: process.cwd(), ...(limit === undefined ? {} : { limit }) });
  if (format === "json") {
    io.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
    return EXIT.ok;
  }
  if (runs.length === 0) {
    io.out("no runs recorded yet (glacier run records them under .glacier/runs/)");
    return EXIT.ok;
  }
  // The checks column appears once a listed run ran data checks.
  const withChecks = runs.some((r) => r.checks !== undefined);
  const rows = runs.map((r) => [
    r.runId,
    r.mode,
    r.status,
    when(r.startedAt),
    r.durationMs === undefined ? "" : `${(r.durationMs / 1000).toFixed(2)} s`,
    r.pipeline ?? "(all)",
    stepCounts(r.steps),
    ...(withChecks ? [r.checks === undefined ? "" : describeCheckCounts(r.checks)] : []),
  ]);
  const header = ["run", "mode", "status", "started", "time", "pipeline", "steps"];
  io.out(formatTable([withChecks ? [...header, "checks"] : header, ...rows]));
  return EXIT.ok;
}
