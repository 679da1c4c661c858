/**
 * The page's stylesheet. Executor colours follow the services' own palettes loosely (Lambda orange, EMR
 * violet, Fargate teal) so a reader who knows AWS recognises them; storage is neutral slate, results (sinks) blue. The status
 * view uses the usual green/red; the cost view a yellow-to-dark-red ramp, so "dearer" reads as "hotter".
 */
export const PAGE_CSS = `
:root {
  --bg: #f8fafc; --panel: #ffffff; --ink: #0f172a; --muted: #64748b; --line: #e2e8f0;
  --mono: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", "Liberation Mono", monospace;
  --sans: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Liberation Sans", sans-serif;
  --local: #059669; --local-bg: #ecfdf5; --serverless: #ea580c; --serverless-bg: #fff7ed;
  --spark: #7c3aed; --spark-bg: #f5f3ff; --store: #64748b; --store-bg: #f1f5f9; --sink: #2563eb; --sink-bg: #eff6ff;
  --ok: #16a34a; --ok-bg: #f0fdf4; --fail: #dc2626; --fail-bg: #fef2f2; --skip: #0891b2; --skip-bg: #ecfeff;
  --none: #94a3b8;
  --cost0: #ca8a04; --cost0-bg: #fefce8; --cost1: #d97706; --cost1-bg: #fef3c7; --cost2: #ea580c; --cost2-bg: #ffedd5;
  --cost3: #dc2626; --cost3-bg: #fee2e2; --cost4: #7f1d1d; --cost4-bg: #fecaca;
  --container: #0d9488; --container-bg: #f0fdfa;
}
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; }
body { display: flex; font: 14px/1.45 var(--sans); color: var(--ink); background: var(--bg); }
aside { width: 300px; flex: none; height: 100%; overflow: auto; background: var(--panel);
  border-right: 1px solid var(--line); padding: 18px 18px 24px; }
@media (max-width: 1280px) { aside { width: 250px; padding: 14px 14px 20px; } }
body.no-sidebar aside { display: none; }
main { flex: 1; min-width: 0; display: flex; flex-direction: column; }
h1 { font-size: 17px; margin: 0 0 2px; letter-spacing: -0.01em; }
h2 { font-size: 11px; text-transform: uppercase; letter-spacing: .08em; color: var(--muted); margin: 22px 0 8px; }
.counts { color: var(--muted); font-size: 13px; }
.counts code { font: 12px var(--mono); color: var(--ink); }
.problems { margin-top: 14px; padding: 10px 12px; border: 1px solid #fecaca; background: #fef2f2;
  border-radius: 8px; color: #991b1b; font-size: 12.5px; }
.problems li { margin: 4px 0; }
.problems ul { margin: 6px 0 0; padding-left: 18px; }
.pipelines { list-style: none; margin: 0; padding: 0; }
.pipelines button { width: 100%; text-align: left; border: 1px solid var(--line); background: var(--panel);
  border-radius: 8px; padding: 7px 10px; margin: 0 0 6px; cursor: pointer; font: inherit; color: inherit; }
.pipelines button:hover { border-color: #94a3b8; }
.pipelines button[aria-pressed="true"] { border-color: var(--sink); background: var(--sink-bg); }
.pipelines .name { font-weight: 600; font-family: var(--mono); font-size: 13px; }
.pipelines .meta { display: block; color: var(--muted); font-size: 12px; }
#details { font-size: 12.5px; }
#details .empty { color: var(--muted); }
#details .kind { font-size: 11px; text-transform: uppercase; letter-spacing: .08em; color: var(--muted); }
#details .title { font: 600 14px var(--mono); overflow-wrap: anywhere; }
#details .subtitle { color: var(--muted); margin-bottom: 8px; overflow-wrap: anywhere; }
#details table { border-collapse: collapse; width: 100%; }
#details h3 { font-size: 12px; margin: 12px 0 4px; }
#details th { width: 1%; text-align: left; font-weight: 500; color: var(--muted); vertical-align: top; padding: 3px 10px 3px 0;
  white-space: nowrap; }
#details td { font-family: var(--mono); font-size: 12px; padding: 3px 0; overflow-wrap: anywhere; }
#details pre { background: var(--store-bg); border-radius: 6px; padding: 8px; white-space: pre-wrap;
  font: 12px var(--mono); margin: 8px 0 0; }
.legend { display: grid; grid-template-columns: 22px 1fr; gap: 6px 8px; align-items: center; font-size: 12.5px;
  margin-bottom: 10px; }
.legend[data-view] { display: none; }
body[data-colour="executor"] .legend[data-view="executor"], body[data-colour="status"] .legend[data-view="status"],
body[data-colour="cost"] .legend[data-view="cost"] { display: grid; }
.legend .note { color: var(--muted); font-size: 11.5px; }
.group-actions { display: flex; gap: 6px; margin-bottom: 8px; }
.group-actions button { flex: 1; border: 1px solid var(--line); background: var(--panel); border-radius: 6px;
  padding: 3px 6px; cursor: pointer; font: 12px var(--sans); color: inherit; }
.swatch { width: 18px; height: 12px; border-radius: 4px; border: 1.5px solid; }
.swatch.cyl { border-radius: 50% / 30%; }
.hint { color: var(--muted); font-size: 12px; margin-top: 18px; }
.toolbar { flex: none; display: flex; align-items: center; gap: 6px; padding: 8px 10px; background: var(--panel);
  border-bottom: 1px solid var(--line); }
.toolbar .spacer { flex: 1; }
.toolbar button, .toolbar select, .toolbar input { border: 1px solid var(--line); background: var(--panel);
  border-radius: 6px; padding: 4px 10px; font: 13px var(--sans); color: var(--ink); }
.toolbar button { cursor: pointer; min-width: 32px; }
.toolbar button:hover { border-color: #94a3b8; }
#search { width: 220px; }
#search-count { color: var(--muted); font-size: 12.5px; min-width: 70px; }
.colour { color: var(--muted); font-size: 12.5px; }
#canvas { flex: 1; min-height: 0; width: 100%; display: block; cursor: grab; user-select: none; touch-action: none; }
#canvas.dragging { cursor: grabbing; }
.edge path { fill: none; stroke: #94a3b8; stroke-width: 1.6; }
#arrow path { fill: #94a3b8; }
.edge-label { font: 500 11px var(--mono); fill: #475569; text-anchor: middle; paint-order: stroke;
  stroke: var(--bg); stroke-width: 4px; stroke-linejoin: round; }
.node { cursor: pointer; }
.node .shape, .node .cap { stroke-width: 1.6; }
.node .label { text-anchor: middle; font-family: var(--mono); }
.node .title { font-size: 13px; font-weight: 600; fill: var(--ink); }
.node .sub, .node .infra { font-size: 11px; fill: var(--muted); }
.bucket .shape { fill: var(--store-bg); stroke: var(--store); }
.bucket .cap { fill: #e2e8f0; stroke: var(--store); }
.bucket.sink .shape { fill: var(--sink-bg); stroke: var(--sink); }
.bucket.sink .cap { fill: #dbeafe; stroke: var(--sink); }
.bucket.external .shape, .bucket.external .cap { stroke-dasharray: 5 3; }
.step.local .shape { fill: var(--local-bg); stroke: var(--local); }
.step.local .sub { fill: var(--local); }
.step.serverless .shape { fill: var(--serverless-bg); stroke: var(--serverless); }
.step.serverless .sub { fill: var(--serverless); }
.step.spark .shape { fill: var(--spark-bg); stroke: var(--spark); }
.step.spark .sub { fill: var(--spark); }
.step.container .shape { fill: var(--container-bg); stroke: var(--container); }
.step.container .sub { fill: var(--container); }
.badge { fill: #fff; stroke: currentColor; stroke-width: 1; }
.step.local { color: var(--local); } .step.serverless { color: var(--serverless); } .step.spark { color: var(--spark); }
.step.container { color: var(--container); }
.badge-text { font: 700 9px var(--sans); fill: currentColor; text-anchor: middle; letter-spacing: .04em; }
.node:hover .shape, .node:focus .shape, .node.selected .shape { stroke-width: 3; }
.node:focus { outline: none; }
.dim { opacity: .18; }
.hidden { display: none; }
.group-box { fill: #64748b; fill-opacity: .05; stroke: #cbd5e1; stroke-width: 1.2; }
.group-bar { fill: transparent; }
.group-header { cursor: pointer; }
.group-header:hover .group-bar, .group-header:focus .group-bar { fill: #64748b; fill-opacity: .08; }
.group-header:focus { outline: none; }
.group-title { font: 600 13px var(--mono); fill: #334155; }
.group-toggle { font: 600 16px var(--sans); fill: #475569; text-anchor: middle; }
.group-summary { font: 12px var(--sans); fill: var(--muted); text-anchor: middle; }
.group-cover { display: none; cursor: pointer; }
.group-cover rect { fill: #f1f5f9; stroke: #94a3b8; stroke-width: 1.4; stroke-dasharray: 6 3; }
.group.collapsed { display: none; }
.group-cover.collapsed { display: inline; }
.pill { display: none; }
.pill text { font: 600 9.5px var(--sans); fill: #fff; text-anchor: middle; }
body[data-colour="status"] .pill.status, body[data-colour="cost"] .pill.cost { display: inline; }
body[data-colour="status"] .step .sub, body[data-colour="cost"] .step .sub { fill: var(--muted); }
.step[data-status="succeeded"] { --st: var(--ok); --st-bg: var(--ok-bg); }
.step[data-status="failed"] { --st: var(--fail); --st-bg: var(--fail-bg); }
.step[data-status="skipped"] { --st: var(--skip); --st-bg: var(--skip-bg); }
.step[data-status="not-run"] { --st: var(--none); --st-bg: var(--panel); }
body[data-colour="status"] .step .shape { fill: var(--st-bg); stroke: var(--st); }
body[data-colour="status"] .step[data-status="not-run"] .shape { stroke-dasharray: 5 3; }
.pill.status rect { fill: var(--st); }
.step[data-cost="0"] { --ct: var(--cost0); --ct-bg: var(--cost0-bg); }
.step[data-cost="1"] { --ct: var(--cost1); --ct-bg: var(--cost1-bg); }
.step[data-cost="2"] { --ct: var(--cost2); --ct-bg: var(--cost2-bg); }
.step[data-cost="3"] { --ct: var(--cost3); --ct-bg: var(--cost3-bg); }
.step[data-cost="4"] { --ct: var(--cost4); --ct-bg: var(--cost4-bg); }
.step[data-cost="unknown"] { --ct: var(--none); --ct-bg: var(--panel); }
body[data-colour="cost"] .step .shape { fill: var(--ct-bg); stroke: var(--ct); }
body[data-colour="cost"] .step[data-cost="unknown"] .shape { stroke-dasharray: 5 3; }
.pill.cost rect { fill: var(--ct); }
.node.match .shape { stroke: #f59e0b; stroke-width: 4; }
.node.current .shape { stroke: #d97706; stroke-width: 5; }
`;
