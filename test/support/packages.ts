import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { npm, runNode, succeeded, userEnv } from "./processes.js";

/** The repository root. */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

export interface Manifest {
  readonly name: string;
  readonly version: string;
  readonly private?: boolean;
  readonly workspaces?: readonly string[];
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly devDependencies?: Readonly<Record<string, string>>;
  readonly peerDependencies?: Readonly<Record<string, string>>;
  readonly exports?: Readonly<Record<string, unknown>> | string;
}

/** A workspace package that is published (not `private`). */
export interface Publishable {
  readonly name: string;
  /** Its directory, relative to the repository root. */
  readonly dir: string;
  readonly manifest: Manifest;
}

export const readManifest = (dir: string): Manifest =>
  JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest;

/** Every workspace package not marked private, from the root's `workspaces` globs (`dir/*` forms). */
export function publishablePackages(): Publishable[] {
  const found: Publishable[] = [];
  for (const pattern of readManifest(REPO).workspaces ?? []) {
    if (!pattern.endsWith("/*")) throw new Error(`unsupported workspaces pattern ${pattern}`);
    const parent = pattern.slice(0, -2);
    for (const entry of readdirSync(join(REPO, parent), { withFileTypes: true })) {
      const dir = `${parent}/${entry.name}`;
      if (!entry.isDirectory() || !existsSync(join(REPO, dir, "package.json"))) continue;
      const manifest = readManifest(join(REPO, dir));
      if (manifest.private !== true) found.push({ name: manifest.name, dir, manifest });
    }
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

/** The import specifiers of a package's public entry points: its name plus each subpath of `exports`. */
export function entryPoints(pkg: Publishable): string[] {
  const exports = pkg.manifest.exports;
  if (exports === undefined || typeof exports === "string") return [pkg.name];
  const subpaths = Object.keys(exports).filter((key) => key.startsWith("."));
  return (subpaths.length === 0 ? ["."] : subpaths).map((key) => `${pkg.name}${key.slice(1)}`);
}

function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

const stale = (packages: readonly Publishable[]): Publishable[] =>
  packages.filter((pkg) => {
    const dist = join(REPO, pkg.dir, "dist/index.js");
    return !existsSync(dist) || newest(join(REPO, pkg.dir, "src")) > statSync(dist).mtimeMs;
  });

/**
 * Builds the packages (turbo, cached) when a `dist` is missing or older than its sources, so the tarballs
 * hold the current code. Shares its lock with the CLI tests' build, so two test files never run turbo at once.
 */
export async function ensureBuilt(packages: readonly Publishable[]): Promise<void> {
  if (stale(packages).length === 0) return;
  const lock = join(tmpdir(), "glacier-cli-test-build.lock");
  const { withLock } = (await import("../../scripts/packed-packages.mjs")) as {
    withLock<T>(lock: string, work: () => Promise<T>): Promise<T>;
  };
  await withLock(lock, async () => {
    if (stale(packages).length === 0) return;
    const turbo = join(REPO, "node_modules/turbo/bin/turbo");
    const filters = packages.map((pkg) => `--filter=${pkg.name}`);
    succeeded(
      await runNode(turbo, ["run", "build", ...filters, "--output-logs=errors-only"], {
        cwd: REPO,
        env: { ...userEnv(), TURBO_TELEMETRY_DISABLED: "1" },
        timeoutMs: 300_000,
        display: "turbo run build",
      }),
    );
  });
}

/**
 * The packages' tarballs, built first when stale, packed once per built tree and shared with `npm run lint`
 * and the other test files that install them (see `scripts/packed-packages.mjs`).
 */
export async function sharedTarballs(packages: readonly Publishable[]): Promise<Map<string, string>> {
  await ensureBuilt(packages);
  const { packedPackages } = (await import("../../scripts/packed-packages.mjs")) as {
    packedPackages(
      packages: readonly { name: string; dir: string; pkg: Manifest }[],
    ): Promise<Map<string, string>>;
  };
  return packedPackages(packages.map((p) => ({ name: p.name, dir: join(REPO, p.dir), pkg: p.manifest })));
}

/** `npm pack`s the packages into `dest`; returns each package's tarball path by name. */
export async function packPackages(
  packages: readonly Publishable[],
  dest: string,
): Promise<Map<string, string>> {
  const workspaces = packages.flatMap((pkg) => ["--workspace", pkg.name]);
  const packed = succeeded(
    await npm(["pack", ...workspaces, "--pack-destination", dest, "--json"], { cwd: REPO }),
  );
  const entries = JSON.parse(packed.stdout) as { name: string; filename: string }[];
  return new Map(entries.map((entry) => [entry.name, join(dest, entry.filename)]));
}

const numeric = (version: string): number[] => version.split(".").map(Number);

function compareVersions(a: string, b: string): number {
  const [x, y] = [numeric(a), numeric(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The oldest published release of `name` that `range` admits (asks the registry through npm). */
export async function oldestAdmitted(name: string, range: string): Promise<string> {
  const view = succeeded(
    await npm(["view", `${name}@${range}`, "version", "--json", "--prefer-offline"], { cwd: tmpdir() }),
  );
  const parsed = JSON.parse(view.stdout) as string | string[];
  const releases = (Array.isArray(parsed) ? parsed : [parsed]).filter((v) => /^\d+\.\d+\.\d+$/.test(v));
  const [oldest] = releases.sort(compareVersions);
  if (oldest === undefined) throw new Error(`no release of ${name} satisfies ${range}`);
  return oldest;
}
