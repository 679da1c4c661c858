import { closeSync, fsync, openSync, renameSync } from "node:fs";
import { readdir, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { GlacierError } from "@glacier/core";
import { storageError } from "./errors.js";
import {
  notOwned,
  notOwnedError,
  presentFiles,
  readManifest,
  writeManifest,
  type DatasetDir,
  type OutputManifest,
} from "./output-manifest.js";
import { finalUrl, TEMP_SUFFIX, type DatasetOutput, type OutputTarget } from "./output-target.js";
import { s3Client } from "./s3-client.js";
import { OWNER_TAG_PATTERN, tagOwnerIsDead } from "./temp-owner.js";
import { copyObject, deleteObjects, headObject } from "./s3-objects.js";
import { effectiveS3, type StorageOptions } from "./storage.js";

/** The committed output as S3 reports it (local outputs were measured before the commit). */
export interface Committed {
  readonly bytes?: number;
  readonly fingerprint?: string;
  /**
   * With `deferSync`, a local file's directory fsync, still running: the output is in place (readers may start),
   * and durable once this resolves. Otherwise the commit waited for it.
   */
  readonly synced?: Promise<void>;
}

/**
 * Makes a written output visible at its bucket's path, all at once. Locally: `rename` of the temporary file
 * (atomic on one file system), then an fsync of the directory so the rename survives a crash. On S3: a
 * server-side copy of the temporary object to the target key (the target appears only when the copy
 * completes), then the temporary object is deleted.
 *
 * A directory dataset is its step's alone: the commit first checks the directory's manifest
 * (`_glacier_manifest.json`) and refuses (OUTPUT_NOT_OWNED) when the directory holds data files the step did
 * not write, then records the new file in the manifest before it appears, replaces it, removes only files the
 * manifest listed from earlier runs (a previous format's part), and rewrites the manifest. Nothing else in the
 * directory is ever touched.
 */
export async function commitOutput(
  target: OutputTarget,
  step: string,
  storage?: StorageOptions,
  options: { readonly deferSync?: boolean } = {},
): Promise<Committed> {
  if (target.kind === "file") {
    try {
      const place: DatasetDir | undefined = target.dataset && { kind: "file", dir: target.dataset.root };
      const claim =
        place && target.dataset && (await claimDataset(place, target.dataset, step, basename(target.final)));
      // Synchronous, like the directory's open and close below: metadata operations of microseconds, each
      // a round trip through libuv's thread pool otherwise. Only the fsync, which waits for the disk, is not.
      renameSync(target.temp, target.final);
      if (!place && options.deferSync) {
        // The fsync waits for the journal (milliseconds, more when it replaced a file): the next step need not.
        const synced = fsyncDir(dirname(target.final)).catch((error: unknown) => {
          throw storageError("cannot commit", target.final, error, { kind: "step", name: step });
        });
        synced.catch(() => undefined);
        return { synced };
      }
      await fsyncDir(dirname(target.final));
      if (place && claim) await settleDataset(place, claim, basename(target.final));
      return {};
    } catch (error) {
      await rm(target.temp, { force: true });
      if (GlacierError.is(error)) throw error;
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
    const place: DatasetDir | undefined = target.dataset && {
      kind: "s3",
      client,
      bucket: target.bucket,
      prefix: target.dataset.root,
    };
    const name = target.finalKey.slice(target.dataset?.root.length ?? 0);
    const claim = place && target.dataset && (await claimDataset(place, target.dataset, step, name));
    const etag = await copyObject(
      client,
      { bucket: target.bucket, key: target.tempKey, size: written.size },
      { bucket: target.bucket, key: target.finalKey },
    );
    await deleteObjects(client, target.bucket, [target.tempKey]);
    if (place && claim) await settleDataset(place, claim, name);
    return { bytes: written.size, fingerprint: `etag:${etag}:${written.size}` };
  } catch (error) {
    await abortOutput(target, storage);
    if (GlacierError.is(error)) throw error;
    throw storageError("cannot commit", finalUrl(target), error, { kind: "step", name: step }, s3.endpoint);
  }
}

/** What a step may replace in its directory dataset, and the manifest it will leave. */
interface Claim {
  readonly owned: readonly string[];
  readonly manifest: OutputManifest;
}

/**
 * Refuses a directory holding data files the step did not write; otherwise records `name` as the step's
 * before it appears (a commit killed after the rename still finds it owned next time).
 */
async function claimDataset(
  place: DatasetDir,
  dataset: DatasetOutput,
  step: string,
  name: string,
): Promise<Claim> {
  const manifest = await readManifest(place);
  const foreign = notOwned(await presentFiles(place), manifest);
  if (foreign.length > 0) throw notOwnedError(place, dataset.output, step, foreign);
  const owned = manifest?.files ?? [];
  const next: OutputManifest = {
    glacier: 1,
    output: dataset.output,
    step,
    runId: dataset.runId,
    files: [name],
  };
  if (!owned.includes(name)) await writeManifest(place, { ...next, files: [...owned, name] });
  return { owned, manifest: next };
}

/** Removes the files earlier runs of the step wrote that this one did not, then records what is there now. */
async function settleDataset(place: DatasetDir, claim: Claim, name: string): Promise<void> {
  const stale = claim.owned.filter((f) => f !== name);
  if (place.kind === "file") {
    for (const file of stale) await rm(join(place.dir, file), { force: true }).catch(() => undefined);
  } else if (stale.length > 0) {
    await deleteObjects(
      place.client,
      place.bucket,
      stale.map((f) => `${place.prefix}${f}`),
    );
  }
  // With no earlier files, the manifest written before the commit is already the final one.
  if (claim.owned.length > 0) await writeManifest(place, claim.manifest);
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
 * Deletes temporaries of this output whose writer is certainly gone (a killed process cannot clean up): the
 * writer named in the file's name ({@link tagOwnerIsDead}) no longer runs on this host. A live writer's file
 * — a run of another project sharing the data directory, say — is left alone, and so is another host's.
 * Temporaries named before writers were (no tag) are deleted, as before, only by the holder of the output's lock.
 *
 * `listings` memoises each directory's listing for the run: leftovers of earlier runs are all there when the
 * run starts (this run's own failed attempts remove their temporaries), and re-reading a directory of N
 * outputs for each of its N steps cost O(N²).
 */
export async function sweepTemporaries(
  target: OutputTarget,
  listings?: Map<string, Promise<readonly string[]>>,
): Promise<void> {
  if (target.kind !== "file") return;
  const dir = dirname(target.final);
  let listing = listings?.get(dir);
  if (!listing) {
    // Only temporaries matter: a directory of N outputs is then not scanned N times, once per step.
    listing = readdir(dir).then(
      (names) => names.filter((name) => name.endsWith(TEMP_SUFFIX)),
      () => [],
    );
    listings?.set(dir, listing);
  }
  const prefix = `.${basename(target.final)}.`;
  const names = (await listing).filter((name) => name.startsWith(prefix));
  if (names.length === 0) return;
  // Exactly this output's temporaries: `.<name>.<runId>-<rand>[.<owner tag>].glacier-tmp`, not another output's.
  const own = new RegExp(
    `^\\.${escapeRegExp(basename(target.final))}\\.\\d{8}T\\d{6}Z-[0-9a-f]{4}-[0-9a-f]{4}(?:\\.(${OWNER_TAG_PATTERN}))?${escapeRegExp(TEMP_SUFFIX)}$`,
  );
  for (const name of names) {
    const match = own.exec(name);
    if (!match || join(dir, name) === target.temp) continue;
    const tag = match[1];
    if (tag === undefined || tagOwnerIsDead(tag)) await rm(join(dir, name), { force: true });
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

async function fsyncDir(dir: string): Promise<void> {
  const fd = openSync(dir, "r");
  try {
    await new Promise<void>((resolve, reject) => fsync(fd, (error) => (error ? reject(error) : resolve())));
  } catch {
    // Some file systems refuse fsync on directories; the rename itself is still atomic.
  } finally {
    closeSync(fd);
  }
}
