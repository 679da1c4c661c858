/**
 * The page's behaviour, inline and dependency-free (a few hundred lines do not justify a pan-zoom library the
 * page would have to carry inline): click a node for its details, click a pipeline to highlight its steps and
 * buckets and bring them into view, collapse a pipeline's box, find nodes by name, switch the colour view, wheel
 * or pinch to zoom at the cursor, drag to pan, double-click (or "Fit") to see the whole graph. It also shrinks
 * any label wider than its box, should the reader's monospace font be wider than assumed.
 */
export const PAGE_SCRIPT = `
(() => {
  const data = JSON.parse(document.getElementById("glacier-data").textContent);
  const svg = document.getElementById("canvas");
  const details = document.getElementById("details");
  const graph = { w: +svg.dataset.width, h: +svg.dataset.height };
  const nodes = [...svg.querySelectorAll(".node")];
  const byId = new Map(nodes.map((n) => [n.dataset.id, n]));
  const show = () => svg.setAttribute("viewBox", view.x + " " + view.y + " " + view.w + " " + view.h);
  // The view of a box (in drawing units) centred in the canvas at scale k (screen px per unit).
  const around = (cx, cy, k) => {
    const box = svg.getBoundingClientRect();
    const w = box.width / k, h = box.height / k;
    return { x: cx - w / 2, y: cy - h / 2, w, h };
  };
  const scaleOf = () => svg.getBoundingClientRect().width / view.w;
  // Fit the whole graph, but never blow a small one up past 1.25× (it would look like a toy).
  const fitted = () => {
    const box = svg.getBoundingClientRect();
    const k = Math.min(box.width / graph.w, box.height / graph.h, 1.25);
    return around(graph.w / 2, graph.h / 2, k);
  };
  let full = fitted();
  let view = { ...full };
  show();

  for (const text of svg.querySelectorAll("text.label")) {
    const max = +text.dataset.max;
    if (max > 0 && text.getComputedTextLength() > max) {
      text.setAttribute("textLength", String(max));
      text.setAttribute("lengthAdjust", "spacingAndGlyphs");
    }
  }

  const el = (tag, props, ...children) => {
    const node = Object.assign(document.createElement(tag), props);
    node.append(...children);
    return node;
  };
  const select = (id) => {
    for (const n of svg.querySelectorAll(".node.selected")) n.classList.remove("selected");
    const node = byId.get(id);
    const info = data.nodes[id];
    if (!node || !info) return;
    node.classList.add("selected");
    const table = (rows) =>
      el("table", {}, ...rows.map(([k, v]) => el("tr", {}, el("th", { textContent: k }), el("td", { textContent: v }))));
    details.replaceChildren(
      el("div", { className: "kind", textContent: info.kind }),
      el("div", { className: "title", textContent: info.title }),
      el("div", { className: "subtitle", textContent: info.subtitle }),
      table(info.rows),
      ...info.tables.flatMap((t) => [el("h3", { textContent: t.title }), table(t.rows)]),
      ...(info.code ? [el("h3", { textContent: "SQL" }), el("pre", { textContent: info.code })] : []),
    );
    if (!document.body.classList.contains("no-sidebar")) details.scrollIntoView({ block: "nearest" });
  };
  for (const node of nodes) {
    node.addEventListener("click", (e) => { e.stopPropagation(); select(node.dataset.id); });
    node.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") select(node.dataset.id); });
  }

  const highlight = (members) => {
    const keep = members ? new Set(members) : null;
    for (const n of nodes) n.classList.toggle("dim", !!keep && !keep.has(n.dataset.id));
    for (const e of svg.querySelectorAll(".edge"))
      e.classList.toggle("dim", !!keep && !(keep.has(e.dataset.from) && keep.has(e.dataset.to)));
  };
  const pipelineButtons = [...document.querySelectorAll(".pipelines button")];
  for (const button of pipelineButtons) {
    button.addEventListener("click", () => {
      const on = button.getAttribute("aria-pressed") !== "true";
      for (const b of pipelineButtons) b.setAttribute("aria-pressed", "false");
      button.setAttribute("aria-pressed", String(on));
      clearSearch();
      const members = on ? data.pipelines[+button.dataset.index].members : null;
      highlight(members);
      if (members) fitTo(members); else fit();
    });
  }

  // Pipeline boxes: collapsing one hides its members and the edges inside it; the box stays where it is, drawn
  // over the edges that cross into it, so they end at its border.
  const groupOf = new Map();
  const groups = new Map();
  for (const { id, members } of data.groups) {
    const box = svg.querySelector('.group[data-group="' + id + '"]');
    const cover = svg.querySelector('.group-cover[data-group="' + id + '"]');
    if (!box || !cover) continue;
    groups.set(id, { box, cover, members });
    for (const m of members) groupOf.set(m, id);
  }
  const edges = [...svg.querySelectorAll(".edge")];
  const setCollapsed = (id, collapsed) => {
    const g = groups.get(id);
    if (!g) return;
    g.box.classList.toggle("collapsed", collapsed);
    g.cover.classList.toggle("collapsed", collapsed);
    g.box.querySelector(".group-header").setAttribute("aria-expanded", String(!collapsed));
    for (const m of g.members) byId.get(m).classList.toggle("hidden", collapsed);
    for (const e of edges) {
      const inside = groupOf.get(e.dataset.from) === id && groupOf.get(e.dataset.to) === id;
      if (inside) e.classList.toggle("hidden", collapsed);
    }
  };
  for (const [id, g] of groups) {
    const header = g.box.querySelector(".group-header");
    header.addEventListener("click", (e) => { e.stopPropagation(); setCollapsed(id, true); });
    header.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") setCollapsed(id, true); });
    g.cover.addEventListener("click", (e) => { e.stopPropagation(); setCollapsed(id, false); });
    g.cover.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") setCollapsed(id, false); });
  }
  document.getElementById("collapse-all")?.addEventListener("click", () => { for (const id of groups.keys()) setCollapsed(id, true); });
  document.getElementById("expand-all")?.addEventListener("click", () => { for (const id of groups.keys()) setCollapsed(id, false); });

  // Search: every node whose labels or id contain the text is marked, the rest dimmed; Enter centres the next.
  const search = document.getElementById("search");
  const count = document.getElementById("search-count");
  const haystack = new Map(nodes.map((n) => [n, (n.textContent + " " + (data.nodes[n.dataset.id]?.title ?? "")).toLowerCase()]));
  let matches = [];
  let current = -1;
  function clearSearch() {
    search.value = "";
    find();
  }
  function find() {
    const q = search.value.trim().toLowerCase();
    for (const n of nodes) n.classList.remove("match", "current");
    matches = q ? nodes.filter((n) => haystack.get(n).includes(q)) : [];
    // Enter walks the matches in the drawing's reading order: along the edges first, then across.
    const along = svg.dataset.direction === "DOWN" ? ["y", "x"] : ["x", "y"];
    const at = new Map(matches.map((n) => [n, n.querySelector(".shape").getBBox()]));
    matches.sort((a, b) => at.get(a)[along[0]] - at.get(b)[along[0]] || at.get(a)[along[1]] - at.get(b)[along[1]]);
    current = -1;
    for (const n of matches) n.classList.add("match");
    highlight(q ? matches.map((n) => n.dataset.id) : null);
    count.textContent = q ? (matches.length === 1 ? "1 match" : matches.length + " matches") : "";
  }
  const centreOn = (node) => {
    const id = node.dataset.id;
    if (groupOf.has(id)) setCollapsed(groupOf.get(id), false);
    const r = node.querySelector(".shape").getBBox();
    view = around(r.x + r.width / 2, r.y + r.height / 2, Math.max(scaleOf(), 1));
    show();
    select(id);
  };
  const next = (step) => {
    if (matches.length === 0) return;
    if (current >= 0) matches[current].classList.remove("current");
    current = (current + step + matches.length) % matches.length;
    matches[current].classList.add("current");
    count.textContent = (current + 1) + " of " + matches.length;
    centreOn(matches[current]);
  };
  search.addEventListener("input", () => {
    for (const b of pipelineButtons) b.setAttribute("aria-pressed", "false");
    find();
  });
  search.addEventListener("keydown", (e) => {
    if (e.key === "Enter") { e.preventDefault(); next(e.shiftKey ? -1 : 1); }
    if (e.key === "Escape") { clearSearch(); fit(); }
  });
  document.addEventListener("keydown", (e) => {
    if (e.key === "/" && document.activeElement !== search) { e.preventDefault(); search.focus(); }
  });

  const colour = document.getElementById("colour");
  colour?.addEventListener("change", () => { document.body.dataset.colour = colour.value; });

  const toSvg = (x, y) => new DOMPoint(x, y).matrixTransform(svg.getScreenCTM().inverse());
  // Zoom by factor f (<1: in) about a point in drawing units, within 1/20 and 4 times the fitted width.
  const zoomAt = (p, f) => {
    const w = Math.min(full.w * 4, Math.max(full.w / 20, view.w * f));
    const s = w / view.w;
    view = { x: p.x - (p.x - view.x) * s, y: p.y - (p.y - view.y) * s, w, h: view.h * s };
    show();
  };
  svg.addEventListener("wheel", (e) => {
    e.preventDefault();
    // Trackpad pinches arrive as wheel events with ctrlKey set and small deltas: zoom faster for them.
    zoomAt(toSvg(e.clientX, e.clientY), Math.min(4, Math.max(0.25, Math.exp(e.deltaY * (e.ctrlKey ? 0.01 : 0.0015)))));
  }, { passive: false });
  // Pointers: one drags, two pinch. Capture a pointer only once it moves, so a plain click still reaches the
  // node under it.
  const pointers = new Map();
  let drag = null;
  let pinch = null;
  svg.addEventListener("pointerdown", (e) => {
    pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
    if (pointers.size === 2) {
      const [a, b] = [...pointers.values()];
      pinch = { d: Math.hypot(a.x - b.x, a.y - b.y) };
      drag = null;
    } else {
      drag = { start: toSvg(e.clientX, e.clientY), x: e.clientX, y: e.clientY, moved: false };
    }
  });
  svg.addEventListener("pointermove", (e) => {
    if (!pointers.has(e.pointerId)) return;
    pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
    if (pinch && pointers.size === 2) {
      const [a, b] = [...pointers.values()];
      const d = Math.hypot(a.x - b.x, a.y - b.y);
      if (d > 0 && pinch.d > 0) zoomAt(toSvg((a.x + b.x) / 2, (a.y + b.y) / 2), pinch.d / d);
      pinch.d = d;
      return;
    }
    if (!drag) return;
    if (!drag.moved && Math.hypot(e.clientX - drag.x, e.clientY - drag.y) < 4) return;
    if (!drag.moved) { drag.moved = true; svg.setPointerCapture(e.pointerId); svg.classList.add("dragging"); }
    const p = toSvg(e.clientX, e.clientY);
    view.x -= p.x - drag.start.x;
    view.y -= p.y - drag.start.y;
    show();
  });
  const stop = (e) => {
    pointers.delete(e.pointerId);
    if (pointers.size < 2) pinch = null;
    drag = null;
    svg.classList.remove("dragging");
  };
  svg.addEventListener("pointerup", stop);
  svg.addEventListener("pointercancel", stop);
  function fit() { full = fitted(); view = { ...full }; show(); }
  // Shows these nodes as large as they fit (at most 1.5×), expanding the boxes they are in.
  function fitTo(ids) {
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (const id of ids) {
      if (groupOf.has(id)) setCollapsed(groupOf.get(id), false);
      const r = byId.get(id)?.querySelector(".shape").getBBox();
      if (!r) continue;
      x0 = Math.min(x0, r.x); y0 = Math.min(y0, r.y); x1 = Math.max(x1, r.x + r.width); y1 = Math.max(y1, r.y + r.height);
    }
    if (x0 === Infinity) return;
    const box = svg.getBoundingClientRect();
    const pad = 24;
    const k = Math.min(box.width / (x1 - x0 + 2 * pad), box.height / (y1 - y0 + 2 * pad), 1.5);
    view = around((x0 + x1) / 2, (y0 + y1) / 2, k);
    show();
  }
  svg.addEventListener("dblclick", fit);
  window.addEventListener("resize", fit);
  document.getElementById("fit").addEventListener("click", fit);
  const centre = () => ({ x: view.x + view.w / 2, y: view.y + view.h / 2 });
  document.getElementById("zoom-in").addEventListener("click", () => zoomAt(centre(), 2 / 3));
  document.getElementById("zoom-out").addEventListener("click", () => zoomAt(centre(), 1.5));
  const toggle = document.getElementById("sidebar-toggle");
  toggle.addEventListener("click", () => {
    const hidden = document.body.classList.toggle("no-sidebar");
    toggle.setAttribute("aria-expanded", String(!hidden));
    fit();
  });
  // Everything above ran: tells a reader of the DOM (and the browser test) that the page is live.
  document.body.dataset.ready = "true";
})();
`;
