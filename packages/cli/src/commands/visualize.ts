import { GlacierError, type LineageGraph, visualize, VISUALIZE_FORMATS } from "@glacier/core";
import { EXIT, type ExitCode } from "../exit-codes.js";
import type { HtmlOverlay } from "../html/overlay.js";
import type { Io } from "../io.js";
import { displayPath } from "../load/import-module.js";
import { loadProject } from "../load/load-project.js";
import { parseChoice } from "../options.js";
import { writeResult } from "../output.js";

/** Every `--format` of `glacier visualize`: core's four and the CLI's `html`. */
export const CLI_VISUALIZE_FORMATS = [...VISUALIZE_FORMATS, "html"] as const;
/** A `--format` of `glacier visualize`. */
export type CliVisualizeFormat = (typeof CLI_VISUALIZE_FORMATS)[number];

/** `glacier visualize`'s options as commander hands them over. */
export interface VisualizeCommandOptions {
  readonly format: string;
  readonly output?: string;
  readonly pipeline?: string;
  readonly infra?: boolean;
  /** `--no-status`: leave the run records out of the HTML page. */
  readonly status?: boolean;
  /** `--cost`: colour the HTML page's steps by analyze's estimate. */
  readonly cost?: boolean;
}

/**
 * Where steps and tasks are defined, as the CLI shows every path: relative to the working directory when inside
 * it, so the JSON is the same on every checkout.
 */
function withDisplayPaths(json: string): string {
  return `${JSON.stringify(
    JSON.parse(json),
    (key, value: unknown) =>
      (key === "definedAt" || key === "taskDefinedAt") && typeof value === "object" && value !== null
        ? { ...value, file: displayPath((value as { file: string }).file) }
        : value,
    2,
  )}\n`;
}

/** The HTML page's colours: the latest run of each step (unless `--no-status`), analyze's costs with `--cost`. */
async function htmlOverlay(graph: LineageGraph, options: VisualizeCommandOptions): Promise<HtmlOverlay> {
  const projectDir = process.cwd();
  const status =
    options.status === false
      ? undefined
      : await (await import("../run-status-overlay.js")).latestStepStates(graph, projectDir);
  const cost = options.cost
    ? await (await import("../cost-overlay.js")).stepCosts(graph, projectDir)
    : undefined;
  return { ...(status === undefined ? {} : { status }), ...(cost === undefined ? {} : { cost }) };
}

/**
 * `glacier visualize [entry]`: renders the graph (or one pipeline with its upstream) as Mermaid, DOT, JSON,
 * text, or a self-contained HTML page. `--infra` adds what `glacier generate` deploys for each step; the HTML
 * page colours steps by their latest recorded run (`--no-status`: not) and, with `--cost`, by analyze's
 * estimate. A graph with problems still renders (that is when a picture helps);
 * stderr says to run `glacier validate`.
 *
 * @example
 * ```sh
 * glacier visualize examples/simple/pipeline.ts
 * # graph LR
 * #   b_glacier_example_sales_raw_sales_csv[("glacier-example-sales/raw/sales.csv")] --> s_cleanSales[…]
 * ```
 */
export async function visualizeCommand(
  entry: string | undefined,
  options: VisualizeCommandOptions,
  io: Io,
): Promise<ExitCode> {
  const format = parseChoice<CliVisualizeFormat>(options.format, CLI_VISUALIZE_FORMATS, "format");
  const { graph: whole } = await loadProject({
    ...(entry === undefined ? {} : { entry }),
    cwd: process.cwd(),
    command: "visualize",
  });
  const graph = options.pipeline === undefined ? whole : whole.forPipeline(options.pipeline);
  if (options.cost && format !== "html") {
    throw new GlacierError(
      "INVALID_OPTION",
      `--cost colours the HTML page; --format ${format} has no colours.`,
      {
        subject: { kind: "option", name: "--cost" },
        hint: "Add --format html, or see the estimates with glacier analyze.",
      },
    );
  }
  // The overlay is opt-in: it loads @glacier/aws-model's planner (no cdktn), which plain diagrams never need.
  const infra = options.infra
    ? await (await import("../infra-overlay.js")).infrastructureOverlay(graph)
    : undefined;
  const rendered =
    format === "html"
      ? await (
          await import("../html/render-html.js")
        ).renderHtml(graph, {
          ...infra,
          ...(await htmlOverlay(graph, options)),
        })
      : visualize(graph, format, infra === undefined ? {} : { stepNotes: infra.stepNotes });
  const text = format === "json" ? withDisplayPaths(rendered) : rendered;
  writeResult(text, options.output, io);
  const problems = graph.problems().length;
  if (problems > 0) {
    io.err(
      io.colors.yellow(
        `warning: the graph has ${problems} problem${problems === 1 ? "" : "s"}; run glacier validate.`,
      ),
    );
  }
  return EXIT.ok;
}
