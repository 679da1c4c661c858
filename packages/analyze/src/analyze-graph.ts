import { resolve } from "node:path";
import { planInfrastructure, type InfrastructurePlan } from "@glacier/aws-model";
import type { AnalyzeOptions, BucketNode, LineageGraph } from "@glacier/core";
import { stagingStepId } from "@glacier/core/internal";
import { allKeys, keysFor, selectPartitions } from "@glacier/engine";
import type {
  AnalysisReport,
  OrchestrationAnalysis,
  PipelineAnalysis,
  StepAnalysis,
} from "./analysis-report.js";
import { loadObservations } from "./calibration.js";
import { stepFunctionsCost, storageCost, sumUsd, type CostItem } from "./cost-formulas.js";
import { containerAdvice } from "./container-advice.js";
import { criticalPath } from "./critical-path.js";
import type { DataSize } from "./data-size.js";
import { estimateStep } from "./estimate-step.js";
import { bytes } from "./format-values.js";
import { measureBucket, type S3Connection, type StorageOptions } from "./measure-storage.js";
import { LAYER_ZIP_BYTES } from "./model-defaults.js";
import { pricesFor } from "./prices.js";
import { resourceSummary } from "./resource-summary.js";
import { runsPerMonth } from "./schedule-frequency.js";
import { statesEntered } from "./state-transitions.js";

/** Options of {@link analyzeReport}: core's `AnalyzeOptions` without the mode. */
export type AnalyzeGraphOptions = Omit<AnalyzeOptions, "mode"> & {
  readonly mode?: "analyze";
  /** S3 endpoint and credentials; default: the standard AWS configuration. */
  readonly s3?: S3Connection;
};

function storageOf(options: AnalyzeGraphOptions): StorageOptions {
  return {
    ...(options.offline === undefined ? {} : { offline: options.offline }),
    ...(options.localStorage === undefined ? {} : { localStorage: options.localStorage }),
    ...(options.s3 === undefined ? {} : { s3: options.s3 }),
  };
}

const NOTES = [
  "local steps run in the orchestrating process: no compute cost in the cloud (their S3 requests are counted).",
  "Free tiers, Savings Plans and retries are not included; prices are on-demand list prices.",
  "CloudWatch Logs ingestion and storage, and noncurrent versions kept by bucket versioning, are not modelled.",
];

function planOf(graph: LineageGraph): InfrastructurePlan | null {
  return graph.buckets.every((b) => b.provider.cloud === "aws") ? planInfrastructure(graph) : null;
}

/** The report's region for a graph on a local provider. */
export const LOCAL_REGION = "local";

/** The AWS region the steps run in; `"local"` when no bucket is on AWS (nothing is priced by region then). */
function regionOf(graph: LineageGraph, plan: InfrastructurePlan | null): string {
  if (plan) return plan.region;
  const aws = graph.buckets.find((b) => b.provider.cloud === "aws")?.provider;
  return aws?.cloud === "aws" ? aws.region : LOCAL_REGION;
}

/**
 * Sources whose storage could not be read (no credentials, access denied …): their sizes are the declared
 * ones, or unknown. Said once, first, because every estimate built on them rests on that.
 */
function storageNotes(graph: LineageGraph, sizes: ReadonlyMap<string, DataSize>): string[] {
  const byReason = new Map<string, { declared: string[]; unknown: string[] }>();
  for (const bucket of graph.sources()) {
    const size = sizes.get(bucket.location);
    if (size?.unreadable === undefined) continue;
    const entry = byReason.get(size.unreadable) ?? { declared: [], unknown: [] };
    (size.source === "declared" ? entry.declared : entry.unknown).push(bucket.id);
    byReason.set(size.unreadable, entry);
  }
  return [...byReason].map(([reason, { declared, unknown }]) => {
    const used = [
      ...(declared.length > 0 ? [`the declared expectedSize of ${declared.join(", ")}`] : []),
      ...(unknown.length > 0 ? [`no size for ${unknown.join(", ")} (declare expectedSize)`] : []),
    ];
    return `Could not read S3 (${reason}), so sizes are not measured: used ${used.join("; ")}. Configure AWS credentials, pass --local-storage DIR to read what glacier run --local-storage DIR wrote, or --offline to use declared sizes without trying S3.`;
  });
}

