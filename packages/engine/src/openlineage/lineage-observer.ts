import type { StepNode } from "@glacier/core";
import type { StepRecord } from "../run-record.js";
import { runEvent, stepEvent, type LineageRun } from "./lineage-events.js";
import {
  allTransports,
  fileTransport,
  httpTransportFromEnv,
  type LineageTransport,
} from "./lineage-transport.js";

/** A step as a run session knows it: a graph step, or only its id and name (then it has no lineage). */
type SessionStep = { readonly id: string; readonly name: string } | StepNode;

function isStepNode(step: SessionStep): step is StepNode {
  return (step as { kind?: unknown }).kind === "step";
}

/**
 * Emits a run's OpenLineage events as the run goes: the run's START, each step's START when it starts and
 * COMPLETE / FAIL / ABORT when it settles (a step skipped as up to date did not run, and has none), then the
 * run's COMPLETE or FAIL. Events go to `openlineage.jsonl` in the run's record directory and, when
 * `OPENLINEAGE_URL` is set, to that HTTP endpoint. Delivery failures never fail the run: `finish` returns them.
 */
export class LineageObserver {
  readonly #run: LineageRun;
  readonly #transport: LineageTransport;
  readonly #steps: ReadonlyMap<string, StepNode>;
  readonly #started = new Set<string>();

  constructor(run: LineageRun, steps: readonly SessionStep[], transport: LineageTransport) {
    this.#run = run;
    this.#transport = transport;
    this.#steps = new Map(steps.filter(isStepNode).map((s) => [s.id, s]));
    transport.emit(runEvent(run, "START", new Date().toISOString()));
  }

  /** The observer of a run recorded in `runDir`. */
  static forRun(
    run: { readonly runId: string; readonly pipeline?: string },
    steps: readonly SessionStep[],
    runDir: string,
    env: NodeJS.ProcessEnv = process.env,
  ): LineageObserver {
    const http = httpTransportFromEnv(env);
    const file = fileTransport(`${runDir}/openlineage.jsonl`);
    return new LineageObserver(
      {
        runId: run.runId,
        namespace: env["OPENLINEAGE_NAMESPACE"] || "glacier",
        job: run.pipeline ?? "glacier",
      },
      steps,
      http ? allTransports([file, http]) : file,
    );
  }

  started(stepId: string): void {
    const step = this.#steps.get(stepId);
    if (!step) return;
    this.#started.add(stepId);
    this.#transport.emit(stepEvent(this.#run, step, "START", new Date().toISOString()));
  }

  settled(record: StepRecord): void {
    const step = this.#steps.get(record.id);
    if (!step || record.status === "skipped") return;
    const at = new Date().toISOString();
    // The state machine reports steps it ran without a start: give them one, so each run has its pair.
    if (record.status !== "not-run" && !this.#started.has(record.id)) {
      this.#transport.emit(stepEvent(this.#run, step, "START", record.startedAt ?? at));
    }
    const type = record.status === "succeeded" ? "COMPLETE" : record.status === "failed" ? "FAIL" : "ABORT";
    this.#transport.emit(stepEvent(this.#run, step, type, at, record));
  }

  /** Emits the run's end and waits for delivery; resolves with what could not be delivered. */
  async finish(status: "succeeded" | "failed" | "cancelled", error?: string): Promise<readonly string[]> {
    const type = status === "succeeded" ? "COMPLETE" : status === "cancelled" ? "ABORT" : "FAIL";
    this.#transport.emit(runEvent(this.#run, type, new Date().toISOString(), error));
    return this.#transport.close();
  }
}
