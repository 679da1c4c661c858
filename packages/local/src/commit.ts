import { open, readdir, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { GlacierError } from "@glacier/core";
import { storageError } from "./errors.js";
import { finalUrl, TEMP_SUFFIX, type OutputTarget } from "./output-target.js";
import { s3Client } from "./s3-client.js";
import { copyObject, deleteObjects, headObject, isDataFile, listObjects } from "./s3-objects.js";
import { effectiveS3, type StorageOptions } from "./storage.js";

/** The committed output as S3 reports it (local outputs were measured before the commit). */
export interface Committed {
  readonly bytes?: number;
  readonly fingerprint?: string;
}

/**
 * Makes a written output visible at its bucket's path, all at once. Locally: `rename` of the temporary file
 * (atomic on one file system), then an fsync of the directory so the rename survives a crash. On S3: a
 * server-side copy of the temporary object to the target key (the target appears only when the copy
 * completes), then the temporary object is deleted. A directory dataset then drops data files other than the
 * one just written (left by other writers), so readers never see two generations at once.
 */
export async function commitOutput(
  target: OutputTarget,
  step: string,
  storage?: StorageOptions,
): Promise<Committed> {
  if (target.kind === "file") {
    try {
      await rename(target.temp, target.final);
      await fsyncDir(dirname(target.final));
      if (target.datasetDir !== undefined) await removeOtherFiles(target.datasetDir, basename(target.final));
      return {};
    } catch (error) {
      await rm(target.temp, { force: true });
      throw storageError("cannot commit", target.final, error, { kind: "step", name: step });
    }
  }
  const s3 = effectiveS3(storage, target.cloudOptions["aws_region"]);
  const client = await s3Client(s3);
  try {
    const written = await headObject(client, target.bucket, target.tempKey);
    if (!written) {
      throw new GlacierError(
        "STORAGE_ERROR",
        `the written output s3://${target.bucket}/${target.tempKey} vanished before its commit.`,
        {
          subject: { kind: "step", name: step },
          hint: "Check for lifecycle rules or other processes deleting objects under .glacier-tmp/.",
        },
      );
    }
    const etag = await copyObject(
      client,
      { bucket: target.bucket, key: target.tempKey, size: written.size },
      { bucket: target.bucket, key: target.finalKey },
    );
    await deleteObjects(client, target.bucket, [target.tempKey]);
    if (target.datasetPrefix !== undefined) {
      const others = (await listObjects(client, target.bucket, target.datasetPrefix))
        .map((o) => o.key)
        .filter((key) => key !== target.finalKey && isDataFile(key.slice(target.datasetPrefix?.length ?? 0)));
      if (others.length > 0) await deleteObjects(client, target.bucket, others);
    }
    return { bytes: written.size, fingerprint: `etag:${etag}:${written.size}` };
  } catch (error) {
    await abortOutput(target, storage);
    if (GlacierError.is(error)) throw error;
    throw storageError("cannot commit", finalUrl(target), error, { kind: "step", name: step }, s3.endpoint);
  }
}

/** Removes a written but uncommitted output (a failed check, a failed or cancelled step). Never throws. */
export async function abortOutput(target: OutputTarget, storage?: StorageOptions): Promise<void> {
  try {
    if (target.kind === "file") {
      await rm(target.temp, { force: true });
      return;
    }
    const client = await s3Client(effectiveS3(storage, target.cloudOptions["aws_region"]));
    await deleteObjects(client, target.bucket, [target.tempKey]);
  } catch {
    // Best effort: a leftover temporary is invisible to readers and swept by the next run (or a lifecycle rule).
  }
}

/**
 * Deletes temporaries that earlier runs of this output left behind (a killed process cannot clean up). Only
 * called while holding the output's lock, so no live writer owns them.
 */
export async function sweepTemporaries(target: OutputTarget): Promise<void> {
  if (target.kind !== "file") return;
  const dir = dirname(target.final);
  // Exactly this output's temporaries: `.<name>.<runId>-<rand>.glacier-tmp`, not another output's.
  const own = new RegExp(
    `^\\.${escapeRegExp(basename(target.final))}\\.\\d{8}T\\d{6}Z-[0-9a-f]{4}-[0-9a-f]{4}${escapeRegExp(TEMP_SUFFIX)}$`,
  );
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (own.test(name) && join(dir, name) !== target.temp) await rm(join(dir, name), { force: true });
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } catch {
    // Some file systems refuse fsync on directories; the rename itself is still atomic.
  } finally {
    await handle.close();
  }
}

async function removeOtherFiles(dir: string, keep: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name === keep || !isDataFile(entry.name)) continue;
    await rm(join(dir, entry.name), { recursive: true, force: true });
  }
}
