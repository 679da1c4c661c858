import { appendFileSync, mkdirSync } from "node:fs";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import type { ParamValue, TaskLogger } from "@glacier/core";
import { writeJsonAtomic, type RunRecord } from "@glacier/local";
import type { AwsClients } from "./aws-clients.js";
import type { CloudPlan, CloudStepPlan } from "./cloud-plan.js";
import type { CloudStepRecord } from "./run-steps.js";

/**
 * A cloud run's record: the local run record's shape (so `glacier runs`, `readRun` and `--resume` read it like
 * a local one) plus where it ran.
 */
export interface CloudRunRecord extends Omit<RunRecord, "steps"> {
  readonly mode: "cloud";
  readonly via: "direct" | "stepfunctions";
  readonly region: string;
  readonly accountId: string;
  /** `s3://<artefacts bucket>/_glacier/runs/<id>.json`. */
  readonly artefact: string;
  readonly steps: readonly CloudStepRecord[];
}

/**
 * Writes a cloud run's record as it goes — locally at `.glacier/runs/<id>/run.json` (with `log.jsonl` beside
 * it) and to the artefacts bucket at `runRecordKey(id)` — after each step, so an interrupted run still shows
 * which steps finished. Progress lines go to `progress` (the CLI's stderr).
 */
export class RunJournal {
  readonly runDir: string;
  #record: CloudRunRecord;
  #writing: Promise<void> = Promise.resolve();
  readonly #started = performance.now();
  readonly #clients: AwsClients;
  readonly #bucket: string;
  readonly #key: string;
  readonly #progress: NodeJS.WritableStream | undefined;
  /** Steps are kept in plan (execution) order, whatever order they finish in. */
  readonly #order: ReadonlyMap<string, number>;

  constructor(init: {
    readonly projectDir?: string;
    readonly runId: string;
    readonly plan: CloudPlan;
    readonly key: string;
    readonly clients: AwsClients;
    readonly params: Readonly<Record<string, ParamValue>>;
    readonly pipeline?: string;
    readonly resumeOf?: string;
    readonly options: RunRecord["options"];
    readonly via: "direct" | "stepfunctions";
    readonly progress?: NodeJS.WritableStream;
  }) {
    this.runDir = join(resolve(init.projectDir ?? process.cwd()), ".glacier", "runs", init.runId);
    mkdirSync(this.runDir, { recursive: true });
    this.#clients = init.clients;
    this.#bucket = init.plan.artefactsBucket;
    this.#key = init.key;
    this.#progress = init.progress;
    this.#order = new Map(init.plan.steps.map((step, i) => [step.id, i]));
    this.#record = {
      version: 1,
      mode: "cloud",
      via: init.via,
      runId: init.runId,
      status: "running",
      startedAt: new Date().toISOString(),
      pid: process.pid,
      host: hostname(),
      region: init.plan.region,
      accountId: init.plan.accountId,
      artefact: `s3://${init.plan.artefactsBucket}/${init.key}`,
      ...(init.pipeline === undefined ? {} : { pipeline: init.pipeline }),
      ...(init.resumeOf === undefined ? {} : { resumeOf: init.resumeOf }),
      params: init.params,
      options: init.options,
      steps: [],
      logPath: join(this.runDir, "log.jsonl"),
    };
  }

  get record(): CloudRunRecord {
    return this.#record;
  }

  /** Appends one JSON line to the run's log. */
  log(
    level: "debug" | "info" | "warn" | "error",
    message: string,
    fields: Record<string, unknown> = {},
  ): void {
    const line = {
      level,
      time: new Date().toISOString(),
      runId: this.#record.runId,
      msg: message,
      ...fields,
    };
    appendFileSync(this.#record.logPath, `${JSON.stringify(line)}\n`);
  }

  /** What an in-process task gets as `ctx.log`. */
  taskLogger(step: string): TaskLogger {
    const at =
      (level: "debug" | "info" | "warn" | "error") =>
      (message: string, fields?: Readonly<Record<string, unknown>>) =>
        this.log(level, String(message), { ...fields, step });
    return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
  }

  started(plan: CloudStepPlan, reason: string): void {
    this.log("info", `step started (${reason})`, { step: plan.name, runsOn: plan.dispatch.kind });
    this.#progress?.write(`▶ ${plan.name} (${reason}) on ${plan.dispatch.kind}\n`);
  }

  attemptFailed(plan: CloudStepPlan, attempt: number, attempts: number, message: string): void {
    this.log("error", `attempt ${attempt}/${attempts} failed: ${message}`, { step: plan.name, attempt });
    if (attempt < attempts)
      this.#progress?.write(`↻ ${plan.name} attempt ${attempt}/${attempts} failed, retrying\n`);
  }

  /** Records a finished step (replacing its earlier entry) and writes the record. */
  step(entry: CloudStepRecord): Promise<void> {
    const rank = (id: string) => this.#order.get(id) ?? Number.MAX_SAFE_INTEGER;
    const steps = [...this.#record.steps.filter((s) => s.id !== entry.id), entry];
    this.#record = { ...this.#record, steps: steps.sort((a, b) => rank(a.id) - rank(b.id)) };
    this.log(entry.status === "failed" ? "error" : "info", `step ${entry.status}`, {
      step: entry.name,
      ...(entry.reason === undefined ? {} : { reason: entry.reason }),
      ...(entry.error === undefined ? {} : { error: entry.error }),
    });
    const mark = { succeeded: "✓", skipped: "·", failed: "✗", "not-run": "-" }[entry.status];
    this.#progress?.write(
      `${mark} ${entry.name} ${entry.status}${entry.reason ? ` (${entry.reason})` : ""}\n`,
    );
    return this.write();
  }

  finish(status: "succeeded" | "failed"): Promise<void> {
    this.#record = {
      ...this.#record,
      status,
      finishedAt: new Date().toISOString(),
      durationMs: Math.round(performance.now() - this.#started),
    };
    return this.write();
  }

  /** The local file first (always possible), then the artefacts bucket. */
  write(): Promise<void> {
    const snapshot = this.#record;
    this.#writing = this.#writing.then(async () => {
      await writeJsonAtomic(join(this.runDir, "run.json"), snapshot);
      const { PutObjectCommand } = await import("@aws-sdk/client-s3");
      const s3 = await this.#clients.s3();
      try {
        await s3.send(
          new PutObjectCommand({
            Bucket: this.#bucket,
            Key: this.#key,
            Body: JSON.stringify(snapshot, null, 2),
            ContentType: "application/json",
          }),
        );
      } catch (error) {
        // The local record is complete; a later write (at the latest, the run's end) tries S3 again.
        this.log(
          "warn",
          `could not write the run record to s3://${this.#bucket}/${this.#key}: ${(error as Error).message}`,
        );
      }
    });
    return this.#writing;
  }
}
