/**
 * How often {@link watchMemory} samples the process's resident memory. Each sample wakes the main thread (a
 * timer, an open/read/close of `/proc/self/stat`: ~0.15 CPU s over a 55 s run of the ~1 GB benchmark). At
 * 100 ms the ~1 GB project's full run peaked at 1.27× the hand-written script's RSS (three rounds) against
 * 1.09× at 25 ms (one round, right after): admission works from recorded peaks, and a coarser sampler records
 * them lower and lets heavy steps overlap. So 25 ms it stays.
 */
const SAMPLE_MS = 25;

/** One sampler for every step running in this process; the steps watching it, each with its peak. */
const watchers = new Set<{ peak: number }>();
let timer: NodeJS.Timeout | undefined;

function sample(): number {
  const rss = process.memoryUsage.rss();
  for (const watcher of watchers) if (rss > watcher.peak) watcher.peak = rss;
  return rss;
}

/**
 * Watches this process's resident memory (RSS) while a step runs: `stop()` returns the most it rose above
 * where it was at the start (bytes; 0 when it did not rise). An estimate: steps run in worker threads of this
 * process, so steps running at the same time see each other's memory (too high), and memory an earlier step
 * freed but the allocator kept is reused without raising RSS (too low). One unref'd timer samples for all running steps every 25 ms (reading
 * `/proc/self/statm`), plus one sample at each start and stop.
 *
 * @example
 * ```ts
 * const memory = watchMemory();
 * await runStep();
 * memory.stop(); // 734_003_200
 * ```
 */
export function watchMemory(): { stop(): number } {
  const start = sample();
  const watcher = { peak: start };
  watchers.add(watcher);
  if (!timer) {
    timer = setInterval(sample, SAMPLE_MS);
    timer.unref();
  }
  return {
    stop() {
      sample();
      watchers.delete(watcher);
      if (watchers.size === 0 && timer) {
        clearInterval(timer);
        timer = undefined;
      }
      return watcher.peak - start;
    },
  };
}
