import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, example, EXAMPLES, glacier } from "./helpers/cli.js";
import { chromium, findChromium } from "./helpers/chromium.js";

/**
 * The HTML page, rendered by a real browser: every node label is on the page, the script ran without a
 * Content-Security-Policy violation, no label overflowed its box, clicking works, and a screenshot is taken.
 * CI sets GLACIER_REQUIRE_CHROMIUM=1, so a missing browser fails there instead of skipping.
 */
const CHROMIUM = findChromium();
const REQUIRED = process.env.GLACIER_REQUIRE_CHROMIUM === "1";
// Made in beforeAll: module-level files would leak when every test is skipped (hooks do not run then).
let out = "";

beforeAll(async () => {
  ensureBuilt();
  out = mkdtempSync(join(tmpdir(), "glacier-html-"));
  if (CHROMIUM) await Promise.all(EXAMPLES.map(writePage));
});
afterAll(() => {
  if (out) rmSync(out, { recursive: true, force: true });
});

interface Labels {
  readonly titles: readonly string[];
  readonly pipelines: readonly string[];
}

/** What must be on the page, from `glacier list --format json`: every step, bucket file, pipeline. */
async function expectedLabels(name: string): Promise<Labels> {
  const { stdout } = await glacier(["list", example(name), "--format", "json"]);
  const list = JSON.parse(stdout) as {
    pipelines: { name: string }[];
    steps: { name: string }[];
    buckets: { id: string }[];
  };
  const file = (id: string): string => {
    const parts = id.replace(/\/$/, "").split("/");
    const keep = (parts.at(-1) ?? "").includes("*") ? 2 : 1;
    return parts.slice(-keep).join("/") + (id.endsWith("/") ? "/" : "");
  };
  return {
    titles: [...list.steps.map((s) => s.name), ...list.buckets.map((b) => file(b.id))],
    pipelines: list.pipelines.map((p) => p.name),
  };
}

/** Each example's page, written once by the real binary, with the labels it must show. */
const pages = new Map<string, { file: string; labels: Labels }>();

async function writePage(name: string): Promise<void> {
  const file = join(out, `${name}.html`);
  const { code, stderr } = await glacier(["visualize", example(name), "--format", "html", "--output", file]);
  expect(stderr).toBe(`wrote ${file}\n`);
  expect(code).toBe(0);
  pages.set(name, { file, labels: await expectedLabels(name) });
}

function page(name: string): { file: string; labels: Labels } {
  const found = pages.get(name);
  if (!found) throw new Error(`no page for ${name}`);
  return found;
}

it.runIf(!CHROMIUM && REQUIRED)("Chromium is installed (GLACIER_REQUIRE_CHROMIUM=1)", () => {
  throw new Error("no chromium binary found: apt-get install -y chromium, or set CHROMIUM=/path/to/chrome");
});

describe.skipIf(!CHROMIUM)(
  CHROMIUM
    ? "glacier visualize --format html in headless Chromium"
    : "glacier visualize --format html in headless Chromium — SKIPPED: no chromium binary (apt-get install -y chromium)",
  { concurrent: true },
  () => {
    for (const name of EXAMPLES) {
      it(`${name}: every node and pipeline is on the rendered page, no label overflows`, async ({
        expect,
      }) => {
        const { file, labels } = page(name);
        const html = readFileSync(file, "utf8");
        // Self-contained: nothing is fetched (the CSP forbids it anyway).
        expect(html).not.toMatch(/\s(src|href)=["']?(https?:)?\/\//i);
        expect(html).not.toMatch(/@import|url\((?!#)/);
        const { stdout: dom, stderr } = await chromium(CHROMIUM as string, file, [
          "--dump-dom",
          "--enable-logging=stderr",
          "--v=0",
        ]);
        expect(stderr).not.toMatch(/Content Security Policy|Uncaught/);
        expect(dom).toContain('data-ready="true"');
        const { titles, pipelines } = labels;
        const rendered = [...dom.matchAll(/<text class="label title"[^>]*>([^<]*)<\/text>/g)].map(
          (m) => m[1],
        );
        expect(rendered.sort()).toEqual([...titles].sort());
        for (const pipeline of pipelines) expect(dom).toContain(`<span class="name">${pipeline}</span>`);
        // The layout's width estimates held: the page did not have to squeeze any label.
        expect(dom).not.toContain("textLength=");
      });
    }

    it("a click shows a node's details; a pipeline click dims what is not in it", async ({ expect }) => {
      const { file } = page("complete");
      const clicked = file.replace(/\.html$/, "-clicked.html");
      const script =
        '<script>document.querySelector(".node.step.spark").dispatchEvent(new MouseEvent("click", { bubbles: true }));' +
        'document.querySelector(".pipelines button").click();</script>';
      writeFileSync(clicked, readFileSync(file, "utf8").replace("</body>", `${script}</body>`));
      const { stdout: dom } = await chromium(CHROMIUM as string, clicked, ["--dump-dom"]);
      const details = dom.slice(dom.indexOf('<div id="details">'), dom.indexOf("<h2>Legend</h2>"));
      expect(details).toContain('<div class="title">enrichOrders</div>');
      expect(details).toContain("<td>EMR Serverless</td>");
      expect(details).toContain("<pre>SELECT o.order_id");
      // The first pipeline, cleanedCustomers, is one step: everything else is dimmed.
      expect(dom.match(/class="node step [a-z]+( selected)? dim"/g)).toHaveLength(5);
      expect(dom).toContain('aria-pressed="true"');
    });

    it("takes a non-empty screenshot", async ({ expect }) => {
      const png = join(out, "complete.png");
      await chromium(CHROMIUM as string, page("complete").file, [`--screenshot=${png}`]);
      expect(readFileSync(png).subarray(1, 4).toString()).toBe("PNG");
      expect(statSync(png).size).toBeGreaterThan(20_000);
    });
  },
);
