import { GlacierError, type ErrorSubject } from "@glacier/core";
import type { InfrastructurePlan } from "./plan-types.js";
import { NAME_LIMITS, NAME_PREFIX_PATTERN } from "./resource-names.js";

/**
 * AWS's naming limits, checked on the plan before anything is synthesised: a name AWS would reject fails here
 * with the name, its length and what to shorten, instead of halfway through `terraform apply`.
 */

interface NamedResource {
  readonly what: string;
  readonly name: string;
  readonly limit: number;
  readonly subject: ErrorSubject;
  /** What the user can shorten: the task or pipeline name. */
  readonly source: string;
}

/** An account id's length, for names that embed an account id Terraform fills in. */
const ACCOUNT_PLACEHOLDER = "000000000000";

/** Checks the name prefix's form; its length is checked against the names it produces. */
export function checkNamePrefix(prefix: string): string {
  if (typeof prefix !== "string" || !NAME_PREFIX_PATTERN.test(prefix)) {
    throw new GlacierError("INVALID_OPTION", `name prefix ${JSON.stringify(prefix)} is not valid.`, {
      subject: { kind: "option", name: "namePrefix" },
      hint: "Use lowercase letters, digits and -, starting with a letter (it is part of an S3 bucket name).",
    });
  }
  return prefix;
}

function namedResources(plan: InfrastructurePlan): NamedResource[] {
  const roleName = (logicalId: string): string =>
    plan.roles.find((r) => r.logicalId === logicalId)?.name ?? "";
  const prefix = { kind: "option", name: "namePrefix" } as const;
  const named: NamedResource[] = [];
  for (const fn of plan.functions) {
    const subject = { kind: "step", name: fn.stepId } as const;
    const source = `the task name "${fn.stepName}"`;
    named.push({
      what: "Lambda function name",
      name: fn.functionName,
      limit: NAME_LIMITS.lambdaFunction,
      subject,
      source,
    });
    named.push({
      what: "IAM role name",
      name: roleName(fn.roleLogicalId),
      limit: NAME_LIMITS.iamRole,
      subject,
      source,
    });
  }
  for (const job of plan.sparkJobs) {
    const subject = { kind: "step", name: job.stepId } as const;
    const source = `the task name "${job.stepName}"`;
    named.push({
      what: "EMR Serverless application name",
      name: job.applicationName,
      limit: NAME_LIMITS.emrApplication,
      subject,
      source,
    });
    named.push({
      what: "IAM role name",
      name: roleName(job.roleLogicalId),
      limit: NAME_LIMITS.iamRole,
      subject,
      source,
    });
  }
  for (const machine of plan.stateMachines) {
    const subject = { kind: "pipeline", name: machine.pipeline } as const;
    const source = "the pipeline name";
    named.push({
      what: "state machine name",
      name: machine.name,
      limit: NAME_LIMITS.stateMachine,
      subject,
      source,
    });
    named.push({
      what: "IAM role name",
      name: roleName(machine.roleLogicalId),
      limit: NAME_LIMITS.iamRole,
      subject,
      source,
    });
  }
  for (const schedule of plan.schedules) {
    const subject = { kind: "pipeline", name: schedule.pipeline } as const;
    const source = "the pipeline name";
    named.push({ what: "schedule name", name: schedule.name, limit: NAME_LIMITS.schedule, subject, source });
    named.push({
      what: "IAM role name",
      name: roleName(schedule.roleLogicalId),
      limit: NAME_LIMITS.iamRole,
      subject,
      source,
    });
  }
  for (const task of plan.containers?.tasks ?? []) {
    const subject = { kind: "step", name: task.stepId } as const;
    const source = `the task name "${task.stepName}"`;
    named.push({
      what: "ECS task definition family",
      name: task.family,
      limit: NAME_LIMITS.ecsName,
      subject,
      source,
    });
    for (const logicalId of [task.taskRoleLogicalId, task.executionRoleLogicalId]) {
      named.push({
        what: "IAM role name",
        name: roleName(logicalId),
        limit: NAME_LIMITS.iamRole,
        subject,
        source,
      });
    }
  }
  if (plan.containers) {
    named.push({
      what: "ECS cluster name",
      name: plan.containers.cluster.name,
      limit: NAME_LIMITS.ecsName,
      subject: prefix,
      source: "it",
    });
  }
  for (const layer of plan.layers) {
    named.push({
      what: "Lambda layer name",
      name: layer.name,
      limit: NAME_LIMITS.lambdaLayer,
      subject: prefix,
      source: "it",
    });
  }
  named.push({
    what: "artefacts bucket name",
    name: plan.artefacts.name.replace(/\$\{[^}]*\}/, ACCOUNT_PLACEHOLDER),
    limit: NAME_LIMITS.s3Bucket,
    subject: prefix,
    source: "it",
  });
  return named;
}

function tooLong(resource: NamedResource, prefix: string): GlacierError {
  return new GlacierError(
    "INVALID_NAME",
    `the ${resource.what} "${resource.name}" is ${resource.name.length} characters; AWS allows ${resource.limit}.`,
    {
      subject: resource.subject,
      hint: `Shorten ${resource.source === "it" ? "the name prefix" : `${resource.source} or the name prefix "${prefix}"`} by ${resource.name.length - resource.limit} characters.`,
    },
  );
}

function duplicates(named: readonly NamedResource[]): GlacierError[] {
  const seen = new Map<string, NamedResource>();
  const problems: GlacierError[] = [];
  for (const resource of named) {
    const key = `${resource.what}\n${resource.name}`;
    const first = seen.get(key);
    if (first && first.subject.name !== resource.subject.name) {
      problems.push(
        new GlacierError(
          "INVALID_NAME",
          `${first.subject.kind} "${first.subject.name}" and this ${resource.subject.kind} both get the ${resource.what} "${resource.name}".`,
          {
            subject: resource.subject,
            hint: "Names are compared in kebab case (aB, a_b and a-b are equal): rename one of them.",
          },
        ),
      );
    }
    seen.set(key, first ?? resource);
  }
  return problems;
}

/**
 * Names over AWS's limits or shared by two resources, and the longest name prefix every name allows.
 *
 * @example
 * ```ts
 * nameProblems(plan).problems[0]?.message
 * // 'step "…": the IAM role name "glacier-…-lambda" is 70 characters; AWS allows 64. Shorten the task name …'
 * ```
 */
export function nameProblems(plan: InfrastructurePlan): {
  readonly problems: readonly GlacierError[];
  readonly maxPrefixLength: number;
} {
  const named = namedResources(plan);
  const problems = [
    ...named.filter((r) => r.name.length > r.limit).map((r) => tooLong(r, plan.namePrefix)),
    ...duplicates(named),
  ];
  const maxPrefixLength = Math.min(...named.map((r) => r.limit - (r.name.length - plan.namePrefix.length)));
  return { problems, maxPrefixLength };
}
