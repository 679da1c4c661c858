import {
  type BucketNode,
  EMR_RELEASE_FOR_SQL_PARAMS,
  GlacierError,
  type LineageGraph,
  type ProviderNode,
  stepChecks,
  type StepNode,
} from "@glacier/core";
import { emrReleaseAtLeast, executorRuleProblem, stepInputs } from "@glacier/core/internal";

/**
 * Everything about a graph that `generate` cannot turn into working AWS infrastructure, checked before any
 * planning or writing. Each problem is a GlacierError naming the step, bucket or pipeline and how to fix it.
 */

type AwsProvider = Extract<ProviderNode, { cloud: "aws" }>;

/** Lambda's limits (the DSL checks them too; a graph may come from another copy of core). */
const LAMBDA_LIMITS = [
  ["memory", 128, 10240, "MB"],
  ["timeout", 1, 900, "s"],
  ["ephemeralStorage", 512, 10240, "MB"],
] as const;

function stepSubject(step: StepNode) {
  return { kind: "step", name: step.id } as const;
}

function providerProblems(graph: LineageGraph): GlacierError[] {
  const local = graph.buckets.find((b) => b.provider.cloud !== "aws");
  if (local) {
    const basePath = local.provider.cloud === "local" ? local.provider.basePath : "";
    return [
      new GlacierError(
        "INVALID_PROVIDER",
        `AWS infrastructure (what glacier generate creates, glacier run --mode cloud runs on and visualize --infra draws) needs buckets on an aws provider, but bucket "${local.id}" is on a local provider (${basePath}).`,
        {
          subject: { kind: "provider", name: "local" },
          hint: `Declare the buckets with new Provider({ cloud: "aws", region: "eu-west-1" }), or run the pipeline on this machine with glacier run --mode local.`,
        },
      ),
    ];
  }
  const providers = graph.buckets.map((b) => b.provider as AwsProvider);
  const regions = [...new Set(providers.map((p) => p.region))].sort();
  const accounts = [...new Set(providers.flatMap((p) => (p.accountId ? [p.accountId] : [])))].sort();
  const problems: GlacierError[] = [];
  if (regions.length > 1) {
    problems.push(
      new GlacierError(
        "INVALID_PROVIDER",
        `the graph spans regions ${regions.join(", ")}; one module has one region.`,
        {
          subject: { kind: "provider", name: regions.join(", ") },
          hint: "Generate each region's pipelines separately (glacier generate --pipeline NAME).",
        },
      ),
    );
  }
  if (accounts.length > 1) {
    problems.push(
      new GlacierError(
        "INVALID_PROVIDER",
        `the graph names accounts ${accounts.join(", ")}; one module deploys to one.`,
        {
          subject: { kind: "provider", name: accounts.join(", ") },
          hint: "Use one Provider per account and generate them separately.",
        },
      ),
    );
  }
  return problems;
}

function serverlessProblems(step: StepNode): GlacierError[] {
  const executor = step.task.executor;
  if (executor.kind !== "serverless") return [];
  const problems: GlacierError[] = [];
  for (const [option, min, max, unit] of LAMBDA_LIMITS) {
    const value = executor[option];
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(
        new GlacierError(
          "INVALID_OPTION",
          `serverless.${option} ${value} ${unit} is outside Lambda's ${min}–${max} ${unit}.`,
          {
            subject: stepSubject(step),
            hint: `Set ${option} between ${min} and ${max} in provider.serverless({ … }).`,
          },
        ),
      );
    }
  }
  if (step.task.timeout !== undefined && step.task.timeout > executor.timeout) {
    problems.push(
      new GlacierError(
        "INVALID_OPTION",
        `the task's timeout ${step.task.timeout} s exceeds its Lambda's ${executor.timeout} s.`,
        {
          subject: stepSubject(step),
          hint: "Raise provider.serverless({ timeout }) or lower the task's timeout.",
        },
      ),
    );
  }
  return problems;
}

