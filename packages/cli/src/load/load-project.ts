import { resolve } from "node:path";
import { GlacierError, type LineageGraph } from "@glacier/core";
import { glob } from "tinyglobby";
import { findConfig, readConfig } from "./config.js";
import { DISCOVERY_IGNORE, discoverModules } from "./discover.js";
import { graphFromModules, type LoadedModule } from "./graph-from-modules.js";
import { displayPath, importModule } from "./import-module.js";

/** A project's pipelines, as one graph, and where they came from. */
export interface LoadedProject {
  readonly graph: LineageGraph;
  /** The modules that were loaded, absolute paths. */
  readonly modules: readonly string[];
  /** How the modules were found: the entry argument, `glacier.config.*`, or a ts-morph scan. */
  readonly origin: "entry" | "config" | "discovery";
}

/** The pipeline modules of a project, before any is loaded. */
export interface ProjectModules {
  /** Absolute paths, sorted. */
  readonly files: readonly string[];
  readonly origin: LoadedProject["origin"];
  /** How messages name them: the entry, the modules the config lists, or the modules discovery found. */
  readonly where: string;
}

/** Where a project's modules are looked for, and which command asks (its name goes into hints). */
export interface ProjectOptions {
  readonly entry?: string;
  readonly cwd: string;
  /** The `glacier` command that loads the project, e.g. `"run"`; hints show it. Default `"visualize"`. */
  readonly command?: string;
}

/**
 * Finds a project's pipeline modules without loading them: the `entry` when given; else the modules
 * `glacier.config.ts` lists; else the modules a ts-morph scan finds. Finding none is NO_PIPELINES.
 *
 * @example
 * ```ts
 * await findModules({ cwd: "/work/shop", command: "run" });
 * // { files: ["/work/shop/pipelines/orders.ts"], origin: "config", where: "the modules glacier.config.ts lists (…)" }
 * ```
 */
export async function findModules(options: ProjectOptions): Promise<ProjectModules> {
  const { entry, cwd } = options;
  const command = options.command ?? "visualize";
  if (entry !== undefined) {
    const file = resolve(cwd, entry);
    return { files: [file], origin: "entry", where: displayPath(file) };
  }
  const configFile = findConfig(cwd);
  if (configFile) {
    const { config, dir } = await readConfig(configFile);
    const files = await glob([...config.pipelines], { cwd: dir, absolute: true, ignore: DISCOVERY_IGNORE });
    if (files.length === 0) {
      throw new GlacierError("NO_PIPELINES", `no file matches pipelines: ${config.pipelines.join(", ")}.`, {
        subject: { kind: "file", name: displayPath(configFile) },
        hint: "Fix the globs (they are relative to the config file).",
      });
    }
    return {
      files: files.sort(),
      origin: "config",
      where: `the modules ${displayPath(configFile)} lists (${files.map(displayPath).join(", ")})`,
    };
  }
  const files = await discoverModules(cwd);
  if (files.length === 0) {
    throw new GlacierError(
      "NO_PIPELINES",
      `no module under ${cwd} imports @glacier/core and exports values.`,
      {
        hint: `Pass the entry module (glacier ${command} pipeline.ts), list modules in glacier.config.ts, or start a project with glacier init.`,
      },
    );
  }
  return {
    files,
    origin: "discovery",
    where: `the modules that import @glacier/core (${files.map(displayPath).join(", ")})`,
  };
}

/**
 * Loads a project's pipelines ({@link findModules}, then each module imported). All their exported pipelines form one graph. Finding no pipeline
 * is NO_PIPELINES.
 *
 * @example
 * ```ts
 * const { graph } = await loadProject({ entry: "examples/simple/pipeline.ts", cwd: process.cwd() });
 * graph.pipelines.map((p) => p.name); // ["sales"]
 * ```
 */
export async function loadProject(
  options: ProjectOptions & {
    /** The modules, when the caller found them already (e.g. to type-check them before loading). */
    readonly modules?: ProjectModules;
  },
): Promise<LoadedProject> {
  const { files, origin, where } = options.modules ?? (await findModules(options));
  const modules: LoadedModule[] = [];
  for (const file of files) modules.push({ file, exports: await importModule(file) });
  const graph = graphFromModules(modules);
  if (graph.pipelines.length === 0) {
    throw new GlacierError("NO_PIPELINES", `found no pipeline in ${where}: no exported bucket has lineage.`, {
      hint: "Export the bucket a chain produces: export const report = raw.transform(task).to(out).",
    });
  }
  return { graph, modules: files, origin };
}
