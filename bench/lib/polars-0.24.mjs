/**
 * The previous nodejs-polars (0.24.1), kept beside the current one for the `floor-polars-0.24` variant, so the
 * upgrade is measured within one run on one machine. It lives in bench/.polars-0.24/ (gitignored), installed by
 * the harness when that variant is selected — never in the workspace's node_modules, and never loaded in the
 * same process as the current nodejs-polars (two copies in one process crash).
 *
 * ESM `import` cannot be pointed at another node_modules (it ignores NODE_PATH), so the variant loads it with
 * `createRequire` rooted in that directory.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { BENCH_DIR } from "./dataset.mjs";

export const LEGACY_POLARS_VERSION = "0.24.1";
export const LEGACY_POLARS_DIR = join(BENCH_DIR, ".polars-0.24");

const packageJson = join(LEGACY_POLARS_DIR, "node_modules", "nodejs-polars", "package.json");

function installedVersion() {
  return existsSync(packageJson) ? JSON.parse(readFileSync(packageJson, "utf8")).version : null;
}

/** Loads nodejs-polars 0.24.1 from bench/.polars-0.24/: its `module.exports`, what `import pl from` gives. */
export function loadLegacyPolars() {
  const version = installedVersion();
  if (version !== LEGACY_POLARS_VERSION) {
    throw new Error(
      `nodejs-polars ${LEGACY_POLARS_VERSION} is not installed in ${LEGACY_POLARS_DIR} (found ${version}); ` +
        "run the benchmark with --variants …,floor-polars-0.24, which installs it",
    );
  }
  // Resolved from bench/.polars-0.24/, so require finds its own node_modules and never the workspace's copy.
  const pl = createRequire(join(LEGACY_POLARS_DIR, "index.js"))("nodejs-polars");
  return { pl, version };
}

/**
 * Installs nodejs-polars 0.24.1 into bench/.polars-0.24/ unless it is there, then loads it once in a child
 * process, so a missing native binary fails here and not in the middle of a measured round.
 */
export function ensureLegacyPolars() {
  if (installedVersion() !== LEGACY_POLARS_VERSION) {
    console.log(`installing nodejs-polars@${LEGACY_POLARS_VERSION} into ${LEGACY_POLARS_DIR}`);
    const npm = spawnSync(
      "npm",
      [
        "install",
        "--prefix",
        LEGACY_POLARS_DIR,
        `nodejs-polars@${LEGACY_POLARS_VERSION}`,
        "--no-save",
        "--no-audit",
        "--no-fund",
      ],
      { stdio: "inherit" },
    );
    if (npm.status !== 0) throw new Error(`npm install nodejs-polars@${LEGACY_POLARS_VERSION} failed`);
  }
  const probe = spawnSync(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `import { loadLegacyPolars } from ${JSON.stringify(import.meta.url)};
       const { pl, version } = loadLegacyPolars();
       console.log(version, pl.DataFrame({ a: [1, 2] }).height);`,
    ],
    { encoding: "utf8" },
  );
  if (probe.status !== 0 || probe.stdout.trim() !== `${LEGACY_POLARS_VERSION} 2`) {
    throw new Error(
      `nodejs-polars ${LEGACY_POLARS_VERSION} in ${LEGACY_POLARS_DIR} does not load:\n${probe.stderr}`,
    );
  }
}
