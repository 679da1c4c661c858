/**
 * Label sizes for the layout, which runs in Node where there is no font to measure. Node labels use a
 * monospace stack, whose glyphs all advance ~0.6 em, so a width is characters × 0.6 × size; the page's
 * script shrinks any label that still overflows (a fallback font may be wider).
 */
export const FONT = {
  title: 13,
  sub: 11,
  edge: 11,
  /** Advance of one monospace glyph, in em. */
  advance: 0.6,
} as const;

/** Width in px of `text` at `size` px in the monospace stack. */
export function textWidth(text: string, size: number): number {
  return Math.ceil([...text].length * size * FONT.advance);
}

/** Escapes text for HTML and SVG content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Shortens a label that would make a node absurdly wide, keeping both ends (`raw/…/orders.parquet`). */
export function ellipsize(text: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  const head = Math.ceil((max - 1) / 2);
  return `${chars.slice(0, head).join("")}…${chars.slice(chars.length - (max - 1 - head)).join("")}`;
}
