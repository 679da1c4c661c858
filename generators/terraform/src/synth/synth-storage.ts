import { createHash } from "node:crypto";
import { S3Bucket } from "@cdktn/provider-aws/lib/s3-bucket/index.js";
import { S3BucketLifecycleConfiguration } from "@cdktn/provider-aws/lib/s3-bucket-lifecycle-configuration/index.js";
import { S3BucketOwnershipControls } from "@cdktn/provider-aws/lib/s3-bucket-ownership-controls/index.js";
import { S3BucketPolicy } from "@cdktn/provider-aws/lib/s3-bucket-policy/index.js";
import { S3BucketPublicAccessBlock } from "@cdktn/provider-aws/lib/s3-bucket-public-access-block/index.js";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktn/provider-aws/lib/s3-bucket-server-side-encryption-configuration/index.js";
import { S3BucketVersioningA } from "@cdktn/provider-aws/lib/s3-bucket-versioning/index.js";
import { S3Object } from "@cdktn/provider-aws/lib/s3-object/index.js";
import { ATOMIC_TEMP_PREFIX } from "@glacier/aws-model";
import { modulePath, policyJson, type SynthContext } from "./synth-context.js";

/**
 * S3: one bucket per managed bucket name plus the artefacts bucket, each with Glacier's security defaults —
 * versioning, SSE-S3 encryption (SSE-KMS with the bucket's `kmsKeyArn`), every public access block,
 * bucket-owner-enforced ownership (no ACLs), a policy denying non-TLS requests, and a lifecycle that aborts
 * stale multipart uploads, expires abandoned staged writes, their old versions and delete markers, and old
 * versions.
 * External buckets get nothing: policies reference them by ARN.
 */

/** Creates a bucket with the security defaults. Returns its Terraform resource. */
function secureBucket(
  ctx: SynthContext,
  logicalId: string,
  name: string,
  purpose: string,
  kmsKeyArn?: string,
): S3Bucket {
  const { stack } = ctx;
  const bucket = new S3Bucket(stack, logicalId, { bucket: name, tags: { "glacier:purpose": purpose } });
  new S3BucketVersioningA(stack, `${logicalId}_versioning`, {
    bucket: bucket.id,
    versioningConfiguration: { status: "Enabled" },
  });
  new S3BucketServerSideEncryptionConfigurationA(stack, `${logicalId}_encryption`, {
    bucket: bucket.id,
    rule: [
      kmsKeyArn === undefined
        ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }
        : {
            applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: kmsKeyArn },
            // One data key per bucket instead of per object: far fewer KMS requests.
            bucketKeyEnabled: true,
          },
    ],
  });
  new S3BucketPublicAccessBlock(stack, `${logicalId}_public_access`, {
    bucket: bucket.id,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  });
  new S3BucketOwnershipControls(stack, `${logicalId}_ownership`, {
    bucket: bucket.id,
    rule: { objectOwnership: "BucketOwnerEnforced" },
  });
  new S3BucketPolicy(stack, `${logicalId}_tls_only`, {
    bucket: bucket.id,
    policy: policyJson([
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucket.arn, `${bucket.arn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ]),
  });
  new S3BucketLifecycleConfiguration(stack, `${logicalId}_lifecycle`, {
    bucket: bucket.id,
    rule: [
      {
        id: "abort-incomplete-multipart-uploads",
        status: "Enabled",
        filter: [{ prefix: "" }],
        abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
      },
      {
        id: "expire-abandoned-staged-writes",
        status: "Enabled",
        filter: [{ prefix: ATOMIC_TEMP_PREFIX }],
        expiration: [{ days: 2 }],
        // Staged copies are deleted on commit: their old versions are never needed, nor are their uploads.
        noncurrentVersionExpiration: [{ noncurrentDays: 1 }],
        abortIncompleteMultipartUpload: [{ daysAfterInitiation: 1 }],
      },
      {
        // S3 rejects expired_object_delete_marker next to days in one expiration, hence its own rule: in a
        // versioned bucket every committed write leaves a delete marker under the staging prefix.
        id: "remove-staging-delete-markers",
        status: "Enabled",
        filter: [{ prefix: ATOMIC_TEMP_PREFIX }],
        expiration: [{ expiredObjectDeleteMarker: true }],
      },
      {
        id: "expire-noncurrent-versions",
        status: "Enabled",
        filter: [{ prefix: "" }],
        noncurrentVersionExpiration: [{ noncurrentDays: ctx.noncurrentVersionDays }],
      },
    ],
  });
  return bucket;
}

/**
 * The data buckets and the artefacts bucket, with the Spark scripts, layer zips and container bundles uploaded
 * to it.
 */
export function synthStorage(ctx: SynthContext): void {
  const { plan, stack } = ctx;
  for (const bucket of plan.buckets) {
    if (bucket.managed) secureBucket(ctx, bucket.logicalId, bucket.name, "data", bucket.kmsKeyArn);
  }
  const artefacts = secureBucket(ctx, plan.artefacts.logicalId, ctx.name(plan.artefacts.name), "artefacts");
  for (const job of plan.sparkJobs) {
    new S3Object(stack, `${job.logicalId}_script`, {
      bucket: artefacts.bucket,
      key: job.scriptKey,
      source: modulePath(job.scriptPath),
      sourceHash: createHash("sha256").update(job.script).digest("hex"),
      contentType: "text/x-python",
    });
  }
  for (const layer of plan.layers) {
    const asset = ctx.assets.layers[layer.logicalId];
    if (!asset) throw new Error(`no packaged zip for layer ${layer.logicalId}`);
    new S3Object(stack, `${layer.logicalId}_zip`, {
      bucket: artefacts.bucket,
      key: layerKey(layer.name.slice(plan.namePrefix.length + 1), asset.sha256),
      source: modulePath(asset.path),
      sourceHash: asset.sha256,
    });
  }
  for (const task of plan.containers?.tasks ?? []) {
    const asset = ctx.assets.containers?.[task.logicalId];
    if (!asset) throw new Error(`no packaged bundle for container step ${task.logicalId}`);
    new S3Object(stack, `${task.logicalId}_bundle`, {
      bucket: artefacts.bucket,
      key: task.bundleKey,
      source: modulePath(asset.path),
      sourceHash: asset.sha256,
    });
  }
}

/** Key of a layer zip in the artefacts bucket: content-addressed, so a new zip is a new object. */
export function layerKey(layer: string, sha256: string): string {
  const hex = Buffer.from(sha256, "base64").toString("hex").slice(0, 16);
  return `glacier/layers/${layer}-${hex}.zip`;
}
