import type { LineageGraph, ParamValue, StepNode } from "@glacier/core";
import { stepInputs } from "@glacier/core/internal";
import {
  fingerprintOf,
  messageOf,
  writeJsonAtomic,
  type RunSession,
  type StepComponents,
  type StepRecord,
  type StepState,
} from "@glacier/engine";
import type { AwsClients } from "./aws-clients.js";
import type { CloudStepPlan } from "./cloud-plan.js";
import { s3Content } from "./s3-content.js";
import { componentsOf } from "./step-state.js";

/** What a succeeded step's record gains: the fingerprints the next run decides from. */
export type FingerprintFields = Pick<StepRecord, "fingerprint" | "components" | "outputFingerprint">;

/**
 * Keeps the state of the steps a Step Functions execution runs, as a direct cloud run keeps it (same file,
 * same components), so the next run skips what is up to date whichever way it runs.
 */
export interface MachineFingerprints {
  /**
   * A step succeeded in the machine (`reported`: the output fingerprint its handler gave, when it gave one):
   * writes its state to `.glacier/state/cloud/` and returns the fingerprint fields of its record. Undefined
   * when its fingerprints cannot be trusted (logged): no state is kept and the next run reruns the step.
   */
  succeeded(
    step: CloudStepPlan,
    reported: string | undefined,
    metrics: { readonly rows?: number; readonly bytes?: number },
  ): Promise<FingerprintFields | undefined>;
}

/** An output fingerprint as decisions compare it: without a versioned bucket's version id (cloud-driver.ts). */
const withoutVersion = (fingerprint: string) => fingerprint.replace(/:v=[^:]*$/, "");

/**
 * Fingerprints the steps an execution is about to run. Taken now, before the execution starts: each step's
 * code, options and parameters, and every *source* input (read by the steps, written by none). A source
 * changed during the execution keeps its old fingerprint here, so the next run sees the change and reruns
 * the step — never the reverse. An input another step writes is fingerprinted when the reading step has
 * succeeded: the machine ran its writers before it, and no other step writes it, so it holds what the step
 * read. The output is read back from S3 then and must be what the handler reported committing (a single
 * object; a dataset's fingerprint is its listing).
 *
 * @example
 * ```ts
 * const fingerprints = await machineFingerprints({ clients, graph, steps, params, session });
 * await fingerprints.succeeded(step, 'etag:"9b2c…":2041', { rows: 12 });
 * // { fingerprint: "3f2a…", components: { code, options, params, inputs }, outputFingerprint: 'etag:"9b2c…":2041' }
 * ```
 */
export async function machineFingerprints(init: {
  readonly clients: AwsClients;
  readonly graph: LineageGraph;
  /** The plan's steps the execution runs. */
  readonly steps: readonly CloudStepPlan[];
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly session: RunSession;
}): Promise<MachineFingerprints> {
  const nodes = new Map(init.graph.steps.map((s) => [s.id, s]));
  const sources = new Set(init.graph.sources().map((b) => b.location));
  const before = new Map<string, StepComponents>();
  await Promise.all(
    init.steps.map(async (plan) => {
      const node = nodes.get(plan.id);
      if (node) before.set(plan.id, await componentsOf(init.clients, node, plan.dispatch.kind, init.params));
    }),
  );
  const s3 = await init.clients.s3();
  const warn = (step: CloudStepPlan, message: string) =>
    init.session.log.write(
      {
        level: "warn",
        step: step.name,
        message: `${message}, so the next run reruns this step`,
      },
      true,
    );

  const inputsNow = async (node: StepNode, earlier: StepComponents) => {
    const inputs: Record<string, string> = {};
    for (const [key, bucket] of stepInputs(node)) {
      inputs[key] = sources.has(bucket.location)
        ? (earlier.inputs[key] as string)
        : (await s3Content(s3, bucket)).fingerprint;
    }
    return inputs;
  };

  return {
    async succeeded(plan, reported, metrics) {
      const node = nodes.get(plan.id);
      const earlier = before.get(plan.id);
      if (!node || !earlier) return undefined;
      try {
        const output = await s3Content(s3, node.output);
        const outputFingerprint = withoutVersion(output.fingerprint);
        if (!output.exists) {
          warn(plan, `its output ${plan.writes} is missing after the state machine ran it`);
          return undefined;
        }
        if (
          reported !== undefined &&
          !node.output.dataset &&
          withoutVersion(reported) !== outputFingerprint
        ) {
          warn(plan, `its output ${plan.writes} changed after the state machine's step committed it`);
          return undefined;
        }
        const components: StepComponents = { ...earlier, inputs: await inputsNow(node, earlier) };
        const fingerprint = fingerprintOf(components);
        const state: StepState = {
          stepId: plan.id,
          fingerprint,
          components,
          outputFingerprint,
          ...(metrics.rows === undefined ? {} : { rows: metrics.rows }),
          ...(metrics.bytes === undefined ? {} : { bytes: metrics.bytes }),
          runId: init.session.runId,
          finishedAt: new Date().toISOString(),
        };
        await writeJsonAtomic(init.session.store.statePath("cloud", plan.id), state);
        return { fingerprint, components, outputFingerprint };
      } catch (error) {
        warn(plan, `its fingerprints could not be read: ${messageOf(error)}`);
        return undefined;
      }
    },
  };
}
