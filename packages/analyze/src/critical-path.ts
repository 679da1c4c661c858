import type { LineageGraph } from "@glacier/core";
import type { AnalysisReport } from "./analysis-report.js";

/**
 * The longest chain of dependent steps, by estimated duration: a step starts when its last dependency
 * finishes, so the pipeline takes as long as its critical path when independent steps run in parallel.
 * An unknown duration counts as 0 and makes the result incomplete.
 *
 * @example
 * ```ts
 * // a (10 s) → b (5 s), a → c (20 s), b + c → d (1 s): a → c → d, 31 s
 * criticalPath(graph, new Map([["a…", 10], ["b…", 5], ["c…", 20], ["d…", 1]])).totalSeconds; // 31
 * ```
 */
export function criticalPath(
  graph: LineageGraph,
  seconds: ReadonlyMap<string, number | null>,
): AnalysisReport["duration"] {
  const finish = new Map<string, number>();
  const via = new Map<string, string | null>();
  let complete = true;
  for (const step of graph.executionOrder()) {
    let start = 0;
    let before: string | null = null;
    for (const dep of graph.dependenciesOf(step)) {
      const end = finish.get(dep.id) ?? 0;
      if (before === null || end > start) {
        start = end;
        before = dep.id;
      }
    }
    const own = seconds.get(step.id) ?? null;
    if (own === null) complete = false;
    finish.set(step.id, start + (own ?? 0));
    via.set(step.id, before);
  }
  let last: string | null = null;
  let total = 0;
  for (const [id, end] of finish) {
    if (last === null || end > total) {
      last = id;
      total = end;
    }
  }
  const path: string[] = [];
  for (let id = last; id !== null; id = via.get(id) ?? null) path.unshift(id);
  const levels = graph.executionLevels().map((steps, level) => ({
    level,
    steps: steps.map((s) => s.id),
    seconds: Math.max(0, ...steps.map((s) => seconds.get(s.id) ?? 0)),
  }));
  const sequentialSeconds = [...seconds.values()].reduce<number>((a, s) => a + (s ?? 0), 0);
  return { totalSeconds: total, complete, criticalPath: path, sequentialSeconds, levels };
}
