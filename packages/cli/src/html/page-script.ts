/**
 * The page's behaviour, inline and dependency-free: click a node for its details, click a pipeline to
 * highlight its steps and buckets, wheel to zoom at the cursor, drag to pan, double-click (or "Fit") to reset.
 * It also shrinks any label wider than its box, should the reader's monospace font be wider than assumed.
 */
export const PAGE_SCRIPT = `
(() => {
  const data = JSON.parse(document.getElementById("glacier-data").textContent);
  const svg = document.getElementById("canvas");
  const details = document.getElementById("details");
  const graph = { w: +svg.dataset.width, h: +svg.dataset.height };
  const show = () => svg.setAttribute("viewBox", view.x + " " + view.y + " " + view.w + " " + view.h);
  // Fit the whole graph, but never blow a small one up past 1.25× (it would look like a toy).
  const fitted = () => {
    const box = svg.getBoundingClientRect();
    const scale = Math.min(box.width / graph.w, box.height / graph.h, 1.25);
    const w = box.width / scale, h = box.height / scale;
    return { x: (graph.w - w) / 2, y: (graph.h - h) / 2, w, h };
  };
  const full = fitted();
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
    const node = svg.querySelector('.node[data-id="' + id + '"]');
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
    details.scrollIntoView({ block: "nearest" });
  };
  for (const node of svg.querySelectorAll(".node")) {
    node.addEventListener("click", (e) => { e.stopPropagation(); select(node.dataset.id); });
    node.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") select(node.dataset.id); });
  }

  const highlight = (members) => {
    const keep = members ? new Set(members) : null;
    for (const n of svg.querySelectorAll(".node")) n.classList.toggle("dim", !!keep && !keep.has(n.dataset.id));
    for (const e of svg.querySelectorAll(".edge"))
      e.classList.toggle("dim", !!keep && !(keep.has(e.dataset.from) && keep.has(e.dataset.to)));
  };
  for (const button of document.querySelectorAll(".pipelines button")) {
    button.addEventListener("click", () => {
      const on = button.getAttribute("aria-pressed") !== "true";
      for (const b of document.querySelectorAll(".pipelines button")) b.setAttribute("aria-pressed", "false");
      button.setAttribute("aria-pressed", String(on));
      highlight(on ? data.pipelines[+button.dataset.index].members : null);
    });
  }

  const toSvg = (e) => new DOMPoint(e.clientX, e.clientY).matrixTransform(svg.getScreenCTM().inverse());
  svg.addEventListener("wheel", (e) => {
    e.preventDefault();
    const p = toSvg(e);
    const k = Math.min(4, Math.max(0.25, Math.exp(e.deltaY * 0.0015)));
    const w = Math.min(full.w * 4, Math.max(full.w / 20, view.w * k));
    const s = w / view.w;
    view = { x: p.x - (p.x - view.x) * s, y: p.y - (p.y - view.y) * s, w, h: view.h * s };
    show();
  }, { passive: false });
  // Capture the pointer only once it moves, so a plain click still reaches the node under it.
  let drag = null;
  svg.addEventListener("pointerdown", (e) => { drag = { start: toSvg(e), x: e.clientX, y: e.clientY, moved: false }; });
  svg.addEventListener("pointermove", (e) => {
    if (!drag) return;
    if (!drag.moved && Math.hypot(e.clientX - drag.x, e.clientY - drag.y) < 4) return;
    if (!drag.moved) { drag.moved = true; svg.setPointerCapture(e.pointerId); svg.classList.add("dragging"); }
    const p = toSvg(e);
    view.x -= p.x - drag.start.x;
    view.y -= p.y - drag.start.y;
    show();
  });
  const stop = () => { drag = null; svg.classList.remove("dragging"); };
  svg.addEventListener("pointerup", stop);
  svg.addEventListener("pointercancel", stop);
  const fit = () => { view = fitted(); show(); };
  svg.addEventListener("dblclick", fit);
  window.addEventListener("resize", fit);
  document.getElementById("fit").addEventListener("click", fit);
  document.getElementById("zoom-in").addEventListener("click", () => { view = { x: view.x + view.w / 6, y: view.y + view.h / 6, w: view.w * 2 / 3, h: view.h * 2 / 3 }; show(); });
  document.getElementById("zoom-out").addEventListener("click", () => { view = { x: view.x - view.w / 4, y: view.y - view.h / 4, w: view.w * 1.5, h: view.h * 1.5 }; show(); });
  // Everything above ran: tells a reader of the DOM (and the browser test) that the page is live.
  document.body.dataset.ready = "true";
})();
`;
