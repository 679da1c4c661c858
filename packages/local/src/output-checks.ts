import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { GlacierError, type StepNode } from "@glacier/core";
import {
  MANIFEST_NAME,
  notOwned,
  notOwnedError,
  readManifest,
  writeManifest,
  type DatasetDir,
} from "./output-manifest.js";
import { readJson, type StepState } from "@glacier/engine";
import type { RunContext } from "./run-context.js";
import { s3Client } from "./s3-client.js";
import { effectiveS3 } from "./storage.js";

/** Why a directory cannot be written, in words, from the error `access(W_OK)` gave. */
function whyNotWritable(error: unknown): string {
  switch ((error as { code?: string }).code) {
    case "EROFS":
      return "it is on a read-only file system";
    case "EACCES":
      return "permission denied";
    case "EPERM":
      return "the operation is not permitted (an immutable or protected directory)";
    default:
      return (error as Error).message;
  }
}

/**
 * The first existing directory at or above `dir` and what stands in the way of writing there: null when it is
 * a writable directory, else the problem and the path that has it (a file where a directory must be, or a
 * directory that cannot be written).
 */
export async function writeProblem(
  dir: string,
): Promise<{ readonly path: string; readonly problem: string } | null> {
  for (let current = dir; ; current = dirname(current)) {
    const found = await stat(current).catch((error: { code?: string }) => {
      if (error.code === "ENOENT" || error.code === "ENOTDIR") return null;
      throw error;
    });
    if (found) {
      if (!found.isDirectory()) return { path: current, problem: "is a file, not a directory" };
      try {
        await access(current, constants.W_OK);
        return null;
      } catch (error) {
        return { path: current, problem: `is not writable: ${whyNotWritable(error)}` };
      }
    }
    if (dirname(current) === current) return null;
  }
}

/**
 * The project's `.glacier` directory (run records, step states, locks, caches) and the directories in it can be
 * written: a run that could not record itself must not start.
 */
export async function checkProjectStore(root: string): Promise<void> {
  for (const dir of [root, ...["runs", "locks", "state", "cache", "cache/files"].map((d) => join(root, d))]) {
    const blocked = await writeProblem(dir);
    if (blocked) {
      throw new GlacierError(
        "STORAGE_ERROR",
        `the run cannot record itself in ${root}: ${blocked.path} ${blocked.problem}. Nothing was run or written.`,
        {
          subject: { kind: "file", name: root },
          hint: `Make ${blocked.path} a writable directory (e.g. chmod -R u+w ${root}), or run glacier from a project directory you can write.`,
        },
      );
    }
  }
}

/** Every step's output can be written, and no directory dataset holds files its step did not write. */
export async function checkOutputs(ctx: RunContext): Promise<void> {
  for (const step of ctx.graph.steps) {
    await checkWritable(ctx, step);
    if (step.output.dataset) await checkOwnership(ctx, step);
  }
}

async function checkWritable(ctx: RunContext, step: StepNode): Promise<void> {
  const location = ctx.location(step.output);
  if (location.kind !== "file") return;
  const path = location.path.replace(/\/$/, "");
  const found = await stat(path).catch(() => null);
  const wrongKind = found && (step.output.dataset ? !found.isDirectory() : found.isDirectory());
  const blocked = wrongKind
    ? { path, problem: step.output.dataset ? "is a file, not a directory" : "is a directory, not a file" }
    : await writeProblem(step.output.dataset ? path : dirname(path));
  if (!blocked) return;
  throw new GlacierError(
    "STORAGE_ERROR",
    `step "${step.name}" cannot write ${location.path}: ${blocked.path} ${blocked.problem}. Nothing was run or written.`,
    {
      subject: { kind: "bucket", name: step.output.id },
      hint: blocked.problem.startsWith("is a")
        ? `Move ${blocked.path} out of the way, or change the bucket's path.`
        : `Make ${blocked.path} writable, or point the bucket (or --local-storage) at a writable place.`,
    },
  );
}

/**
 * A directory dataset's directory holds only files its step wrote (its `_glacier_manifest.json` lists them). A
 * directory Glacier wrote before it kept manifests is recognised by the step's recorded output fingerprint and
 * adopted (its manifest written, unless planning); anything else is OUTPUT_NOT_OWNED.
 */
async function checkOwnership(ctx: RunContext, step: StepNode): Promise<void> {
  const bucket = step.output;
  const location = ctx.location(bucket);
  const place: DatasetDir =
    location.kind === "file"
      ? { kind: "file", dir: location.path }
      : {
          kind: "s3",
          client: await s3Client(
            effectiveS3(ctx.storage, bucket.provider.cloud === "aws" ? bucket.provider.region : undefined),
          ),
          bucket: location.bucket,
          prefix: location.key,
        };
  const listing = await ctx.listing(bucket);
  const present = listing.files.map((f) => f.relative).filter((f) => f !== MANIFEST_NAME);
  const manifest = await readManifest(place);
  const foreign = notOwned(present, manifest);
  if (foreign.length === 0) return;
  if (!manifest) {
    const state = await readJson<StepState>(ctx.store.statePath("local", step.id));
    if (state?.outputFingerprint && (await ctx.content(bucket)).fingerprint === state.outputFingerprint) {
      if (!ctx.readOnly) {
        await writeManifest(place, {
          glacier: 1,
          output: bucket.id,
          step: step.name,
          runId: state.runId,
          files: present,
        });
      }
      return;
    }
  }
  throw notOwnedError(place, bucket.id, step.name, foreign);
}
