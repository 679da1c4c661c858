/** How often {@link watchMemory} samples the process's resident memory. */
const SAMPLE_MS = 25;

/**
 * Watches this process's resident memory (RSS) while a step runs: `stop()` returns the most it rose above
 * where it was at the start (bytes; 0 when it did not rise). Steps run in worker threads of this process, so
 * steps running at the same time see each other's memory: the figure errs high, which is the safe side for
 * admitting the step next run. Sampling reads `/proc/self/statm` (microseconds) every 25 ms on an unref'd
 * timer, and once more at the end.
 *
 * @example
 * ```ts
 * const memory = watchMemory();
 * await runStep();
 * memory.stop(); // 734_003_200
 * ```
 */
export function watchMemory(): { stop(): number } {
  const start = process.memoryUsage.rss();
  let peak = start;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, SAMPLE_MS);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, process.memoryUsage.rss());
      return peak - start;
    },
  };
}
