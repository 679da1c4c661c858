import type * as S3Sdk from "@aws-sdk/client-s3";
import type { S3Client } from "@aws-sdk/client-s3";
import { canonicalJson } from "@glacier/core/internal";
import type { S3Options } from "./storage.js";

type S3Module = typeof S3Sdk;

let sdk: Promise<S3Module> | undefined;

/** The AWS SDK's S3 module, loaded on first use (a local-only pipeline never pays its ~200 ms). */
export function loadS3(): Promise<S3Module> {
  sdk ??= import("@aws-sdk/client-s3");
  return sdk;
}

const clients = new Map<string, Promise<S3Client>>();

/**
 * One S3 client per configuration. A custom endpoint gets path-style addressing (S3-compatible servers on an
 * IP address have no virtual-host names) and checksums only where S3 requires them (some servers store the
 * SDK's `aws-chunked` framing verbatim).
 */
export function s3Client(options: S3Options): Promise<S3Client> {
  const key = canonicalJson(options);
  let client = clients.get(key);
  if (!client) {
    client = loadS3().then(
      ({ S3Client }) =>
        new S3Client({
          ...(options.region === undefined ? { region: "us-east-1" } : { region: options.region }),
          ...(options.endpoint === undefined
            ? {}
            : {
                endpoint: options.endpoint,
                forcePathStyle: true,
                requestChecksumCalculation: "WHEN_REQUIRED",
                responseChecksumValidation: "WHEN_REQUIRED",
              }),
          ...(options.accessKeyId !== undefined && options.secretAccessKey !== undefined
            ? {
                credentials: {
                  accessKeyId: options.accessKeyId,
                  secretAccessKey: options.secretAccessKey,
                  ...(options.sessionToken === undefined ? {} : { sessionToken: options.sessionToken }),
                },
              }
            : {}),
          maxAttempts: 3,
        }),
    );
    clients.set(key, client);
  }
  return client;
}

/**
 * Credentials from the SDK's default provider chain (profiles, SSO, web identity, container and instance
 * roles) made explicit, so polars — which reads only `AWS_*` variables — uses them too. Returns the options
 * unchanged when they already hold static credentials or when the chain finds none (the first storage call
 * then reports access denied).
 */
export async function withChainCredentials(options: S3Options): Promise<S3Options> {
  if (options.accessKeyId !== undefined && options.secretAccessKey !== undefined) return options;
  try {
    const client = await s3Client(options);
    const credentials = await client.config.credentials();
    return {
      ...options,
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      ...(credentials.sessionToken === undefined ? {} : { sessionToken: credentials.sessionToken }),
    };
  } catch {
    return options;
  }
}
