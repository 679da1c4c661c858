/**
 * A limit on work running at once: `acquire()` waits while `limit` holders are in, `release()` lets the next
 * waiter in. Used for step concurrency by the local and cloud executors.
 *
 * @example
 * ```ts
 * const slots = semaphore(2);
 * await slots.acquire();
 * try { await runStep(); } finally { slots.release(); }
 * ```
 */
export function semaphore(limit: number): { acquire(): Promise<void>; release(): void } {
  let active = 0;
  const waiting: (() => void)[] = [];
  return {
    async acquire() {
      while (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
      active++;
    },
    release() {
      active--;
      waiting.shift()?.();
    },
  };
}
