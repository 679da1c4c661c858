import { existsSync, readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { Command } from "commander";
import { GlacierError } from "@glacier/core";
import { analyzeCommand } from "./commands/analyze.js";
import { checkCommand, type CheckCommandOptions } from "./commands/check.js";
import { generateCommand } from "./commands/generate.js";
import { initCommand } from "./commands/init.js";
import { listCommand } from "./commands/list.js";
import { runCommand, type RunCommandOptions } from "./commands/run.js";
import { runsCommand } from "./commands/runs.js";
import { validateCommand, type ValidateCommandOptions } from "./commands/validate.js";
import {
  CLI_VISUALIZE_FORMATS,
  visualizeCommand,
  type VisualizeCommandOptions,
} from "./commands/visualize.js";
import type { ExitCode } from "./exit-codes.js";
import type { Io } from "./io.js";

const ENTRY_HELP =
  "a .ts/.js module whose exported buckets are the pipelines (default: glacier.config.ts, else discover)";

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

function collect(value: string, previous: readonly string[] = []): readonly string[] {
  return [...previous, value];
}

function changeDirectory(dir: string): void {
  const path = resolve(dir);
  if (!existsSync(path) || !statSync(path).isDirectory()) {
    throw new GlacierError("INVALID_OPTION", `${path} is not a directory.`, {
      subject: { kind: "option", name: "--cwd" },
      hint: "Pass the project directory.",
    });
  }
  process.chdir(path);
}

const HELP_AFTER = `
Exit codes: 0 ok · 1 a run failed · 2 a user mistake (bad option, entry, definition or graph error) · 70 a bug.

Examples:
  glacier init my-pipelines
  glacier visualize examples/simple/pipeline.ts --format html --output lineage.html
  glacier validate
  glacier run examples/simple/pipeline.ts --local-storage .glacier-demo --param minOrders=5
  glacier run --plan --pipeline regional`;

/** The options `run` and `backfill` share. */
function runOptions(command: Command): Command {
  return command
    .option("-m, --mode <mode>", "where steps run: local (polars, this machine) or cloud (AWS)", "local")
    .option("-p, --pipeline <name>", "run this pipeline and the upstream steps it needs")
    .option("--param <key=value>", "set a run parameter (repeatable)", collect)
    .option(
      "-c, --concurrency <n>",
      "steps run at once (default: the number of cores, while together they are expected to need little more memory than the largest step alone)",
    )
    .option("--fail-fast", "stop at the first failing step")
    .option("--force", "rerun every step, even when up to date")
    .option("--plan", "print what would run and why; run nothing")
    .option("--resume <runId>", "rerun what failed in this run, and what depends on it")
    .option("--local-storage <dir>", "local mode: map every S3 bucket to <dir>/<bucket>/<path>")
    .option(
      "--low-memory",
      "local mode: lower polars' memory peak (no memory-mapped reads, smaller join samples)",
    )
    .option(
      "--memory-budget <MiB>",
      "local mode: memory the steps running at once may be expected to hold (default: the largest step's expected peak plus 64 MiB or 10%, at most 3/4 of the available memory; with --concurrency: 3/4 of the available memory)",
    )
    .option("--via <how>", "cloud mode: direct (invoke each step) or stepfunctions (start the state machine)")
    .option("--json", "print one JSON document on stdout instead of the summary (progress stays on stderr)")
    .option("--no-typecheck", "run even when the pipeline modules do not type-check");
}

/**
 * The `glacier` command tree (commander). Each action reports its exit code through `done`; errors propagate
 * to `main`, which prints them.
 *
 * @example
 * ```ts
 * let code = 0;
 * await buildProgram(processIo(), (c) => (code = c)).parseAsync(["validate"], { from: "user" });
 * ```
 */
export function buildProgram(io: Io, done: (code: ExitCode) => void): Command {
  const program = new Command("glacier")
    .description("Data pipelines whose infrastructure emerges from the code.")
    .version(version(), "-V, --version")
    .option("--verbose", "print stacks and causes of errors")
    .option("--cwd <dir>", "run as if started in <dir>")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      // main() prints commander's errors in the CLI's one-line format.
      outputError: () => undefined,
    })
    .showSuggestionAfterError(true)
    .configureHelp({ showGlobalOptions: true })
    .addHelpText("after", HELP_AFTER)
    .hook("preAction", (command) => {
      const { cwd } = command.opts<{ cwd?: string }>();
      if (cwd !== undefined) changeDirectory(cwd);
    });

  program
    .command("init")
    .description("scaffold a project: one pipeline, its sample data and its test (refuses to overwrite)")
    .argument("[dir]", "where to create it (default: the current directory)")
    .action(async (dir: string | undefined) => done(await initCommand(dir, io)));

  program
    .command("visualize")
    .description(
      "render the lineage graph: mermaid (default), dot, json, text, or a self-contained html page",
    )
    .argument("[entry]", ENTRY_HELP)
    .option("-f, --format <format>", `output format: ${CLI_VISUALIZE_FORMATS.join(", ")}`, "mermaid")
    .option("-o, --output <file>", "write to a file instead of stdout")
    .option("-p, --pipeline <name>", "only this pipeline and the upstream steps it needs")
    .option("--infra", "overlay the infrastructure `glacier generate` creates: what runs each step")
    .option("--no-status", "html: do not colour steps by their latest recorded run")
    .option("--cost", "html: colour steps by glacier analyze's estimated cost per run (offline)")
    .action(async (entry: string | undefined, options: VisualizeCommandOptions) =>
      done(await visualizeCommand(entry, options, io)),
    );

  program
    .command("validate")
    .description("type-check and check the pipelines: print every problem (exit 2) or a one-line summary")
    .argument("[entry]", ENTRY_HELP)
    .option("--no-typecheck", "check the graph only, not the modules' types")
    .action(async (entry: string | undefined, options: ValidateCommandOptions) =>
      done(await validateCommand(entry, options, io)),
    );

  program
    .command("list")
    .description("list pipelines, steps (with executors) and buckets")
    .argument("[entry]", ENTRY_HELP)
    .option("-f, --format <format>", "output format: text, json", "text")
    .option("-p, --pipeline <name>", "only this pipeline and the upstream steps it needs")
    .option(
      "--local-storage <dir>",
      "partitioned buckets: check which partitions are there in <dir>/<bucket>/<path>",
    )
    .action(
      async (
        entry: string | undefined,
        options: { format: string; pipeline?: string; localStorage?: string },
      ) => done(await listCommand(entry, options, io)),
    );

  runOptions(
    program
      .command("run")
      .description("run the pipelines (locally on polars, or on AWS); exit 1 when a step fails")
      .argument("[entry]", ENTRY_HELP)
      .option(
        "--partition <key|from..to>",
        "partitioned steps: run this partition (2026-12-01) or inclusive range (2026-12-01..2026-12-07)",
      ),
  ).action(async (entry: string | undefined, options: RunCommandOptions) =>
    done(await runCommand(entry, options, io)),
  );

  runOptions(
    program
      .command("backfill")
      .description(
        "run the partitions from --from to --to (inclusive) that are missing, failed or stale: run --partition from..to",
      )
      .argument("[entry]", ENTRY_HELP)
      .requiredOption("--from <key>", "first partition, e.g. 2026-12-01")
      .requiredOption("--to <key>", "last partition, e.g. 2026-12-31"),
  ).action(async (entry: string | undefined, options: RunCommandOptions & { from: string; to: string }) =>
    done(await runCommand(entry, { ...options, partition: `${options.from}..${options.to}` }, io)),
  );

  program
    .command("check")
    .description("run the data checks against what is stored now (no task runs); exit 1 when one blocks")
    .argument("[entry]", ENTRY_HELP)
    .option("-p, --pipeline <name>", "only this pipeline and the upstream steps it needs")
    .option("--local-storage <dir>", "read S3 buckets from this directory (as glacier run does)")
    .option("-f, --format <format>", "output format: text, json", "text")
    .action(async (entry: string | undefined, options: CheckCommandOptions) =>
      done(await checkCommand(entry, options, io)),
    );

  program
    .command("runs")
    .description("list recent runs recorded in .glacier/runs/")
    .option("-n, --limit <n>", "show at most n runs")
    .option("-f, --format <format>", "output format: text, json", "text")
    .action(async (options: { limit?: string; format: string }) => done(await runsCommand(options, io)));

  program
    .command("generate")
    .description("synthesise the infrastructure (Terraform) into <outdir>")
    .argument("<outdir>", "directory for the generated files")
    .argument("[entry]", ENTRY_HELP)
    .option("-p, --pipeline <name>", "only this pipeline and the upstream steps it needs")
    .option("--name-prefix <prefix>", "prefix of every generated AWS name (default: glacier)")
    .action(
      async (
        outdir: string,
        entry: string | undefined,
        options: { pipeline?: string; namePrefix?: string },
      ) => done(await generateCommand(outdir, entry, options, io)),
    );

  program
    .command("analyze")
    .description("estimate cost, duration and resources")
    .argument("[entry]", ENTRY_HELP)
    .option("-f, --format <format>", "output format: text, json", "text")
    .option("--offline", "use declared sizes only; never read storage")
    .option(
      "--local-storage <dir>",
      "read data sizes from <dir>/<bucket>/<path>, as run --local-storage writes",
    )
    .option("-p, --pipeline <name>", "only this pipeline and the upstream steps it needs")
    .option(
      "--partition <key|from..to>",
      "partitioned steps: cost a run of these partitions (a backfill) instead of the latest one",
    )
    .action(
      async (
        entry: string | undefined,
        options: {
          format: string;
          offline?: boolean;
          pipeline?: string;
          localStorage?: string;
          partition?: string;
        },
      ) => done(await analyzeCommand(entry, options, io)),
    );

  return program;
}
