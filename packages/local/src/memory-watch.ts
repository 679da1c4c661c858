/**
 * How often {@link watchMemory} samples the process's resident memory. Each sample wakes the main thread (a
 * timer, an open/read/close of `/proc/self/stat`) while the step's query runs on both cores: at 25 ms it cost
 * ~0.15 CPU s over a 55 s run of the ~1 GB benchmark. A step's memory rises over seconds, and admission takes
 * the larger of the record and 4× the input bytes, so 100 ms loses nothing it relies on.
 */
const SAMPLE_MS = 100;

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
 * freed but the allocator kept is reused without raising RSS (too low). One unref'd timer samples for all running steps every 100 ms (reading
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