/**
 * Steps calibrated from a run on far less data than they are estimated for now: fixed costs (starting a
 * worker, planning) dominate a small run, so its throughput understates a large one.
 */
function sampleNotes(steps: readonly StepAnalysis[]): string[] {
  const small = steps.flatMap((s) => {
    const then = s.duration.calibratedOnBytes;
    if (then === undefined || s.inputBytes === null || s.inputBytes < SMALL_SAMPLE_FACTOR * then) return [];
    return [`${s.name} (${bytes(then)} in run ${s.duration.calibratedFrom}, ${bytes(s.inputBytes)} now)`];
  });
  if (small.length === 0) return [];
  return [
    `Calibrated from runs on over ${SMALL_SAMPLE_FACTOR}× less input than estimated now: ${small.join(", ")}. Fixed costs (a worker, a plan) dominate so small a run, so these durations are likely overstated; record a run on representative data.`,
  ];
}

/** A calibrating run on this many times less input than now gets {@link sampleNotes}' warning. */
const SMALL_SAMPLE_FACTOR = 100;

async function sourceSizes(
  graph: LineageGraph,
  options: AnalyzeGraphOptions,
): Promise<Map<string, DataSize>> {
  const sizes = new Map<string, DataSize>();
  const storage = storageOf(options);
  for (const bucket of graph.sources()) sizes.set(bucket.location, await measureBucket(bucket, storage));
  return sizes;
}

/** Outputs already in storage (from an earlier run); never read offline. */
async function existingOutput(bucket: BucketNode, options: AnalyzeGraphOptions): Promise<DataSize | null> {
  if (options.offline) return null;
  const size = await measureBucket(bucket, storageOf(options));
  return size.source === "measured" ? size : null;
}

/**
 * Analyses a graph: sizes from storage (or declared), durations from recorded runs (or the defaults),
 * costs from the price table and the infrastructure plan `generate` would apply.
 *
 * @example
 * ```ts
 * const report = await analyzeReport(LineageGraph.from({ sales }), { localStorage: ".glacier-demo" });
 * report.cost.perRunUsd;        // 0.0000797
 * report.duration.criticalPath; // ["cleanSales->…", "dailyRevenue->…"]
 * ```
 */
