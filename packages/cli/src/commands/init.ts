import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { GlacierError } from "@glacier/core";
import { formatCount } from "@glacier/core/internal";
import { EXIT, type ExitCode } from "../exit-codes.js";
import type { Io } from "../io.js";
import { displayPath, importModule } from "../load/import-module.js";
import { SAMPLE_DATA_FILE, scaffoldFiles } from "../init/scaffold-files.js";

/**
 * `glacier init [dir]`: scaffolds a project in `dir` (default: the working directory, created when missing):
 * package.json, tsconfig.json, glacier.config.ts, one pipeline with its vitest test, a sample-data script and
 * the sample data it writes. Refuses to overwrite: when any of those files exists, FILE_EXISTS names them and
 * nothing is written.
 *
 * @example
 * ```sh
 * glacier init shop && cd shop && npm install && npx glacier run
 * ```
 */
export async function initCommand(dir: string | undefined, io: Io): Promise<ExitCode> {
  const root = resolve(dir ?? ".");
  const files = scaffoldFiles(root);
  const taken = [...files.map((f) => f.path), SAMPLE_DATA_FILE].filter((path) =>
    existsSync(join(root, path)),
  );
  if (taken.length > 0) {
    const where = relative(process.cwd(), root) === "" ? "this directory" : displayPath(root);
    throw new GlacierError(
      "FILE_EXISTS",
      `${formatCount(taken.length, "file")} of the scaffold already ${taken.length === 1 ? "exists" : "exist"} in ${where}: ${taken.join(", ")}. Nothing was written.`,
      { hint: "Run glacier init in a new directory (glacier init my-pipelines), or move those files away." },
    );
  }
  for (const file of files) {
    const path = join(root, file.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.text);
    io.out(`created ${displayPath(path)}`);
  }
  // The scaffold's own script writes the sample data, so `npm run sample-data` writes exactly the same.
  const script = (await importModule(join(root, "sample-data.ts"))) as {
    writeSampleData(dir: string): string;
  };
  const data = script.writeSampleData(join(root, "data"));
  io.out(`created ${displayPath(data)} (sample data)`);
  const cd = relative(process.cwd(), root);
  io.out("");
  io.out("Next:");
  if (cd !== "") io.out(`  cd ${cd.includes(" ") ? JSON.stringify(cd) : cd}`);
  io.out("  npm install");
  io.out("  npx glacier run      # both steps on this machine");
  io.out("  npm test             # the pipeline's test (vitest)");
  return EXIT.ok;
}
