import { spawn } from "node:child_process";
import { existsSync, realpathSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";

/** What a finished child process said. */
export interface Finished {
  readonly command: string;
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The Node running the tests (the project's reference runtime, Node 24); every child runs on it. */
export const NODE = process.execPath;

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir !== "" && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/**
 * npm's own entry scripts (`npm-cli.js`, `npx-cli.js`), so npm and npx run on {@link NODE} rather than on
 * whatever `node` their shebang finds. Under `npm test`, npm says where it is (`npm_execpath`).
 */
function npmScripts(): { npm: string; npx: string } {
  const fromEnv = process.env.npm_execpath;
  const npm =
    fromEnv !== undefined && fromEnv.endsWith("npm-cli.js")
      ? fromEnv
      : realpathSync(onPath("npm") ?? "/usr/bin/npm");
  return { npm, npx: join(dirname(npm), "npx-cli.js") };
}

export const NPM = npmScripts();

/**
 * The environment of a user's shell: {@link NODE}'s directory first on PATH, no colours, and none of what the
 * test runner or an enclosing `npm test` added (npm_* script variables, NODE_OPTIONS, VITEST*), except the npm
 * settings that say where packages come from, so installs share the machine's npm cache and registry.
 */
export function userEnv(): Record<string, string> {
  const keep = new Set([
    "npm_config_cache",
    "npm_config_registry",
    "npm_config_userconfig",
    "npm_config_proxy",
    "npm_config_https_proxy",
    "npm_config_noproxy",
    "npm_config_cafile",
    "npm_config_strict_ssl",
  ]);
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    if (/^npm_/i.test(key) && !keep.has(key.toLowerCase())) continue;
    if (
      /^(VITEST|TINYPOOL)/.test(key) ||
      ["NODE_OPTIONS", "NODE_ENV", "INIT_CWD", "FORCE_COLOR"].includes(key)
    )
      continue;
    env[key] = value;
  }
  env.PATH = [dirname(NODE), env.PATH ?? ""].join(delimiter);
  env.NO_COLOR = "1";
  return env;
}

export interface RunOptions {
  readonly cwd: string;
  readonly env?: Record<string, string>;
  readonly timeoutMs?: number;
  /** How the command is shown in failures (default: the script and its arguments). */
  readonly display?: string;
}

/** Runs `NODE script args…` in `cwd` and collects its output; never rejects on a non-zero exit. */
export function runNode(script: string, args: readonly string[], options: RunOptions): Promise<Finished> {
  const command = options.display ?? [script, ...args].join(" ");
  return new Promise((done, fail) => {
    const child = spawn(NODE, [script, ...args], {
      cwd: options.cwd,
      env: options.env ?? userEnv(),
      stdio: ["ignore", "pipe", "pipe"],
      timeout: options.timeoutMs ?? 120_000,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", fail);
    child.on("close", (code) => done({ command, code, stdout, stderr }));
  });
}

/** `npm args…` on {@link NODE}. */
export const npm = (args: readonly string[], options: RunOptions) =>
  runNode(NPM.npm, args, { display: ["npm", ...args].join(" "), ...options });

/**
 * `npx --no -- args…` on {@link NODE}: runs a bin the project installed, never one fetched from the registry;
 * `--` keeps npm from reading the command's own flags (`-p`, `--offline`) as its options.
 */
export const npx = (args: readonly string[], options: RunOptions) =>
  runNode(NPM.npx, ["--no", "--", ...args], { display: ["npx", ...args].join(" "), ...options });

/** A readable account of a finished command, for assertion messages. */
export function describeRun(run: Finished): string {
  return `$ ${run.command}\nexit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
}

/** Throws with the command's output unless it exited 0. */
export function succeeded(run: Finished): Finished {
  if (run.code !== 0) throw new Error(`command failed:\n${describeRun(run)}`);
  return run;
}
