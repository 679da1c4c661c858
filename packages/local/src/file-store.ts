import { createReadStream, createWriteStream } from "node:fs";
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import type { Readable } from "node:stream";
import { randomBytes } from "node:crypto";
import { type FileEntry, type FileStore, GlacierError } from "@glacier/core";
import { storageError } from "./errors.js";
import { loadS3, s3Client } from "./s3-client.js";
import { copyObject, deleteObjects, headObject, listObjects } from "./s3-objects.js";
import { absolutePath, effectiveS3, mapS3ToLocal, parseS3Url, type StorageOptions } from "./storage.js";

type Where =
  | { readonly kind: "file"; readonly path: string }
  | { readonly kind: "s3"; readonly bucket: string; readonly key: string };

/**
 * A small file API over local paths and `s3://bucket/key` URLs, for non-tabular artefacts next to the data
 * (models, reports, manifests). Tasks get one as `ctx.files`. With `localStorage`, `s3://b/k` is the local
 * file `<localStorage>/b/k`, like every bucket. Local writes are atomic (temporary file + rename); S3 has no
 * directories, so `mkdir` there is a no-op and `ls` lists the next level of keys.
 *
 * @example
 * ```ts
 * const files = createFileStore({ localStorage: "/tmp/lake" });
 * await files.write("s3://acme/models/v1.json", JSON.stringify(model)); // → /tmp/lake/acme/models/v1.json
 * await files.ls("s3://acme/models/");                                // [{ path: "s3://acme/models/v1.json", type: "file", size: 42 }]
 * ```
 */
