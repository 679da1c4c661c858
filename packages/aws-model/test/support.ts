import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { LineageGraph } from "@glacier/core";
import { afterAll } from "vitest";

/** The repository root. */
export const REPO = fileURLToPath(new URL("../../../", import.meta.url));

export const EXAMPLES = ["simple", "complete", "multi-source"] as const;
export type Example = (typeof EXAMPLES)[number];

/** The graph of an example: every export of its pipeline module, as the CLI builds it. */
export async function exampleGraph(example: Example): Promise<LineageGraph> {
  return LineageGraph.from(
    (await import(join(REPO, "examples", example, "pipeline.ts"))) as Record<string, never>,
  );
}

/** A fresh directory under the OS temp dir, removed after the file's tests. */
export function tempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `glacier-aws-model-${label}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
