import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { copyFile, mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { GlacierError } from "@glacier/core";
import type { OutputFile } from "./package/package-assets.js";

/**
 * Writes the generated files. Unchanged files are left untouched (their bytes compared first), files a
 * previous generation wrote and this one does not are removed (the manifest lists them), and nothing else in
 * the directory — Terraform's state, `.terraform/`, the user's own `*.tf` — is touched.
 */

/** The manifest's name; it lists every file of a generation. */
export const MANIFEST = "glacier-manifest.json";

async function sameBytes(path: string, data: Uint8Array): Promise<boolean> {
  try {
    const existing = await readFile(path);
    return existing.equals(data);
  } catch {
    return false;
  }
}

async function fileHash(path: string): Promise<string | null> {
  try {
    const hash = createHash("sha256");
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
    return hash.digest("hex");
  } catch {
    return null;
  }
}

async function sameFile(target: string, source: string): Promise<boolean> {
  try {
    if ((await stat(target)).size !== (await stat(source)).size) return false;
  } catch {
    return false;
  }
  return (await fileHash(target)) === (await fileHash(source));
}

async function previousFiles(outputDir: string): Promise<readonly string[]> {
  try {
    const manifest = JSON.parse(await readFile(join(outputDir, MANIFEST), "utf8")) as { files?: unknown };
    return Array.isArray(manifest.files)
      ? manifest.files.filter((f): f is string => typeof f === "string")
      : [];
  } catch {
    return [];
  }
}

function inside(outputDir: string, path: string): string {
  const full = resolve(outputDir, path);
  if (relative(resolve(outputDir), full).startsWith("..")) {
    throw new GlacierError("GENERATE_FAILED", `refusing to write ${path} outside the output directory.`, {
      subject: { kind: "file", name: path },
    });
  }
  return full;
}

/** What {@link writeOutput} did: every file of the generation, and which of them were already as generated. */
export interface WrittenOutput {
  /** Every file of this generation, relative to the output directory, sorted. */
  readonly files: string[];
  /** The files whose bytes were already there: left untouched. */
  readonly unchanged: string[];
  /** Files an earlier generation wrote and this one does not: removed. */
  readonly removed: string[];
}

/**
 * Writes `files` into `outputDir`; returns their paths (relative, sorted), the ones left as they were, and the
 * ones removed.
 *
 * @example
 * ```ts
 * await writeOutput("terraform", [{ path: "main.tf.json", data: json }, …])
 * // { files: ["README.md", "assets/functions/clean-sales-f7e1d6.zip", "glacier-manifest.json", "main.tf.json", …],
 * //   unchanged: ["README.md", …], removed: [] }
 * ```
 */
export async function writeOutput(outputDir: string, files: readonly OutputFile[]): Promise<WrittenOutput> {
  const stale = new Set(await previousFiles(outputDir));
  const unchanged: string[] = [];
  for (const file of files) {
    stale.delete(file.path);
    const target = inside(outputDir, file.path);
    await mkdir(dirname(target), { recursive: true });
    const temp = `${target}.glacier-tmp`;
    if ("data" in file) {
      const data = typeof file.data === "string" ? Buffer.from(file.data) : Buffer.from(file.data);
      if (await sameBytes(target, data)) {
        unchanged.push(file.path);
        continue;
      }
      await writeFile(temp, data);
    } else {
      if (await sameFile(target, file.copyFrom)) {
        unchanged.push(file.path);
        continue;
      }
      await copyFile(file.copyFrom, temp);
    }
    await rename(temp, target);
  }
  for (const path of stale) await rm(inside(outputDir, path), { force: true });
  return { files: files.map((f) => f.path).sort(), unchanged: unchanged.sort(), removed: [...stale].sort() };
}