export async function analyzeReport(
  declared: LineageGraph,
  options: AnalyzeGraphOptions = {},
): Promise<AnalysisReport> {
  // A partitioned graph is estimated as the units a run of the selected partitions runs (default: the latest
  // partition, what a scheduled run runs), so a backfill costs its partitions times each one's cost; the
  // infrastructure is the declared graph's (one function per step, whatever the partitions).
  const keys = declared.partitioned
    ? await selectPartitions(declared, {
        ...(options.partition === undefined ? { latest: true } : { selection: options.partition }),
        exists: () => Promise.resolve(true),
      })
    : null;
  const graph = keys === null ? declared : declared.forPartitions(keysFor(keys));
  const plan = planOf(declared);
  const region = regionOf(graph, plan);
  // A local graph pays no AWS prices; us-east-1's table stands in (its S3 figures price nothing here).
  const priced = pricesFor(region === LOCAL_REGION ? "us-east-1" : region, options.prices);
  const prices = priced.prices;
  const observations = await loadObservations(resolve(options.projectDir ?? "."), graph);
  const sizes = await sourceSizes(graph, options);
  const levels = new Map(
    graph.executionLevels().flatMap((steps, level) => steps.map((s) => [s.id, level] as const)),
  );

  const steps: StepAnalysis[] = [];
  for (const step of graph.executionOrder()) {
    const observation = observations.get(step.id);
    const analysis = estimateStep(step, {
      level: levels.get(step.id) ?? 0,
      resource: plan?.steps.find((s) => s.stepId === stagingStepId(step))?.resourceName ?? null,
      sizes,
      existingOutput: await existingOutput(step.output, options),
      observation,
      observedInputBytes: observation?.inputBytes ?? null,
      region,
      prices,
    });
    sizes.set(step.output.location, analysis.output.size);
    steps.push(analysis);
  }

  const sinks = new Set(graph.sinks().map((b) => b.location));
  const orchestration: OrchestrationAnalysis[] = (plan?.stateMachines ?? []).map((machine) => {
    const transitions = statesEntered(
      machine.definition,
      keys === null ? 1 : Math.max(1, ...[...keys.values()].map((k) => k.length)),
    );
    const pipeline = declared.pipeline(machine.pipeline);
    return {
      pipeline: machine.pipeline,
      stateMachine: machine.name,
      transitions,
      usd: sumUsd(stepFunctionsCost(transitions, prices)),
      perRun: sinks.has(pipeline.target.location),
    };
  });

  const byService: Record<string, number> = {};
  const add = (items: readonly CostItem[]) => {
    for (const i of items) byService[i.service] = (byService[i.service] ?? 0) + i.usd;
  };
  for (const step of steps) add(step.cost.items);
  for (const o of orchestration) if (o.perRun) add(stepFunctionsCost(o.transitions, prices));
  const stepUsd = new Map(steps.map((s) => [s.id, sumUsd(s.cost.items)]));

  const pipelines: PipelineAnalysis[] = graph.pipelines.map((p) => {
    const machine = orchestration.find((o) => o.pipeline === p.name);
    const perRunUsd = p.steps.reduce((a, id) => a + (stepUsd.get(id) ?? 0), 0) + (machine?.usd ?? 0);
    const perMonth = p.schedule === undefined ? null : runsPerMonth(p.schedule);
    return {
      name: p.name,
      steps: p.steps,
      schedule: p.schedule ?? null,
      runsPerMonth: perMonth,
      perRunUsd,
      monthlyUsd: perMonth === null ? null : perMonth * perRunUsd,
    };
  });

  const standing: CostItem[] = [];
  if (plan) {
    const managed = new Set(plan.buckets.filter((b) => b.managed).map((b) => b.name));
    const stored = graph.buckets
      .filter((b) => managed.has(b.bucket))
      .reduce((a, b) => a + (sizes.get(b.location)?.bytes ?? 0), 0);
    standing.push(storageCost("data in managed buckets (sources and outputs)", stored, prices));
    const artefacts =
      plan.layers.length * LAYER_ZIP_BYTES + plan.sparkJobs.reduce((a, j) => a + j.script.length, 0);
    standing.push(storageCost("artefacts (polars layers, Spark scripts)", artefacts, prices));
  }

  const warnings = steps.flatMap((s) => {
    const executor = graph.step(s.id).task.executor;
    return executor.kind === "serverless" &&
      s.duration.seconds !== null &&
      s.duration.seconds > executor.timeout
      ? [
          `${s.name}: estimated ${Math.round(s.duration.seconds)} s exceeds its Lambda timeout of ${executor.timeout} s — raise memory or move it to spark().`,
        ]
      : [];
  });
  const advice = steps.flatMap((s) => {
    const executor = graph.step(s.id).task.executor;
    const text = executor.kind === "serverless" ? containerAdvice(s, executor) : null;
    return text === null ? [] : [text];
  });
  const unknownSteps = steps.filter((s) => s.cost.usd === null).map((s) => s.id);
  return {
    version: 1,
    region,
    prices: {
      region: priced.known && region !== LOCAL_REGION ? region : "us-east-1",
      known: priced.known,
      overridden: priced.overridden,
    },
    offline: options.offline ?? false,
    ...(keys === null ? {} : { partitions: allKeys(keys) }),
    steps,
    orchestration,
    cost: {
      perRunUsd: Object.values(byService).reduce((a, b) => a + b, 0),
      complete: unknownSteps.length === 0,
      unknownSteps,
      byService: Object.fromEntries(Object.entries(byService).sort(([a], [b]) => (a < b ? -1 : 1))),
    },
    duration: criticalPath(graph, new Map(steps.map((s) => [s.id, s.duration.seconds]))),
    pipelines,
    monthly: {
      scheduledUsd: pipelines.reduce((a, p) => a + (p.monthlyUsd ?? 0), 0),
      standing: { usd: sumUsd(standing), items: standing },
    },
    resources: plan ? resourceSummary(plan) : null,
    notes: [
      ...storageNotes(graph, sizes),
      ...warnings,
      ...advice,
      ...sampleNotes(steps),
      ...NOTES,
      ...(plan ? [] : ["The graph uses a local provider: `generate` creates no AWS resources for it."]),
      ...(priced.known ? [] : [`No prices for ${region} in the table: us-east-1 figures are used.`]),
    ],
  };
}
