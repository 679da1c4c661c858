import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { REPO } from "./packages.js";
import { type Finished, npm, npx, runNode, succeeded } from "./processes.js";

/** The files a user writes by hand: the pipeline, a sample-data writer, a Parquet reader, tsconfig. */
export const FIXTURE = join(REPO, "test/fixtures/user-project");

/**
 * The TypeScript and Node types a user's project brings. TypeScript 7 (the native compiler) is what
 * `npm install typescript` gives today; the major is pinned so a future major cannot fail this test.
 */
export const USER_DEV_DEPENDENCIES = { typescript: "^7.0.0", "@types/node": "^24.0.0" };

export interface UserProject {
  readonly dir: string;
  /** The nodejs-polars version the project asked for (exact). */
  readonly polars: string;
  readonly install: Finished;
  /** `npx --no -- <args…>` in the project, as its user would type it (`npx <args…>`). */
  npx(args: readonly string[]): Promise<Finished>;
  /** `npm <args…>` in the project. */
  npm(args: readonly string[]): Promise<Finished>;
  /** `node <script> <args…>` in the project (its own node_modules, its own polars). */
  node(script: string, args: readonly string[]): Promise<Finished>;
  remove(): void;
}

/**
 * A fresh project under the OS temp dir, outside the repository (so nothing resolves back into the
 * workspace): `package.json` ("type": "module") naming the packed tarballs, the user's own nodejs-polars and
 * TypeScript, installed with plain `npm install` and the machine's shared npm cache; then the fixture files
 * and sample data written with the project's polars.
 */
export async function createUserProject(options: {
  readonly label: string;
  readonly polars: string;
  readonly tarballs: ReadonlyMap<string, string>;
  /** Import specifiers of every public entry point, written to `entries.ts` for tsc to check. */
  readonly entryPoints: readonly string[];
}): Promise<UserProject> {
  const dir = mkdtempSync(join(tmpdir(), `glacier-user-${options.label}-`));
  const run = { cwd: dir, timeoutMs: 240_000 };
  const dependencies = Object.fromEntries([
    ...[...options.tarballs].map(([name, tarball]) => [name, `file:${tarball}`]),
    ["nodejs-polars", options.polars],
  ]);
  const manifest = {
    name: "glacier-user-project",
    version: "1.0.0",
    private: true,
    type: "module",
    dependencies,
    devDependencies: USER_DEV_DEPENDENCIES,
  };
  writeFileSync(join(dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  cpSync(FIXTURE, dir, { recursive: true });
  writeFileSync(join(dir, "entries.ts"), entriesModule(options.entryPoints));
  const project: UserProject = {
    dir,
    polars: options.polars,
    install: await npm(["install", "--no-audit", "--no-fund", "--prefer-offline"], run),
    npx: (args) => npx(args, run),
    npm: (args) => npm(args, run),
    node: (script, args) => runNode(script, args, { ...run, display: ["node", script, ...args].join(" ") }),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
  try {
    succeeded(project.install);
    succeeded(await project.node("write-sample-data.mjs", ["data"]));
  } catch (error) {
    project.remove();
    throw error;
  }
  return project;
}

/**
 * A module re-exporting the types of every entry point, so tsc checks their declarations as a user's project
 * sees them (the fixture's tsconfig includes it, skipLibCheck off).
 */
function entriesModule(specifiers: readonly string[]): string {
  const lines = specifiers.map(
    (specifier, i) => `export type * as entry${i} from ${JSON.stringify(specifier)};`,
  );
  return `${lines.join("\n")}\n`;
}

/** Where a package named `name` is installed under `dir`'s node_modules, nested copies included. */
export function installedCopies(dir: string, name: string): { path: string; version: string }[] {
  const found: { path: string; version: string }[] = [];
  const visit = (modules: string): void => {
    if (!existsSync(modules)) return;
    for (const entry of readdirSync(modules, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
      const names = entry.name.startsWith("@")
        ? readdirSync(join(modules, entry.name)).map((inner) => `${entry.name}/${inner}`)
        : [entry.name];
      for (const pkg of names) {
        const path = join(modules, pkg);
        const manifest = join(path, "package.json");
        if (pkg === name && existsSync(manifest)) {
          const { version } = JSON.parse(readFileSync(manifest, "utf8")) as { version: string };
          found.push({ path: relative(dir, path), version });
        }
        visit(join(path, "node_modules"));
      }
    }
  };
  visit(join(dir, "node_modules"));
  return found;
}

/**
 * A project made by `glacier init` under the OS temp dir (outside the repository), its `@glacier/*` dependencies
 * pointed at the packed tarballs — every one of them, so the CLI's own `@glacier` dependencies install from
 * tarballs too, never from the registry — then installed with plain `npm install`, as its user would.
 */
export async function createScaffoldProject(options: {
  /** Runs `glacier init <dir>`; returns its result. */
  readonly init: (dir: string) => Promise<Finished>;
  readonly tarballs: ReadonlyMap<string, string>;
}): Promise<UserProject & { readonly init: Finished }> {
  const parent = mkdtempSync(join(tmpdir(), "glacier-init-project-"));
  const dir = join(parent, "shop");
  const run = { cwd: dir, timeoutMs: 240_000 };
  const remove = () => rmSync(parent, { recursive: true, force: true });
  try {
    const init = succeeded(await options.init(dir));
    const manifestPath = join(dir, "package.json");
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as {
      dependencies: Record<string, string>;
    };
    for (const [name, tarball] of options.tarballs) manifest.dependencies[name] = `file:${tarball}`;
    writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
    const install = succeeded(await npm(["install", "--no-audit", "--no-fund", "--prefer-offline"], run));
    const polars = (
      JSON.parse(readFileSync(join(dir, "node_modules/nodejs-polars/package.json"), "utf8")) as {
        version: string;
      }
    ).version;
    return {
      dir,
      polars,
      install,
      init,
      npx: (args) => npx(args, run),
      npm: (args) => npm(args, run),
      node: (script, args) => runNode(script, args, { ...run, display: ["node", script, ...args].join(" ") }),
      remove,
    };
  } catch (error) {
    remove();
    throw error;
  }
}
