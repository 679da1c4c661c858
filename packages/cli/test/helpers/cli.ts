import { createRequire } from "node:module";
import { spawn, spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root, and the real `glacier` binary the tests spawn. */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");
export const BIN = join(REPO, "packages/cli/bin/glacier.js");
export const EXAMPLES = ["simple", "complete", "multi-source"] as const;
export const example = (name: string): string => join(REPO, "examples", name, "pipeline.ts");

/** The packages the binary runs from (its dist and its dependencies' dist). */
const BUILT = ["packages/core", "packages/engine", "packages/local", "packages/aws-model", "packages/cli"];

function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

function stale(): boolean {
  return BUILT.some((pkg) => {
    const dist = join(REPO, pkg, "dist/index.js");
    return !existsSync(dist) || newest(join(REPO, pkg, "src")) > statSync(dist).mtimeMs;
  });
}

/**
 * Makes sure the binary's dist is current: builds with turbo when a source is newer than its dist. Test files
 * run in parallel workers, so a lock directory lets one build while the others wait.
 */
export function ensureBuilt(): void {
  if (!stale()) return;
  const lock = join(tmpdir(), "glacier-cli-test-build.lock");
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock left by a killed run is stale after three minutes.
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 180_000)
        rmSync(lock, { recursive: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
      spawnSync("sleep", ["0.5"]);
    }
  }
  try {
    if (!stale()) return;
    const build = spawnSync(
      "npx",
      ["turbo", "run", "build", "--filter=@glacier/cli...", "--output-logs=errors-only"],
      {
        cwd: REPO,
        encoding: "utf8",
        env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" },
      },
    );
    if (build.status !== 0) throw new Error(`building the CLI failed:\n${build.stdout}\n${build.stderr}`);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Spawns `node packages/cli/bin/glacier.js …` (or another installation's `bin`) without colours and collects
 * its output and exit code.
 */
export function glacier(
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string>; bin?: string } = {},
) {
  return new Promise<CliResult>((done, fail) => {
    const child = spawn(process.execPath, [options.bin ?? BIN, ...args], {
      cwd: options.cwd ?? REPO,
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: undefined, ...options.env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}

/**
 * A throwaway project under the OS temp dir whose modules resolve `@glacier/core` (its node_modules links to
 * the repository's). Files are written as given; `remove()` deletes it all.
 */
export function tempProject(files: Readonly<Record<string, string>>, options: { module?: boolean } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "glacier-cli-"));
  symlinkSync(join(REPO, "node_modules"), join(dir, "node_modules"), "dir");
  const all = options.module === false ? files : { "package.json": '{ "type": "module" }\n', ...files };
  for (const [name, text] of Object.entries(all)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Replaces machine-specific paths in output so snapshots hold anywhere. */
export function normalise(text: string, dirs: Readonly<Record<string, string>> = {}): string {
  let out = text;
  for (const [name, dir] of Object.entries(dirs)) out = out.replaceAll(dir, `<${name}>`);
  return out.replaceAll(REPO, "<repo>");
}

/**
 * An installation of `@glacier/cli` with `@glacier/core`, `@glacier/engine` (run records) and the CLI's own
 * dependencies but **no interpreter package**, as a user gets who installs only the CLI: cli, core and engine
 * are copied (a symlink would resolve back
 * into this repository, where the interpreters are), the third-party dependencies linked.
 */
export function installWithoutInterpreters(files: Readonly<Record<string, string>>) {
  const dir = mkdtempSync(join(tmpdir(), "glacier-install-"));
  const modules = join(dir, "node_modules");
  for (const [pkg, parts] of [
    ["packages/cli", ["package.json", "bin", "dist"]],
    ["packages/core", ["package.json", "dist"]],
    ["packages/engine", ["package.json", "dist"]],
    // Not an interpreter: the AWS model `validate` reads for its Spark SQL warnings.
    ["packages/aws-model", ["package.json", "dist"]],
  ] as const) {
    const target = join(modules, "@glacier", pkg.split("/")[1] as string);
    for (const part of parts) cpSync(join(REPO, pkg, part), join(target, part), { recursive: true });
  }
  // The third-party dependencies of those packages, wherever npm placed them for each.
  for (const pkg of ["packages/cli", "packages/core", "packages/engine", "packages/aws-model"]) {
    const manifest = JSON.parse(readFileSync(join(REPO, pkg, "package.json"), "utf8")) as {
      dependencies?: Record<string, string>;
    };
    const from = createRequire(join(REPO, pkg, "package.json"));
    for (const name of Object.keys(manifest.dependencies ?? {}).filter((n) => !n.startsWith("@glacier/"))) {
      const link = join(modules, name);
      if (existsSync(link)) continue;
      const source = (from.resolve.paths(name) ?? []).map((p) => join(p, name)).find((p) => existsSync(p));
      if (source === undefined) throw new Error(`${name} is not installed for ${pkg}`);
      mkdirSync(dirname(link), { recursive: true });
      symlinkSync(source, link, "dir");
    }
  }
  for (const [name, text] of Object.entries({ "package.json": '{ "type": "module" }\n', ...files })) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return {
    dir,
    bin: join(modules, "@glacier/cli/bin/glacier.js"),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
