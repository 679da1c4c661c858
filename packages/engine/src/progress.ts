import type { RunResult, StepResult } from "@glacier/core";
import { absurd, formatBytes, formatCount } from "@glacier/core/internal";
import type { Colors as Colors_ } from "picocolors/types.js";
import type { LogLine } from "./run-log.js";
import type { StepNote } from "./run-record.js";

type Colors = Colors_;

/** Progress events of a run. */
export interface Progress {
  begin(runId: string, steps: readonly { readonly id: string; readonly name: string }[]): void;
  started(id: string): void;
  retrying(id: string, attempt: number, attempts: number, error: string): void;
  /**
   * Something the user should know about how a running step runs (e.g. on the main thread). Resolves once it
   * is shown: a step about to block the main thread waits for that.
   */
  noted(id: string, note: StepNote): Promise<void>;
  finished(result: StepResult): void;
  log(line: LogLine): void;
  /** The run is over: the live view draws its last frame and stops (the outcome is the summary's to print). */
  end(result: RunResult): Promise<void>;
}

const SILENT: Progress = {
  begin() {},
  started() {},
  retrying() {},
  noted: async () => {},
  finished() {},
  log() {},
  end: async () => {},
};

/** `412 ms`, `1.4 s`. */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function detail(result: StepResult): string {
  const parts: string[] = [];
  if (result.rows !== undefined) parts.push(formatCount(result.rows, "row"));
  if (result.bytes !== undefined) parts.push(formatBytes(result.bytes));
  if (result.durationMs !== undefined && result.status === "succeeded")
    parts.push(formatDuration(result.durationMs));
  return parts.join("  ");
}

/**
 * A note in the few words a live row has room for: `main thread: str.toLowerCase() → SQL lower(name)`.
 * Plain output and the CLI's summary print the note's full message and hint.
 */
function noteText(note: StepNote): string {
  const calls = note.expressions.map((e) =>
    e.rewrite ? `${e.call} → ${e.rewrite}` : `${e.call} (no serialisable form)`,
  );
  return `main thread: ${calls.length > 0 ? calls.join(", ") : "unserialisable plan"}`;
}

function logText(line: LogLine): string {
  const fields = line.fields && Object.keys(line.fields).length > 0 ? ` ${JSON.stringify(line.fields)}` : "";
  return `${line.level === "info" ? "" : `${line.level} `}${line.message}${fields}`;
}

/**
 * Progress on `stream`: a live per-step view (status, rows, time) redrawn in place when it is a terminal,
 * plain lines otherwise (CI logs); nothing without a stream. It says how each step is doing, in few words;
 * the run's outcome, a failed step's error and a note's full text are the final summary's to say, once (the
 * CLI prints it; library callers have the {@link RunResult}).
 */
export async function createProgress(stream: NodeJS.WritableStream | undefined): Promise<Progress> {
  if (!stream) return SILENT;
  const { default: pc } = await import("picocolors");
  if ((stream as { isTTY?: boolean }).isTTY === true) return liveProgress(stream, pc);
  const write = (text: string) => stream.write(`${text}\n`);
  const names = new Map<string, string>();
  return {
    begin: (runId, steps) => {
      for (const s of steps) names.set(s.id, s.name);
      write(`run ${runId}: ${formatCount(steps.length, "step")}`);
    },
    started: (id) => write(`▶ ${names.get(id) ?? id} started`),
    retrying: (id, attempt, attempts, error) =>
      write(`↻ ${names.get(id) ?? id} attempt ${attempt}/${attempts} after: ${error}`),
    noted: async (id, note) => {
      write(`⚠ ${names.get(id) ?? id} ${noteText(note)}`);
    },
    finished: (r) => {
      if (r.status === "succeeded") write(`✔ ${r.name} succeeded  ${detail(r)}`);
      else if (r.status === "skipped") write(`↷ ${r.name} skipped (${r.reason ?? "up to date"})`);
      else if (r.status === "failed") write(`✖ ${r.name} failed`);
      else write(`○ ${r.name} not run${r.reason ? ` (${r.reason})` : ""}`);
    },
    log: (line) => write(`  ${line.step ?? "run"} │ ${logText(line)}`),
    end: async () => {},
  };
}

interface Row {
  readonly name: string;
  status: StepResult["status"] | "pending" | "running";
  started?: number;
  result?: StepResult;
  note?: string;
  /** Shown on the row while it runs and after it finished. */
  warning?: string;
}

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

function liveProgress(stream: NodeJS.WritableStream, pc: Colors): Progress {
  let render: ((...text: string[]) => void) & { persist(...t: string[]): void; done(): void };
  const ready = import("log-update").then(({ createLogUpdate }) => {
    render = createLogUpdate(stream as NodeJS.WriteStream) as typeof render;
  });
  const rows = new Map<string, Row>();
  let frame = 0;
  let header = "";
  const draw = (): void => {
    if (!render) return;
    frame = (frame + 1) % SPINNER.length;
    const width = Math.max(...[...rows.values()].map((r) => r.name.length), 4);
    const lines = [...rows.values()].map((row) => {
      const name = row.name.padEnd(width);
      const warning = row.warning ? pc.yellow(`  ⚠ ${row.warning}`) : "";
      switch (row.status) {
        case "pending":
          return `${pc.dim("·")} ${pc.dim(name)}`;
        case "running":
          return `${pc.cyan(SPINNER[frame] ?? "*")} ${name}  ${pc.dim(formatDuration(performance.now() - (row.started ?? 0)))}${row.note ? pc.yellow(`  ${row.note}`) : ""}${warning}`;
        case "succeeded":
          return `${pc.green("✔")} ${name}  ${row.result ? detail(row.result) : ""}${warning}`;
        case "skipped":
          return `${pc.dim("↷")} ${pc.dim(`${name}  ${row.result?.reason ?? "up to date"}`)}`;
        case "failed":
          return `${pc.red("✖")} ${name}  ${pc.red("failed")}${warning}`;
        case "not-run":
          return `${pc.dim("○")} ${pc.dim(`${name}  not run${row.result?.reason ? ` (${row.result.reason})` : ""}`)}`;
        default:
          return absurd(row.status);
      }
    });
    render([header, ...lines].join("\n"));
  };
  const timer = setInterval(draw, 100);
  timer.unref();
  return {
    begin: (runId, steps) => {
      header = pc.bold(`run ${runId}`);
      for (const s of steps) rows.set(s.id, { name: s.name, status: "pending" });
      void ready.then(draw);
    },
    started: (id) => {
      const row = rows.get(id);
      if (row) Object.assign(row, { status: "running", started: performance.now() });
    },
    retrying: (id, attempt, attempts) => {
      const row = rows.get(id);
      if (row) row.note = `attempt ${attempt}/${attempts}`;
    },
    noted: async (id, note) => {
      const row = rows.get(id);
      if (row) row.warning = noteText(note);
      // Drawn now: a step on the main thread blocks the redraw timer until it ends.
      await ready;
      draw();
    },
    finished: (result) => {
      const row = rows.get(result.id);
      if (row) Object.assign(row, { status: result.status, result });
      draw();
    },
    log: (line) => {
      void ready.then(() => render.persist(`${pc.dim(`${line.step ?? "run"} │`)} ${logText(line)}`));
    },
    end: async () => {
      clearInterval(timer);
      await ready;
      draw();
      render.done();
    },
  };
}
