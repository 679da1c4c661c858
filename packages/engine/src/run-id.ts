import { randomBytes } from "node:crypto";

/**
 * A new run id: the UTC start time and a random suffix, e.g. `20240131T120000Z-3f2a`. Ids sort by start
 * time, so the newest runs list first.
 */
export function newRunId(now: Date = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return `${stamp}-${randomBytes(2).toString("hex")}`;
}
