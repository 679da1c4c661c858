/**
 * A limit on work running at once: `acquire(rank)` waits while `limit` holders are in, `release()` lets the
 * waiter of lowest rank in (ties: first come). The scheduler ranks steps by their execution order, so when
 * several steps wait for a slot they start in that order, whichever finished deciding first.
 *
 * @example
 * ```ts
 * const slots = semaphore(2);
 * await slots.acquire(0);
 * try { await runStep(); } finally { slots.release(); }
 * ```
 */
export function semaphore(limit: number): { acquire(rank?: number): Promise<void>; release(): void } {
  let active = 0;
  const waiting: { readonly rank: number; readonly resolve: () => void }[] = [];
  return {
    async acquire(rank = Number.MAX_SAFE_INTEGER) {
      if (active < limit && waiting.length === 0) {
        active++;
        return;
      }
      await new Promise<void>((resolve) => {
        const at = waiting.findIndex((w) => w.rank > rank);
        waiting.splice(at === -1 ? waiting.length : at, 0, { rank, resolve });
      });
    },
    release() {
      const next = waiting.shift();
      if (next) next.resolve();
      else active--;
    },
  };
}