export function createFileStore(storage: StorageOptions = {}): FileStore {
  const where = (path: string): Where => {
    if (typeof path !== "string" || path === "") {
      throw new GlacierError("STORAGE_ERROR", `${JSON.stringify(path)} is not a path.`, {
        hint: "Pass a local path or an s3://bucket/key URL.",
      });
    }
    const local = mapS3ToLocal(path, storage);
    if (local !== null) return { kind: "file", path: local };
    const s3 = parseS3Url(path);
    return s3 ? { kind: "s3", ...s3 } : { kind: "file", path: absolutePath(path) };
  };
  const client = () => s3Client(effectiveS3(storage));
  const guard = async <T>(action: string, path: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      if (GlacierError.is(error)) throw error;
      throw storageError(action, path, error, { kind: "file", name: path }, effectiveS3(storage).endpoint);
    }
  };

  return {
    exists: (path) =>
      guard("cannot check", path, async () => {
        const w = where(path);
        if (w.kind === "file")
          return stat(w.path).then(
            () => true,
            () => false,
          );
        if (w.key !== "" && !w.key.endsWith("/") && (await headObject(await client(), w.bucket, w.key)))
          return true;
        const prefix = w.key === "" || w.key.endsWith("/") ? w.key : `${w.key}/`;
        const { ListObjectsV2Command } = await loadS3();
        const page = await (
          await client()
        ).send(new ListObjectsV2Command({ Bucket: w.bucket, Prefix: prefix, MaxKeys: 1 }));
        return (page.KeyCount ?? page.Contents?.length ?? 0) > 0;
      }),

    ls: (path) =>
      guard("cannot list", path, async () => {
        const w = where(path);
        if (w.kind === "file") {
          const entries = await readdir(w.path, { withFileTypes: true });
          const result: FileEntry[] = [];
          for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
            const full = join(w.path, entry.name);
            if (entry.isDirectory()) result.push({ path: full, type: "directory" });
            else result.push({ path: full, type: "file", size: (await stat(full)).size });
          }
          return result;
        }
        const prefix = w.key === "" || w.key.endsWith("/") ? w.key : `${w.key}/`;
        const { ListObjectsV2Command } = await loadS3();
        const result: FileEntry[] = [];
        let token: string | undefined;
        do {
          const page = await (
            await client()
          ).send(
            new ListObjectsV2Command({
              Bucket: w.bucket,
              Prefix: prefix,
              Delimiter: "/",
              ...(token === undefined ? {} : { ContinuationToken: token }),
            }),
          );
          for (const p of page.CommonPrefixes ?? []) {
            if (p.Prefix) result.push({ path: `s3://${w.bucket}/${p.Prefix}`, type: "directory" });
          }
          for (const o of page.Contents ?? []) {
            if (o.Key && o.Key !== prefix)
              result.push({ path: `s3://${w.bucket}/${o.Key}`, type: "file", size: o.Size ?? 0 });
          }
          token = page.IsTruncated ? page.NextContinuationToken : undefined;
        } while (token !== undefined);
        return result.sort((a, b) => (a.path < b.path ? -1 : 1));
      }),

    read: (path) =>
      guard("cannot read", path, async () => {
        const w = where(path);
        if (w.kind === "file") return new Uint8Array(await readFile(w.path));
        const { GetObjectCommand } = await loadS3();
        const got = await (await client()).send(new GetObjectCommand({ Bucket: w.bucket, Key: w.key }));
        return (await got.Body?.transformToByteArray()) ?? new Uint8Array();
      }),

    readText(path) {
      return this.read(path).then((bytes) => Buffer.from(bytes).toString("utf8"));
    },

    write: (path, data) =>
      guard("cannot write", path, async () => {
        const w = where(path);
        if (w.kind === "file") {
          await mkdir(dirname(w.path), { recursive: true });
          const temp = `${w.path}.${randomBytes(4).toString("hex")}.glacier-tmp`;
          try {
            await writeFile(temp, data);
            await rename(temp, w.path);
          } catch (error) {
            await rm(temp, { force: true });
            throw error;
          }
          return;
        }
        const { PutObjectCommand } = await loadS3();
        const body = typeof data === "string" ? Buffer.from(data) : data;
        await (
          await client()
        ).send(
          new PutObjectCommand({ Bucket: w.bucket, Key: w.key, Body: body, ContentLength: body.byteLength }),
        );
      }),

    rm: (path, options = {}) =>
      guard("cannot remove", path, async () => {
        const w = where(path);
        if (w.kind === "file") {
          await rm(w.path, { recursive: options.recursive ?? false, force: true });
          return;
        }
        const c = await client();
        if (!options.recursive) {
          await deleteObjects(c, w.bucket, [w.key]);
          return;
        }
        const prefix = w.key === "" || w.key.endsWith("/") ? w.key : `${w.key}/`;
        const keys = (await listObjects(c, w.bucket, prefix)).map((o) => o.key);
        if (w.key !== "" && !w.key.endsWith("/")) keys.push(w.key);
        if (keys.length > 0) await deleteObjects(c, w.bucket, keys);
      }),

    cp: (from, to) =>
      guard("cannot copy", `${from} → ${to}`, async () => {
        const a = where(from);
        const b = where(to);
        if (a.kind === "file" && b.kind === "file") {
          await mkdir(dirname(b.path), { recursive: true });
          await copyFile(a.path, b.path);
          return;
        }
        const s3 = await loadS3();
        const c = await client();
        if (a.kind === "s3" && b.kind === "s3") {
          const head = await headObject(c, a.bucket, a.key);
          if (!head) throw Object.assign(new Error(`${from} does not exist`), { name: "NotFound" });
          await copyObject(
            c,
            { bucket: a.bucket, key: a.key, size: head.size },
            { bucket: b.bucket, key: b.key },
          );
          return;
        }
        if (a.kind === "file" && b.kind === "s3") {
          const size = (await stat(a.path)).size;
          await c.send(
            new s3.PutObjectCommand({
              Bucket: b.bucket,
              Key: b.key,
              Body: createReadStream(a.path),
              ContentLength: size,
            }),
          );
          return;
        }
        if (a.kind === "s3" && b.kind === "file") {
          const got = await c.send(new s3.GetObjectCommand({ Bucket: a.bucket, Key: a.key }));
          await mkdir(dirname(b.path), { recursive: true });
          await pipeline(got.Body as Readable, createWriteStream(b.path));
        }
      }),

    mkdir: (path) =>
      guard("cannot create", path, async () => {
        const w = where(path);
        if (w.kind === "file") await mkdir(w.path, { recursive: true });
      }),
  };
}
