import { resolve } from "node:path";
import { runGraph } from "@glacier/core";
import { EXIT, type ExitCode } from "../exit-codes.js";
import type { Io } from "../io.js";
import { displayPath } from "../load/import-module.js";
import { INTERPRETERS } from "../interpreters.js";
import { loadProject } from "../load/load-project.js";
import { checkOutputDir } from "../output.js";

/**
 * `glacier generate <outdir> [entry]`: synthesises the infrastructure (Terraform) for the graph through
 * `runGraph({ mode: "generate" })`, and lists each file as `wrote` (new or changed), `unchanged` (already as
 * generated, left untouched) or `removed` (an earlier generation's, no longer generated).
 *
 * @example
 * ```sh
 * glacier generate terraform examples/complete/pipeline.ts
 * # wrote terraform/main.tf.json          (again, unchanged: "unchanged terraform/main.tf.json")
 * ```
 */
export async function generateCommand(
  outdir: string,
  entry: string | undefined,
  options: { readonly pipeline?: string; readonly namePrefix?: string },
  io: Io,
): Promise<ExitCode> {
  checkOutputDir(outdir, "<outdir>");
  const { graph, modules } = await loadProject({
    ...(entry === undefined ? {} : { entry }),
    cwd: process.cwd(),
    command: "generate",
  });
  // The generator bundles serverless steps from the module that defines them; it takes one module. With
  // several (config, discovery) it is not told, and says so if a serverless step needs bundling.
  const [only] = modules.length === 1 ? modules : [];
  const result = await runGraph(
    graph,
    {
      mode: "generate",
      outputDir: resolve(outdir),
      ...(only === undefined ? {} : { entry: only }),
      ...(options.pipeline === undefined ? {} : { pipeline: options.pipeline }),
      ...(options.namePrefix === undefined ? {} : { namePrefix: options.namePrefix }),
    },
    await INTERPRETERS.generate(),
  );
  const unchanged = new Set(result.unchanged ?? []);
  for (const file of result.files) {
    io.out(`${unchanged.has(file) ? "unchanged" : "wrote"} ${displayPath(resolve(result.outputDir, file))}`);
  }
  for (const file of result.removed ?? []) io.out(`removed ${displayPath(resolve(result.outputDir, file))}`);
  return EXIT.ok;
}
