import type { VisualizeOptions } from "@glacier/core";

/** A step's outcome in the latest run that included it; `not-run` also for a step no recorded run has. */
export type RunState = "succeeded" | "failed" | "skipped" | "not-run";

/** Where a step's colour in the status view comes from. */
export interface StepRunState {
  readonly status: RunState;
  /** The run it is from; absent for a step no recorded run included. */
  readonly runId?: string;
  readonly reason?: string;
  readonly error?: string;
}

/**
 * What the HTML page draws on top of the graph, each part optional:
 * - `stepNotes`: a line per step for the details panel (`--infra`: the resources `generate` deploys);
 * - `resources`: the resource that runs a step, on its node (`--infra`);
 * - `status`: each step's outcome in its latest recorded run (read from `.glacier/runs`);
 * - `cost`: each step's estimated USD per run from `glacier analyze`, null where unknown (`--cost`).
 */
export interface HtmlOverlay extends VisualizeOptions {
  readonly resources?: Readonly<Record<string, string>>;
  readonly status?: Readonly<Record<string, StepRunState>>;
  readonly cost?: Readonly<Record<string, number | null>>;
}
