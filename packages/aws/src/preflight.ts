import { GlacierError, type LineageGraph } from "@glacier/core";
import type { AwsClients } from "./aws-clients.js";
import { CONTAINER_NETWORK_TAGS } from "@glacier/aws-model";
import type { CloudPlan } from "./cloud-plan.js";
import type { ContainerNetwork } from "./dispatch-ecs.js";
import { s3Content } from "./s3-content.js";

const GENERATE_HINT = "Run `glacier generate` and apply it first (terraform init && terraform apply).";

function cloudError(message: string, hint: string, cause?: unknown): GlacierError {
  return new GlacierError("CLOUD_ERROR", message, {
    subject: { kind: "mode", name: "cloud" },
    hint,
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * The account the credentials belong to. Fails with CLOUD_ERROR when no credentials are found or AWS rejects
 * them, and when the Provider names another account than the credentials'.
 */
export async function checkIdentity(clients: AwsClients, providerAccount: string | null): Promise<string> {
  const sts = await clients.sts();
  try {
    await sts.config.credentials();
  } catch (error) {
    throw cloudError(
      "no AWS credentials were found.",
      "Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE (aws sso login / aws configure).",
      error,
    );
  }
  const { GetCallerIdentityCommand } = await import("@aws-sdk/client-sts");
  let account: string | undefined;
  try {
    account = (await sts.send(new GetCallerIdentityCommand({}))).Account;
  } catch (error) {
    throw cloudError(
      `AWS rejected the credentials: ${(error as Error).message}`,
      "Refresh them (aws sso login) or check AWS_PROFILE.",
      error,
    );
  }
  if (!account)
    throw cloudError("AWS returned no account id for these credentials.", "Check the credentials.");
  if (providerAccount !== null && providerAccount !== account) {
    throw cloudError(
      `the credentials are for account ${account}, but the Provider deploys to ${providerAccount}.`,
      "Use credentials of the Provider's account (AWS_PROFILE), or fix its accountId.",
    );
  }
  return account;
}

/** Every source object exists; SOURCE_MISSING names the first bucket without data. */
export async function checkSources(clients: AwsClients, graph: LineageGraph): Promise<void> {
  const s3 = await clients.s3();
  const contents = await Promise.all(
    graph.sources().map(async (bucket) => {
      try {
        return { bucket, content: await s3Content(s3, bucket) };
      } catch (error) {
        throw new GlacierError(
          "STORAGE_ERROR",
          `cannot read ${bucket.location}: ${(error as Error).message}`,
          {
            subject: { kind: "bucket", name: bucket.id },
            hint: "Check the credentials' S3 permissions and the bucket's region.",
            cause: error,
          },
        );
      }
    }),
  );
  const missing = contents.find((c) => !c.content.exists);
  if (missing) {
    throw new GlacierError("SOURCE_MISSING", `there is no data at ${missing.bucket.location}.`, {
      subject: { kind: "bucket", name: missing.bucket.id },
      hint: missing.bucket.dataset
        ? "Put data files in the dataset (hidden and _-prefixed files do not count), or fix the bucket's path."
        : "Upload the object first, or fix the bucket's path.",
    });
  }
}

/** Every Lambda function the plan invokes exists (GetFunction). */
export async function checkFunctions(clients: AwsClients, plan: CloudPlan): Promise<void> {
  const names = [
    ...new Set(plan.steps.flatMap((s) => (s.dispatch.kind === "lambda" ? [s.dispatch.functionName] : []))),
  ];
  if (names.length === 0) return;
  const lambda = await clients.lambda();
  const { GetFunctionCommand } = await import("@aws-sdk/client-lambda");
  const missing: string[] = [];
  await Promise.all(
    names.map(async (name) => {
      try {
        await lambda.send(new GetFunctionCommand({ FunctionName: name }));
      } catch (error) {
        if ((error as { name?: string }).name === "ResourceNotFoundException") missing.push(name);
        else
          throw cloudError(
            `cannot look up Lambda function ${name}: ${(error as Error).message}`,
            GENERATE_HINT,
            error,
          );
      }
    }),
  );
  if (missing.length > 0) {
    throw cloudError(
      `Lambda function${missing.length > 1 ? "s" : ""} ${missing.sort().join(", ")} ${missing.length > 1 ? "do" : "does"} not exist in ${plan.region}.`,
      GENERATE_HINT,
    );
  }
}

/**
 * Every EMR Serverless application the plan needs exists; returns their ids by name (StartJobRun takes the
 * id, which AWS assigns at apply time, so it is looked up by the name generate gave).
 */
export async function findApplications(
  clients: AwsClients,
  plan: CloudPlan,
): Promise<ReadonlyMap<string, string>> {
  const names = new Set(
    plan.steps.flatMap((s) => (s.dispatch.kind === "emr" ? [s.dispatch.applicationName] : [])),
  );
  const ids = new Map<string, string>();
  if (names.size === 0) return ids;
  const emr = await clients.emr();
  const { ListApplicationsCommand } = await import("@aws-sdk/client-emr-serverless");
  let token: string | undefined;
  try {
    do {
      const page = await emr.send(
        new ListApplicationsCommand(token === undefined ? {} : { nextToken: token }),
      );
      for (const app of page.applications ?? []) {
        if (app.name && names.has(app.name) && app.state !== "TERMINATED" && app.id)
          ids.set(app.name, app.id);
      }
      token = page.nextToken;
    } while (token);
  } catch (error) {
    throw cloudError(
      `cannot list EMR Serverless applications: ${(error as Error).message}`,
      GENERATE_HINT,
      error,
    );
  }
  const missing = [...names].filter((n) => !ids.has(n)).sort();
  if (missing.length > 0) {
    throw cloudError(
      `EMR Serverless application${missing.length > 1 ? "s" : ""} ${missing.join(", ")} ${missing.length > 1 ? "do" : "does"} not exist in ${plan.region}.`,
      GENERATE_HINT,
    );
  }
  return ids;
}

/** The artefacts bucket (run records, Spark scripts) exists: generate creates it. */
export async function checkArtefacts(clients: AwsClients, plan: CloudPlan): Promise<void> {
  const { HeadBucketCommand } = await import("@aws-sdk/client-s3");
  try {
    await (await clients.s3()).send(new HeadBucketCommand({ Bucket: plan.artefactsBucket }));
  } catch (error) {
    throw cloudError(
      `the artefacts bucket ${plan.artefactsBucket} does not exist or is not readable.`,
      GENERATE_HINT,
      error,
    );
  }
}

/**
 * The ECS cluster and every task definition the plan's container steps need exist; returns the networking
 * `generate` recorded on the cluster's tags (its Terraform variables, resolved at apply), so tasks start where
 * the state machine starts them. Undefined when the plan has no container step.
 */
export async function findContainerNetwork(
  clients: AwsClients,
  plan: CloudPlan,
): Promise<ContainerNetwork | undefined> {
  const steps = plan.steps.flatMap((s) => (s.dispatch.kind === "ecs" ? [s.dispatch] : []));
  const [first] = steps;
  if (!first) return undefined;
  const ecs = await clients.ecs();
  const sdk = await import("@aws-sdk/client-ecs");
  let cluster;
  try {
    const answer = await ecs.send(
      new sdk.DescribeClustersCommand({ clusters: [first.cluster], include: ["TAGS"] }),
    );
    cluster = answer.clusters?.find((c) => c.clusterName === first.cluster && c.status === "ACTIVE");
  } catch (error) {
    throw cloudError(
      `cannot look up ECS cluster ${first.cluster}: ${(error as Error).message}`,
      GENERATE_HINT,
      error,
    );
  }
  if (!cluster)
    throw cloudError(`ECS cluster ${first.cluster} does not exist in ${plan.region}.`, GENERATE_HINT);
  const missing: string[] = [];
  await Promise.all(
    [...new Set(steps.map((s) => s.taskDefinition))].map(async (family) => {
      try {
        await ecs.send(new sdk.DescribeTaskDefinitionCommand({ taskDefinition: family }));
      } catch (error) {
        if ((error as { name?: string }).name === "ClientException") missing.push(family);
        else
          throw cloudError(
            `cannot look up ECS task definition ${family}: ${(error as Error).message}`,
            GENERATE_HINT,
            error,
          );
      }
    }),
  );
  if (missing.length > 0) {
    throw cloudError(
      `ECS task definition${missing.length > 1 ? "s" : ""} ${missing.sort().join(", ")} ${missing.length > 1 ? "do" : "does"} not exist in ${plan.region}.`,
      GENERATE_HINT,
    );
  }
  const tag = (key: string) => cluster.tags?.find((t) => t.key === key)?.value?.trim() ?? "";
  const subnets = tag(CONTAINER_NETWORK_TAGS.subnets).split(/\s+/).filter(Boolean);
  const securityGroups = tag(CONTAINER_NETWORK_TAGS.securityGroups).split(/\s+/).filter(Boolean);
  const assignPublicIp = tag(CONTAINER_NETWORK_TAGS.assignPublicIp);
  if (
    subnets.length === 0 ||
    securityGroups.length === 0 ||
    !["ENABLED", "DISABLED"].includes(assignPublicIp)
  ) {
    throw cloudError(
      `ECS cluster ${first.cluster} does not carry the container steps' networking (tags ${Object.values(CONTAINER_NETWORK_TAGS).join(", ")}).`,
      "Apply the module glacier generate wrote (terraform apply): it tags the cluster with the subnets and security groups.",
    );
  }
  return { subnets, securityGroups, assignPublicIp: assignPublicIp as ContainerNetwork["assignPublicIp"] };
}
