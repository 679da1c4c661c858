// The publishable packages, `npm pack`ed once per built tree and kept under test/.output/packed-<key>/, so the
// lint step (publint, attw) and the tests that install them (the packed-install and glacier init tests) pack
// them once between them, not three times: packing all of them takes ~15 s. The key is each package's name,
// version and the newest file of its dist and package.json: a rebuild or a version bump packs again, and
// older packs are removed then. A lock directory keeps two processes (vitest workers) from packing at once.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const OUTPUT = join(ROOT, "test/.output");

/** Non-private workspace packages, from the root's `workspaces` globs (`dir/*` forms), sorted by name. */
export function publishable() {
  const root = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  const found = [];
  for (const pattern of root.workspaces ?? []) {
    if (!pattern.endsWith("/*")) throw new Error(`unsupported workspaces pattern ${pattern}`);
    const parent = join(ROOT, pattern.slice(0, -2));
    for (const entry of readdirSync(parent, { withFileTypes: true })) {
      const manifest = join(parent, entry.name, "package.json");
      if (!entry.isDirectory() || !existsSync(manifest)) continue;
      const pkg = JSON.parse(readFileSync(manifest, "utf8"));
      if (pkg.private !== true) found.push({ name: pkg.name, dir: join(parent, entry.name), pkg });
    }
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

/** Whether process `pid` is alive (signal 0 probes without sending anything). */
function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === "EPERM";
  }
}

/**
 * Runs `work` holding a directory lock (mkdir is atomic); the build and the packing share it across processes.
 * The lock names its holder (`pid` inside): a lock whose holder is gone (a test run killed while packing) is
 * taken over at once, not after waiting for it to go stale.
 */
export async function withLock(lock, work) {
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, "pid"), String(process.pid));
      break;
    } catch {
      let holder;
      try {
        holder = Number(readFileSync(join(lock, "pid"), "utf8"));
      } catch {
        // Being created this instant, or left by an older version without a pid: judged by its age.
      }
      const stale =
        (holder > 0 && !alive(holder)) || (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 180_000);
      if (stale) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
      if (!stale) await sleep(500);
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** `npm …` on the running Node (npm's own script when npm started us), collecting stdout. */
function npm(args) {
  const script = process.env.npm_execpath?.endsWith("npm-cli.js") ? process.env.npm_execpath : undefined;
  const [command, prefix] = script ? [process.execPath, [script]] : ["npm", []];
  return new Promise((done, fail) => {
    const child = spawn(command, [...prefix, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", fail);
    child.on("close", (code) =>
      code === 0 ? done(stdout) : fail(new Error(`npm ${args.join(" ")} failed:\n${stdout}\n${stderr}`)),
    );
  });
}

/**
 * The tarball of every publishable package, by name: packed now, or reused from an earlier pack of the same
 * built tree. The packages must be built (their dist is part of the key and of the tarball).
 */
export async function packedPackages(packages = publishable()) {
  const stamp = packages
    .map(
      (p) =>
        `${p.name}@${p.pkg.version}:${newest(join(p.dir, "dist"))}:${statSync(join(p.dir, "package.json")).mtimeMs}`,
    )
    .join("\n");
  const key = createHash("sha256").update(stamp).digest("hex").slice(0, 12);
  const dir = join(OUTPUT, `packed-${key}`);
  const index = join(dir, "tarballs.json");
  mkdirSync(OUTPUT, { recursive: true });
  return withLock(join(OUTPUT, "packed.lock"), async () => {
    if (!existsSync(index)) {
      for (const old of readdirSync(OUTPUT).filter((name) => name.startsWith("packed-")))
        rmSync(join(OUTPUT, old), { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      const workspaces = packages.flatMap((p) => ["--workspace", p.name]);
      const packed = JSON.parse(await npm(["pack", ...workspaces, "--pack-destination", dir, "--json"]));
      writeFileSync(
        index,
        JSON.stringify(Object.fromEntries(packed.map((e) => [e.name, join(dir, e.filename)])), null, 2),
      );
    }
    return new Map(Object.entries(JSON.parse(readFileSync(index, "utf8"))));
  });
}
