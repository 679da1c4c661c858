import { relative, resolve } from "node:path";
import { countChecks, describeCheckCounts, describeCheckResult } from "@glacier/core";
import { formatCount } from "@glacier/core/internal";
import { EXIT, type ExitCode } from "../exit-codes.js";
import type { Io } from "../io.js";
import { findModules, loadProject } from "../load/load-project.js";
import { parseChoice } from "../options.js";
import { formatTable } from "../table.js";

/** `glacier check`'s options as commander hands them over. */
export interface CheckCommandOptions {
  readonly pipeline?: string;
  readonly localStorage?: string;
  readonly format: string;
}

/**
 * `glacier check [entry]`: runs the pipelines' data checks against what is stored now — each step's checks on
 * its output, source buckets' checks on their data — running no task and writing nothing. Prints each
 * checked location with its checks (`--format json`: one document) and exits 1 when a blocking check failed
 * or could not be evaluated (a location not written yet), 0 otherwise.
 *
 * @example
 * ```sh
 * glacier check --local-storage ./data
 * # checks: 3 passed, 1 failed (2 locations)
 * # acme/clean/orders.parquet (step clean): data/acme/clean/orders.parquet
 * #   passed  not_null(id)  no row has a null in "id"
 * #   FAILED  unique(id)    2 rows share 1 value of "id", e.g. {"id":1,"rows":2}
 * ```
 */
export async function checkCommand(
  entry: string | undefined,
  options: CheckCommandOptions,
  io: Io,
): Promise<ExitCode> {
  const format = parseChoice(options.format, ["text", "json"] as const, "format");
  const cwd = process.cwd();
  const modules = await findModules({ ...(entry === undefined ? {} : { entry }), cwd, command: "check" });
  const { graph } = await loadProject({ cwd, command: "check", modules });
  const selected = options.pipeline === undefined ? graph : graph.forPipeline(options.pipeline);
  selected.validate();
  // Polars loads only here, once the flags and the graph are known to be right.
  const { checkStored } = await import("@glacier/local");
  const report = await checkStored(selected, {
    ...(options.localStorage === undefined ? {} : { localStorage: resolve(options.localStorage) }),
  });
  const code = report.status === "failed" ? EXIT.runFailed : EXIT.ok;
  if (format === "json") {
    io.stdout.write(`${JSON.stringify({ version: 1, ...report }, null, 2)}\n`);
    return code;
  }
  if (report.checked.length === 0) {
    io.out('no checks declared (add checks: [check.notNull("id")] to a bucket, or .check(…) to a step)');
    return code;
  }
  const c = io.outColors;
  const all = report.checked.flatMap((x) => x.results);
  const lines = [
    `checks: ${describeCheckCounts(countChecks(all))} (${formatCount(report.checked.length, "location")})`,
  ];
  for (const x of report.checked) {
    const where = x.location.startsWith("/") ? relative(cwd, x.location) || "." : x.location;
    lines.push(`${x.bucket}${x.step === undefined ? "" : ` (step ${x.step})`}: ${where}`);
    const rows = x.results.map((r) => [
      `  ${
        r.status === "passed"
          ? c.green("passed")
          : r.severity === "warn"
            ? c.yellow("warned")
            : c.red(r.status === "error" ? "ERROR" : "FAILED")
      }`,
      r.name,
      describeCheckResult(r).slice(r.name.length + 2),
    ]);
    lines.push(formatTable(rows));
  }
  io.stdout.write(`${lines.join("\n")}\n`);
  return code;
}
