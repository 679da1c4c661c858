import { GlacierError, type LineageGraph } from "@glacier/core";

/**
 * The names `glacier generate` gave the infrastructure, taken from `@glacier/terraform` itself
 * (`planInfrastructure` and its naming module), so a run can never look for a function, application, role or
 * state machine under a name generate did not use.
 *
 * `@glacier/terraform` depends on this package (it bundles our Lambda handler), so this package cannot depend
 * on it in package.json without a cycle in the workspace graph: it is loaded at run time (an optional peer
 * dependency) and described here structurally. The end-to-end tests run against real `generate` output, so a
 * drift between this description and the generator fails them.
 */

/** An S3 location a step reads or writes, as the infrastructure plan lists it. */
export interface PlannedAccess {
  readonly bucket: string;
  readonly key: string;
  readonly dataset: boolean;
  readonly location: string;
}

/** The part of `@glacier/terraform`'s InfrastructurePlan the cloud executor reads. */
export interface InfrastructureNames {
  readonly region: string;
  readonly partition: string;
  readonly accountId: string | null;
  readonly namePrefix: string;
  readonly steps: readonly {
    readonly stepId: string;
    readonly runsOn: "lambda" | "emr-serverless" | "in-process";
    readonly resourceName?: string;
  }[];
  readonly functions: readonly {
    readonly stepId: string;
    readonly functionName: string;
    readonly timeout: number;
  }[];
  readonly sparkJobs: readonly {
    readonly stepId: string;
    readonly applicationName: string;
    readonly scriptKey: string;
    readonly logPrefix: string;
    readonly sparkSubmitParameters: string;
    readonly executionTimeoutMinutes?: number;
  }[];
  readonly stateMachines: readonly {
    readonly pipeline: string;
    readonly name: string;
    readonly steps: readonly string[];
    readonly excluded: readonly { readonly stepId: string; readonly reason: string }[];
    readonly definition: Readonly<Record<string, unknown>>;
  }[];
}

/** The functions of `@glacier/terraform` the cloud executor calls. */
export interface TerraformNaming {
  planInfrastructure(graph: LineageGraph, options?: { readonly namePrefix?: string }): InfrastructureNames;
  artefactsBucketName(accountId: string, region: string, prefix?: string): string;
  runRecordKey(runId: string): string;
  /** Lambda error types the state machine never retries; the cloud executor does not either. */
  readonly NON_RETRYABLE_ERRORS: readonly string[];
  stepResourceNames(
    step: { readonly id: string; readonly name: string },
    prefix?: string,
  ): { readonly jobRoleName: string };
}

const SPECIFIER = "@glacier/terraform";
let loaded: Promise<TerraformNaming> | undefined;

/** Loads the naming module; a missing package is a clear error naming it. */
export function loadNaming(): Promise<TerraformNaming> {
  loaded ??= (import(/* @vite-ignore */ SPECIFIER) as Promise<TerraformNaming>).catch((error: unknown) => {
    loaded = undefined;
    throw new GlacierError(
      "INTERPRETER_MISSING",
      `cloud runs need ${SPECIFIER} to know the names generate used.`,
      {
        subject: { kind: "mode", name: "cloud" },
        hint: `Install it: npm install ${SPECIFIER}.`,
        cause: error,
      },
    );
  });
  return loaded;
}
