import type { PageData } from "./details.js";
import { PAGE_SCRIPT } from "./page-script.js";
import { PAGE_CSS } from "./page-style.js";
import { escapeXml } from "./text-metrics.js";

/** What the page template needs: the drawing, the data behind it, counts and problems. */
export interface PageParts {
  readonly title: string;
  readonly svg: string;
  readonly data: PageData;
  readonly counts: string;
  /** The roots the buckets live under (`s3://acme-data`, `/data/acme-data`). */
  readonly storage: readonly string[];
  readonly problems: readonly { readonly code: string; readonly message: string }[];
}

/** JSON inside a <script> element: `<` escaped so no string can close the element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}

const LEGEND = `
<div class="legend">
  <span class="swatch" style="border-color:var(--local);background:var(--local-bg)"></span><span>local task (this process)</span>
  <span class="swatch" style="border-color:var(--serverless);background:var(--serverless-bg)"></span><span>serverless task (AWS Lambda)</span>
  <span class="swatch" style="border-color:var(--spark);background:var(--spark-bg)"></span><span>spark task (EMR Serverless)</span>
  <span class="swatch" style="border-color:var(--container);background:var(--container-bg)"></span><span>container task (ECS on Fargate)</span>
  <span class="swatch cyl" style="border-color:var(--store);background:var(--store-bg)"></span><span>storage</span>
  <span class="swatch cyl" style="border-color:var(--sink);background:var(--sink-bg)"></span><span>result (read by no step)</span>
  <span class="swatch cyl" style="border-color:var(--store);border-style:dashed"></span><span>external (not created by Glacier)</span>
</div>`;

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
  const problems = parts.problems.length
    ? `<div class="problems"><strong>${parts.problems.length} problem${parts.problems.length === 1 ? "" : "s"}</strong><ul>${parts.problems
        .map((p) => `<li>[${escapeXml(p.code)}] ${escapeXml(p.message)}</li>`)
        .join("")}</ul></div>`
    : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>${escapeXml(parts.title)}</title>
<style>${PAGE_CSS}</style>
</head>
<body>
<aside>
<h1>Glacier lineage</h1>
<div class="counts">${escapeXml(parts.counts)}</div>
<div class="counts">in ${parts.storage.map((s) => `<code>${escapeXml(s)}</code>`).join(", ")}</div>
${problems}
<h2>Pipelines</h2>
<ul class="pipelines">
${pipelines}
</ul>
<h2>Details</h2>
<div id="details"><p class="empty">Click a task or a bucket to see its executor, format, location and schema.</p></div>
<h2>Legend</h2>
${LEGEND}
<p class="hint">Scroll to zoom · drag to pan · double-click to fit · click a pipeline to highlight it.</p>
</aside>
<main>
<div class="toolbar"><button type="button" id="zoom-in" title="Zoom in">+</button><button type="button" id="zoom-out" title="Zoom out">−</button><button type="button" id="fit">Fit</button></div>
${parts.svg}
</main>
<script type="application/json" id="glacier-data">${scriptJson(parts.data)}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}
