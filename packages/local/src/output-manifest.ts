import { readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import type { S3Client } from "@aws-sdk/client-s3";
import { GlacierError } from "@glacier/core";
import { listLocalDataset } from "./local-files.js";
import { loadS3 } from "./s3-client.js";
import { listDataset } from "./s3-objects.js";

/**
 * The file in a directory dataset that lists the files Glacier wrote there. Its `_` prefix keeps it out of every
 * reader (polars globs, `listDataset`, Spark), and it lives beside the data, so a Lambda, a laptop and CI agree
 * on who owns what without sharing a `.glacier` directory.
 */
export const MANIFEST_NAME = "_glacier_manifest.json";

/** `_glacier_manifest.json`: which files of a directory dataset its step wrote (relative to the directory). */
export interface OutputManifest {
  readonly glacier: 1;
  /** The bucket id of the output. */
  readonly output: string;
  readonly step: string;
  readonly runId: string;
  readonly files: readonly string[];
}

/** A directory dataset's directory: a local path, or a bucket and key prefix (both ending in `/`). */
export type DatasetDir =
  | { readonly kind: "file"; readonly dir: string }
  | { readonly kind: "s3"; readonly client: S3Client; readonly bucket: string; readonly prefix: string };

function describeDir(place: DatasetDir): string {
  return place.kind === "file" ? place.dir : `s3://${place.bucket}/${place.prefix}`;
}

function parseManifest(text: string): OutputManifest | null {
  try {
    const value = JSON.parse(text) as Partial<OutputManifest>;
    return value.glacier === 1 &&
      Array.isArray(value.files) &&
      value.files.every((f) => typeof f === "string")
      ? (value as OutputManifest)
      : null;
  } catch {
    return null;
  }
}

/** The dataset's manifest, or null when there is none (or it is not one Glacier wrote: it is not trusted). */
export async function readManifest(place: DatasetDir): Promise<OutputManifest | null> {
  if (place.kind === "file") {
    try {
      return parseManifest(await readFile(join(place.dir, MANIFEST_NAME), "utf8"));
    } catch (error) {
      if ((error as { code?: string }).code === "ENOENT") return null;
      throw error;
    }
  }
  const { GetObjectCommand } = await loadS3();
  try {
    const got = await place.client.send(
      new GetObjectCommand({ Bucket: place.bucket, Key: `${place.prefix}${MANIFEST_NAME}` }),
    );
    return parseManifest((await got.Body?.transformToString("utf8")) ?? "");
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404 || /NoSuchKey|NotFound/.test((error as { name?: string }).name ?? "")) return null;
    throw error;
  }
}

/** Replaces the manifest (locally: a temporary file and a rename, so a reader never sees half of one). */
export async function writeManifest(place: DatasetDir, manifest: OutputManifest): Promise<void> {
  const text = `${JSON.stringify(manifest, null, 2)}\n`;
  if (place.kind === "file") {
    const path = join(place.dir, MANIFEST_NAME);
    const temp = `${join(place.dir, `.${MANIFEST_NAME}`)}.${randomBytes(4).toString("hex")}.glacier-tmp`;
    try {
      await writeFile(temp, text);
      await rename(temp, path);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    return;
  }
  const { PutObjectCommand } = await loadS3();
  const body = Buffer.from(text);
  await place.client.send(
    new PutObjectCommand({
      Bucket: place.bucket,
      Key: `${place.prefix}${MANIFEST_NAME}`,
      Body: body,
      ContentLength: body.byteLength,
      ContentType: "application/json",
    }),
  );
}

/** The data files in the directory now (hidden and `_`-prefixed files are no data and are left alone), relative. */
export async function presentFiles(place: DatasetDir): Promise<string[]> {
  if (place.kind === "file") return (await listLocalDataset(place.dir)).map((f) => f.relative);
  return (await listDataset(place.client, place.bucket, place.prefix)).map((o) =>
    o.key.slice(place.prefix.length),
  );
}

/** Files in the directory that its manifest does not list: someone else's. */
export function notOwned(present: readonly string[], manifest: OutputManifest | null): string[] {
  const owned = new Set(manifest?.files ?? []);
  return present.filter((f) => !owned.has(f));
}

/**
 * OUTPUT_NOT_OWNED: a directory dataset's directory holds data files its step did not write. A step replaces
 * only its own files, and its readers would read the others as part of its output, so it does not write there.
 */
export function notOwnedError(
  place: DatasetDir,
  output: string,
  step: string,
  files: readonly string[],
): GlacierError {
  const shown = files.slice(0, 5).join(", ") + (files.length > 5 ? ` and ${files.length - 5} more` : "");
  return new GlacierError(
    "OUTPUT_NOT_OWNED",
    `step "${step}" writes the directory dataset ${describeDir(place)}, which holds ${files.length} file${files.length === 1 ? "" : "s"} Glacier did not write there: ${shown}. Nothing was written or deleted: a step replaces only files it wrote, and every reader of "${output}" would read these as part of it.`,
    {
      subject: { kind: "bucket", name: output },
      hint: `Move those files out of ${describeDir(place)}, or point the bucket at a directory of its own.`,
    },
  );
}
