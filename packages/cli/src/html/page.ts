import type { PageData } from "./details.js";
import { PAGE_SCRIPT } from "./page-script.js";
import { PAGE_CSS } from "./page-style.js";
import { escapeXml } from "./text-metrics.js";

/** The colour views beyond "executor" the page offers: by last run, and by cost (with the cost legend). */
export interface PageViews {
  readonly status: boolean;
  readonly cost: readonly { readonly bin: number; readonly label: string }[] | undefined;
}

/** What the page template needs: the drawing, the data behind it, counts, problems and colour views. */
export interface PageParts {
  readonly title: string;
  readonly svg: string;
  readonly data: PageData;
  readonly counts: string;
  /** The roots the buckets live under (`s3://acme-data`, `/data/acme-data`). */
  readonly storage: readonly string[];
  readonly problems: readonly { readonly code: string; readonly message: string }[];
  readonly views: PageViews;
}

/** JSON inside a <script> element: `<` escaped so no string can close the element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}

const swatch = (style: string, label: string, shape = ""): string =>
  `<span class="swatch${shape}" style="${style}"></span><span>${label}</span>`;

const EXECUTOR_LEGEND = [
  swatch("border-color:var(--local);background:var(--local-bg)", "local task (this process)"),
  swatch("border-color:var(--serverless);background:var(--serverless-bg)", "serverless task (AWS Lambda)"),
  swatch("border-color:var(--spark);background:var(--spark-bg)", "spark task (EMR Serverless)"),
  swatch("border-color:var(--container);background:var(--container-bg)", "container task (ECS on Fargate)"),
].join("\n");

const STATUS_LEGEND = [
  swatch("border-color:var(--ok);background:var(--ok-bg)", "succeeded in its last run"),
  swatch("border-color:var(--fail);background:var(--fail-bg)", "failed in its last run"),
  swatch("border-color:var(--skip);background:var(--skip-bg)", "skipped (up to date)"),
  swatch("border-color:var(--none);background:var(--panel);border-style:dashed", "not run"),
].join("\n");

const STORAGE_LEGEND = [
  swatch("border-color:var(--store);background:var(--store-bg)", "storage", " cyl"),
  swatch("border-color:var(--sink);background:var(--sink-bg)", "result (read by no step)", " cyl"),
  swatch("border-color:var(--store);border-style:dashed", "external (not created by Glacier)", " cyl"),
].join("\n");

function costLegend(bins: NonNullable<PageViews["cost"]>): string {
  return [
    ...bins.map((b) => swatch(`border-color:var(--cost${b.bin});background:var(--cost${b.bin}-bg)`, b.label)),
    swatch("border-color:var(--none);background:var(--panel);border-style:dashed", "cost unknown"),
  ].join("\n");
}

/** The legend: one block per colour view (the page shows the current view's), then storage. */
function legend(views: PageViews): string {
  return [
    `<div class="legend" data-view="executor">${EXECUTOR_LEGEND}</div>`,
    views.status ? `<div class="legend" data-view="status">${STATUS_LEGEND}</div>` : "",
    views.cost
      ? `<div class="legend" data-view="cost">${costLegend(views.cost)}<span></span><span class="note">estimated USD per run (glacier analyze --offline)</span></div>`
      : "",
    `<div class="legend">${STORAGE_LEGEND}</div>`,
  ].join("\n");
}

/** The colour-view switch; the first view is the one the page opens in (cost if asked for, else last run). */
function viewChoice(views: PageViews): { initial: string; control: string } {
  const options = [
    ...(views.cost ? [["cost", "Cost"]] : []),
    ...(views.status ? [["status", "Last run"]] : []),
    ["executor", "Executor"],
  ] as const;
  const control =
    options.length === 1
      ? ""
      : `<label class="colour">Colour by <select id="colour">${options
          .map(([value, label]) => `<option value="${value}">${label}</option>`)
          .join("")}</select></label>`;
  return { initial: options[0]?.[0] ?? "executor", control };
}

/**
 * One self-contained HTML document: inline CSS, SVG and script, no external reference. The
 * Content-Security-Policy forbids every fetch, so the page provably works from `file://` offline.
 */
export function htmlPage(parts: PageParts): string {
  const pipelines = parts.data.pipelines
    .map(
      (p, i) =>
        `<li><button type="button" data-index="${i}" aria-pressed="false"><span class="name">${escapeXml(p.name)}</span>` +
        `<span class="meta">${p.steps} step${p.steps === 1 ? "" : "s"} → ${escapeXml(p.target)}</span>` +
        (p.description ? `<span class="meta">${escapeXml(p.description)}</span>` : "") +
        `</button></li>`,
    )
    .join("\n");
  const grouped = parts.data.pipelines.some((p) => p.group !== undefined);
  const problems = parts.problems.length
    ? `<div class="problems"><strong>${parts.problems.length} problem${parts.problems.length === 1 ? "" : "s"}</strong><ul>${parts.problems
        .map((p) => `<li>[${escapeXml(p.code)}] ${escapeXml(p.message)}</li>`)
        .join("")}</ul></div>`
    : "";
  const view = viewChoice(parts.views);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>${escapeXml(parts.title)}</title>
<style>${PAGE_CSS}</style>
</head>
<body data-colour="${view.initial}">
<aside id="sidebar">
<h1>Glacier lineage</h1>
<div class="counts">${escapeXml(parts.counts)}</div>
<div class="counts">in ${parts.storage.map((s) => `<code>${escapeXml(s)}</code>`).join(", ")}</div>
${problems}
<h2>Pipelines</h2>
${grouped ? `<div class="group-actions"><button type="button" id="collapse-all">Collapse all</button><button type="button" id="expand-all">Expand all</button></div>` : ""}
<ul class="pipelines">
${pipelines}
</ul>
<h2>Details</h2>
<div id="details"><p class="empty">Click a task or a bucket to see its executor, format, location and schema.</p></div>
<h2>Legend</h2>
${legend(parts.views)}
<p class="hint">Scroll or pinch to zoom · drag to pan · double-click or Fit to see everything · click a pipeline to highlight it${grouped ? ", its box's title to collapse it" : ""}.</p>
</aside>
<main>
<div class="toolbar">
<button type="button" id="sidebar-toggle" title="Hide or show the side panel" aria-label="Side panel" aria-expanded="true">☰</button>
<input type="search" id="search" placeholder="Find a step or bucket" aria-label="Find a step or bucket" autocomplete="off">
<span id="search-count" aria-live="polite"></span>
${view.control}
<span class="spacer"></span>
<button type="button" id="zoom-out" title="Zoom out" aria-label="Zoom out">−</button><button type="button" id="zoom-in" title="Zoom in" aria-label="Zoom in">+</button><button type="button" id="fit" title="Fit the whole graph">Fit</button>
</div>
${parts.svg}
</main>
<script type="application/json" id="glacier-data">${scriptJson(parts.data)}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}