function sparkProblems(step: StepNode): GlacierError[] {
  const executor = step.task.executor;
  if (executor.kind !== "spark") return [];
  // Core's executor rules (the DSL refuses this at definition; a graph from another copy of core may not).
  const unrunnable = executorRuleProblem(step.task, stepSubject(step));
  if (unrunnable) return [unrunnable];
  const problems: GlacierError[] = [];
  if (step.output.partitions !== undefined) {
    // The generated driver has no partition key to fill in: it would write the path with its placeholder.
    problems.push(
      new GlacierError(
        "INVALID_TASK",
        `the step writes ${step.output.id}, partitioned by "${step.output.partitions.key}", so it runs once per partition; a spark executor cannot run per partition yet (the generated Spark driver reads and writes whole buckets).`,
        {
          subject: stepSubject(step),
          hint: "Run the per-partition step on provider.serverless() or provider.container(); a Spark step may read every partition of a partitioned bucket into an unpartitioned one.",
        },
      ),
    );
  }
  // Every check kind but a Polars expression compiles to Spark SQL (see spark-script.ts).
  const polars = stepChecks(step).filter((c) => c.type === "expr");
  if (polars.length > 0) {
    problems.push(
      new GlacierError(
        "INVALID_OPTION",
        `the Polars expression check${polars.length > 1 ? "s" : ""} ${polars.map((c) => `"${c.name}"`).join(", ")} cannot run on a spark executor: the generated Spark driver runs checks as Spark SQL, and a Polars expression has no SQL form.`,
        {
          subject: stepSubject(step),
          hint: `Write ${polars.length > 1 ? "them" : "it"} as check.sql("${(polars[0] as { name: string }).name}", "<SQL boolean expression>"), which runs on every executor; or run the step on provider.serverless() or provider.local().`,
        },
      ),
    );
  }
  const ipc = [...stepInputs(step).map(([, b]) => b), step.output].find((b) => b.format === "ipc");
  if (ipc) {
    problems.push(
      new GlacierError("INVALID_TASK", `Spark cannot read or write Arrow IPC, the format of "${ipc.id}".`, {
        subject: stepSubject(step),
        hint: "Store the bucket as Parquet, or run the step on provider.serverless().",
      }),
    );
  }
  // The DSL checks this when the task is defined; a graph may come from another copy of core.
  if (
    Object.keys(step.task.params).length > 0 &&
    !emrReleaseAtLeast(executor.releaseLabel, EMR_RELEASE_FOR_SQL_PARAMS)
  ) {
    problems.push(
      new GlacierError(
        "INVALID_OPTION",
        `the task declares params, which Spark SQL receives as :name markers from Spark 3.4 (${EMR_RELEASE_FOR_SQL_PARAMS}); this executor uses ${executor.releaseLabel}.`,
        {
          subject: stepSubject(step),
          hint: `Use releaseLabel "${EMR_RELEASE_FOR_SQL_PARAMS}" or later in provider.spark({ … }).`,
        },
      ),
    );
  }
  return problems;
}

function externalProblems(graph: LineageGraph): GlacierError[] {
  const problems: GlacierError[] = [];
  const byName = new Map<string, BucketNode[]>();
  for (const bucket of graph.buckets)
    byName.set(bucket.bucket, [...(byName.get(bucket.bucket) ?? []), bucket]);
  for (const [name, nodes] of byName) {
    const keys = [...new Set(nodes.map((n) => n.kmsKeyArn ?? "none"))].sort();
    if (keys.length > 1) {
      problems.push(
        new GlacierError(
          "INVALID_BUCKET",
          `S3 bucket "${name}" is declared with different KMS keys: ${keys.join(", ")}.`,
          {
            subject: { kind: "bucket", name: (nodes[0] as BucketNode).id },
            hint: "A bucket has one default key: give every location in it the same kmsKeyArn.",
          },
        ),
      );
    }
    const external = nodes.filter((n) => n.external);
    if (external.length > 0 && external.length < nodes.length) {
      const managed = nodes.find((n) => !n.external) as BucketNode;
      problems.push(
        new GlacierError(
          "INVALID_BUCKET",
          `S3 bucket "${name}" is declared external at "${(external[0] as BucketNode).path}" but not at "${managed.path}".`,
          {
            subject: { kind: "bucket", name: managed.id },
            hint: "A bucket is created by generate or owned elsewhere: give every location in it the same external setting.",
          },
        ),
      );
    }
  }
  for (const step of graph.steps) {
    if (step.output.external) {
      problems.push(
        new GlacierError(
          "INVALID_TARGET",
          `step "${step.name}" writes to "${step.output.id}", an external bucket that generate does not manage, so it cannot grant or guarantee write access there.`,
          {
            subject: { kind: "bucket", name: step.output.id },
            hint: "Write the output to a bucket Glacier creates (drop external: true), and let the external owner read it from there.",
          },
        ),
      );
    }
  }
  return problems;
}

function scheduleProblems(graph: LineageGraph): GlacierError[] {
  const problems: GlacierError[] = [];
  for (const pipeline of graph.pipelines) {
    if (pipeline.schedule === undefined) continue;
    const local = pipeline.steps.map((id) => graph.step(id)).filter((s) => s.task.executor.kind === "local");
    if (local.length > 0) {
      problems.push(
        new GlacierError(
          "INVALID_OPTION",
          `the pipeline has a schedule, but its step${local.length > 1 ? "s" : ""} ${local.map((s) => `"${s.name}"`).join(", ")} run${local.length > 1 ? "" : "s"} on the local executor, which a scheduled state machine cannot run.`,
          {
            subject: { kind: "pipeline", name: pipeline.name },
            hint: "Bind those tasks to provider.serverless(), provider.spark() or provider.container(), or drop withSchedule() and run the pipeline with glacier run --mode cloud.",
          },
        ),
      );
    }
  }
  return problems;
}

/**
 * Every reason the graph cannot be generated, in a stable order (provider, steps in execution order, buckets,
 * schedules). Empty when it can.
 */
export function graphProblems(graph: LineageGraph): readonly GlacierError[] {
  const provider = providerProblems(graph);
  if (provider.length > 0) return provider;
  return [
    ...graph.executionOrder().flatMap((step) => [...serverlessProblems(step), ...sparkProblems(step)]),
    ...externalProblems(graph),
    ...scheduleProblems(graph),
  ];
}
