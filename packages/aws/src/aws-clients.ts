import type { ECSClient } from "@aws-sdk/client-ecs";
import type { EMRServerlessClient } from "@aws-sdk/client-emr-serverless";
import type { LambdaClient } from "@aws-sdk/client-lambda";
import type { S3Client } from "@aws-sdk/client-s3";
import type { SFNClient } from "@aws-sdk/client-sfn";
import type { STSClient } from "@aws-sdk/client-sts";

/**
 * The AWS SDK clients of one cloud run, created on first use (a run without spark steps never loads the EMR
 * Serverless SDK) and shared by every step.
 *
 * Endpoints: none is set here. The SDK reads the standard variables itself (`AWS_ENDPOINT_URL`,
 * `AWS_ENDPOINT_URL_LAMBDA`, `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL_EMR_SERVERLESS`, `AWS_ENDPOINT_URL_SFN`,
 * `AWS_ENDPOINT_URL_ECS`,
 * `AWS_ENDPOINT_URL_STS`, or `endpoint_url` in a profile). Only S3 needs to know: an S3-compatible endpoint
 * (MinIO, LocalStack, s3rver) has no virtual-host bucket names, so it gets path-style addressing, and checksums
 * only where S3 requires them (some servers store the SDK's `aws-chunked` framing verbatim).
 *
 * Retries of throttling (`TooManyRequestsException`, `ThrottlingException`, 429), 5xx and network errors are
 * the SDK's `standard` retry strategy: exponential backoff with full jitter (`random(0, min(20 s, 100 ms ×
 * 2^attempt))`) behind a retry-token bucket that stops retry storms when a service is down. We raise its
 * attempts (see {@link RETRY_ATTEMPTS}) rather than wrap calls in a loop of our own, so each request is retried
 * exactly once per layer. Task failures (the function ran and threw) are not transport errors: the task's own
 * `retries` handle them, by core's retry policy in `@glacier/engine`'s scheduler.
 */

/** Attempts per request, first included. A Lambda invoke waits longest under throttling, so it gets most. */
export const RETRY_ATTEMPTS = { lambda: 8, emr: 6, ecs: 6, s3: 6, sfn: 6, sts: 3 } as const;

function env(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === "" ? undefined : value;
}

/** The S3 endpoint override in force, if any (the same variables the SDK and polars read). */
export function s3EndpointOverride(): string | undefined {
  return env("AWS_ENDPOINT_URL_S3") ?? env("AWS_ENDPOINT_URL");
}

/** Lazily created SDK clients for one region. */
export class AwsClients {
  readonly region: string;
  readonly #clients = new Map<string, Promise<unknown>>();

  constructor(region: string) {
    this.region = region;
  }

  #once<T>(key: string, make: () => Promise<T>): Promise<T> {
    let client = this.#clients.get(key) as Promise<T> | undefined;
    if (!client) {
      client = make();
      this.#clients.set(key, client);
    }
    return client;
  }

  lambda(): Promise<LambdaClient> {
    return this.#once("lambda", async () => {
      const { LambdaClient } = await import("@aws-sdk/client-lambda");
      // An invocation lasts as long as the function runs (up to 15 minutes): no socket timeout of the SDK's
      // own may end it first. Per-step timeouts abort the request instead.
      return new LambdaClient({
        region: this.region,
        maxAttempts: RETRY_ATTEMPTS.lambda,
        retryMode: "standard",
      });
    });
  }

  s3(): Promise<S3Client> {
    return this.#once("s3", async () => {
      const { S3Client } = await import("@aws-sdk/client-s3");
      const compatible = s3EndpointOverride() !== undefined;
      return new S3Client({
        region: this.region,
        maxAttempts: RETRY_ATTEMPTS.s3,
        retryMode: "standard",
        ...(compatible
          ? {
              forcePathStyle: true,
              requestChecksumCalculation: "WHEN_REQUIRED",
              responseChecksumValidation: "WHEN_REQUIRED",
            }
          : {}),
      });
    });
  }

  emr(): Promise<EMRServerlessClient> {
    return this.#once("emr", async () => {
      const { EMRServerlessClient } = await import("@aws-sdk/client-emr-serverless");
      return new EMRServerlessClient({
        region: this.region,
        maxAttempts: RETRY_ATTEMPTS.emr,
        retryMode: "standard",
      });
    });
  }

  ecs(): Promise<ECSClient> {
    return this.#once("ecs", async () => {
      const { ECSClient } = await import("@aws-sdk/client-ecs");
      return new ECSClient({ region: this.region, maxAttempts: RETRY_ATTEMPTS.ecs, retryMode: "standard" });
    });
  }

  sfn(): Promise<SFNClient> {
    return this.#once("sfn", async () => {
      const { SFNClient } = await import("@aws-sdk/client-sfn");
      return new SFNClient({ region: this.region, maxAttempts: RETRY_ATTEMPTS.sfn, retryMode: "standard" });
    });
  }

  sts(): Promise<STSClient> {
    return this.#once("sts", async () => {
      const { STSClient } = await import("@aws-sdk/client-sts");
      return new STSClient({ region: this.region, maxAttempts: RETRY_ATTEMPTS.sts, retryMode: "standard" });
    });
  }

  /** Closes every socket the clients hold. */
  async destroy(): Promise<void> {
    for (const client of this.#clients.values()) {
      ((await client.catch(() => undefined)) as { destroy?: () => void } | undefined)?.destroy?.();
    }
    this.#clients.clear();
  }
}
