import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { CONFIG, GITIGNORE, PIPELINE, PIPELINE_TEST, README, SAMPLE_DATA, TSCONFIG } from "./templates.js";

/** One file of the scaffold, relative to the project directory. */
export interface ScaffoldFile {
  readonly path: string;
  readonly text: string;
}

interface CliManifest {
  readonly version: string;
  readonly dependencies: Readonly<Record<string, string>>;
}

function cliManifest(): CliManifest {
  return JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as CliManifest;
}

/**
 * The nodejs-polars the scaffold asks for: the release the repository develops and tests against (0.26.1
 * adds early spill-to-disk), inside every @glacier package's peer range `^0.26.0`.
 */
export const SCAFFOLD_POLARS = "^0.26.1";

/** A package name npm accepts, from a directory name: `My Pipelines` → `my-pipelines`. */
export function packageName(dir: string): string {
  const name = basename(dir)
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[._-]+|[-]+$/g, "");
  return name === "" ? "glacier-pipelines" : name.slice(0, 214);
}

/**
 * The project's package.json: the @glacier packages at this CLI's version (the CLI, core for the DSL, local to
 * run, analyze for cost estimates), the user's own nodejs-polars (one copy per project: Glacier's packages
 * peer-depend on it), and TypeScript 6 (the CLI's own, so npm installs it once), vitest and Node's types.
 * No tsx: Node 22.18+ runs the sample-data script itself, and glacier loads TypeScript on its own.
 */
export function packageJson(dir: string): string {
  const cli = cliManifest();
  const glacier = `^${cli.version}`;
  const manifest = {
    name: packageName(dir),
    version: "0.1.0",
    private: true,
    type: "module",
    engines: { node: ">=22.18" },
    scripts: {
      "sample-data": "node sample-data.ts",
      pipeline: "glacier run",
      validate: "glacier validate",
      typecheck: "tsc",
      test: "vitest run",
    },
    dependencies: {
      "@glacier/analyze": glacier,
      "@glacier/cli": glacier,
      "@glacier/core": glacier,
      "@glacier/local": glacier,
      "nodejs-polars": SCAFFOLD_POLARS,
    },
    devDependencies: {
      "@types/node": "^24.0.0",
      typescript: cli.dependencies["typescript"] ?? "~6.0.3",
      vitest: "^5.1.0",
    },
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/**
 * Every file `glacier init` writes into `dir` (the sample data excepted: the scaffold's own script writes it).
 *
 * @example
 * ```ts
 * scaffoldFiles("/work/shop").map((f) => f.path);
 * // ["package.json", "tsconfig.json", "glacier.config.ts", "pipelines/revenue.ts", "pipelines/revenue.test.ts",
 * //  "sample-data.ts", "README.md", ".gitignore"]
 * ```
 */
export function scaffoldFiles(dir: string): readonly ScaffoldFile[] {
  return [
    { path: "package.json", text: packageJson(dir) },
    { path: "tsconfig.json", text: TSCONFIG },
    { path: "glacier.config.ts", text: CONFIG },
    { path: "pipelines/revenue.ts", text: PIPELINE },
    { path: "pipelines/revenue.test.ts", text: PIPELINE_TEST },
    { path: "sample-data.ts", text: SAMPLE_DATA },
    { path: "README.md", text: README(packageName(dir)) },
    { path: ".gitignore", text: GITIGNORE },
  ];
}

/** Where the scaffold's sample-data script writes the pipeline's source, relative to the project. */
export const SAMPLE_DATA_FILE = "data/shop/raw/orders.csv";
