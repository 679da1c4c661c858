import { execFile, spawn } from "node:child_process";
import { access, mkdir, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { GlacierError, isBucket, LineageGraph, type Bucket } from "@glacier/core";
import { analyzeGraph, type GraphAnalysis } from "./graph-analysis.js";
import type { AnalyzeGraphOptions } from "./analyze-graph.js";

const run = promisify(execFile);

/** Options of {@link analyzeAtRef}. */
export interface AnalyzeAtRefOptions {
  /** The git work tree (its root). */
  readonly repoDir: string;
  /** A commit, branch or tag. */
  readonly ref: string;
  /** The pipeline module, relative to the repository root. */
  readonly entry: string;
  /** Loads an entry module into a graph; default: `import()` it and take every exported Bucket. */
  readonly loadGraph?: (entryPath: string) => Promise<LineageGraph>;
  /** Analysis options (offline, prices, localStorage …). */
  readonly analyze?: AnalyzeGraphOptions;
}

function refError(ref: string, message: string, cause?: unknown): GlacierError {
  return new GlacierError("INVALID_OPTION", message, {
    subject: { kind: "option", name: "--compare" },
    hint: `Pass a commit, branch or tag that exists in this repository (git rev-parse ${ref}).`,
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * Writes the tree of `ref` to `<repoDir>/.glacier/compare/<ref>/` (`git archive | tar -x`), replacing an
 * earlier export. Inside the repository, so the exported module resolves the project's `node_modules`.
 *
 * @example
 * ```ts
 * await exportTreeAtRef("/work/project", "main"); // "/work/project/.glacier/compare/main"
 * ```
 */
export async function exportTreeAtRef(repoDir: string, ref: string): Promise<string> {
  let commit: string;
  try {
    commit = (
      await run("git", ["-C", repoDir, "rev-parse", "--verify", "--quiet", `${ref}^{commit}`])
    ).stdout.trim();
  } catch (error) {
    throw refError(ref, `"${ref}" is not a commit in ${repoDir}.`, error);
  }
  const dir = join(resolve(repoDir), ".glacier", "compare", ref.replace(/[^\w.-]/g, "_"));
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await new Promise<void>((done, fail) => {
    const archive = spawn("git", ["-C", repoDir, "archive", "--format=tar", commit], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const tar = spawn("tar", ["-x", "-C", dir], { stdio: ["pipe", "ignore", "pipe"] });
    archive.stdout.pipe(tar.stdin);
    let errors = "";
    archive.stderr.on("data", (chunk: Buffer) => (errors += chunk.toString()));
    tar.stderr.on("data", (chunk: Buffer) => (errors += chunk.toString()));
    let pending = 2;
    const exited = (code: number | null) => {
      if (code !== 0) fail(refError(ref, `exporting "${ref}" failed: ${errors.trim() || `exit ${code}`}.`));
      else if (--pending === 0) done();
    };
    archive.on("close", exited);
    tar.on("close", exited);
    archive.on("error", fail);
    tar.on("error", fail);
  });
  return dir;
}

async function importGraph(entryPath: string): Promise<LineageGraph> {
  const module = (await import(pathToFileURL(entryPath).href)) as Record<string, unknown>;
  const buckets = Object.entries(module).filter((entry): entry is [string, Bucket] => isBucket(entry[1]));
  return LineageGraph.from(Object.fromEntries(buckets));
}

/**
 * Analyses the pipeline as it was at a git ref, for `glacier analyze --compare <ref>`: exports the tree
 * (see {@link exportTreeAtRef}), loads the entry from it and analyses it with the same options.
 *
 * @example
 * ```ts
 * const before = await analyzeAtRef({ repoDir: ".", ref: "main", entry: "pipelines/sales.ts" });
 * renderComparison(compareAnalyses(before, await analyzeGraph(graph)));
 * ```
 */
export async function analyzeAtRef(options: AnalyzeAtRefOptions): Promise<GraphAnalysis> {
  const dir = await exportTreeAtRef(options.repoDir, options.ref);
  const entryPath = join(dir, options.entry);
  try {
    await access(entryPath);
  } catch {
    throw new GlacierError("ENTRY_NOT_FOUND", `${options.entry} does not exist at ${options.ref}.`, {
      subject: { kind: "file", name: options.entry },
      hint: "Compare with a ref where the entry exists, or pass the entry's path at that ref.",
    });
  }
  const graph = await (options.loadGraph ?? importGraph)(entryPath);
  return analyzeGraph(graph, options.analyze ?? {});
}
