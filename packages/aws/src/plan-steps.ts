import type { LineageGraph, ParamValue } from "@glacier/core";
import { readJson, type StepRecord } from "@glacier/local";
import type { AwsClients } from "./aws-clients.js";
import type { CloudPlan } from "./cloud-plan.js";
import { s3Content } from "./s3-content.js";
import { componentsOf, decide, fingerprintOf, statePath, type CloudStepState } from "./step-state.js";

/**
 * `--plan` in cloud mode: for every step, whether it would run and why, from S3 metadata and the last
 * successful cloud run of each step. Nothing is invoked and nothing is written.
 *
 * @example
 * ```ts
 * await sales.run({ mode: "cloud", plan: true });
 * // steps: [{ name: "cleanSales", status: "skipped", reason: "up to date" },
 * //         { name: "dailyRevenue", status: "not-run", reason: "parameters changed" }]
 * ```
 */
export async function planSteps(
  clients: AwsClients,
  graph: LineageGraph,
  plan: CloudPlan,
  params: Readonly<Record<string, ParamValue>>,
  force: boolean,
  projectDir: string | undefined,
): Promise<StepRecord[]> {
  const s3 = await clients.s3();
  const willRun = new Set<string>();
  const records: StepRecord[] = [];
  for (const p of plan.steps) {
    const step = graph.step(p.id);
    const base = { id: p.id, name: p.name, output: p.writes };
    if (p.dependsOn.some((d) => willRun.has(d))) {
      willRun.add(p.id);
      records.push({ ...base, status: "not-run", reason: force ? "forced" : "upstream will run" });
      continue;
    }
    const components = await componentsOf(clients, step, p.dispatch.kind, params);
    const last = await readJson<CloudStepState>(statePath(projectDir, p.id));
    const decision = decide(
      components,
      last?.stepId === p.id ? last : null,
      await s3Content(s3, step.output),
      force,
    );
    if (decision.run) willRun.add(p.id);
    records.push({
      ...base,
      status: decision.run ? "not-run" : "skipped",
      reason: decision.reason,
      fingerprint: fingerprintOf(components),
    });
  }
  return records;
}
