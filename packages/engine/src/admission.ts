import { freemem, totalmem } from "node:os";

/**
 * The default memory budget of steps running in this process: 3/4 of the memory available when the run
 * starts (Linux: `MemAvailable`, what can be allocated without swapping), capped by the process's cgroup
 * limit when it has one. The rest is left for the process itself and whatever else runs on the machine.
 */
export const DEFAULT_MEMORY_FRACTION = 0.75;

/**
 * {@link DEFAULT_MEMORY_FRACTION} of the memory available now.
 *
 * @example
 * ```ts
 * defaultMemoryBudget(); // 13_958_643_712 on a 24 GiB machine with 17.3 GiB available
 * ```
 */
export function defaultMemoryBudget(): number {
  const constrained = process.constrainedMemory?.() ?? 0;
  const limit = constrained > 0 ? Math.min(constrained, totalmem()) : totalmem();
  return Math.floor(Math.min(freemem(), limit) * DEFAULT_MEMORY_FRACTION);
}

/**
 * The default policy's slack (see {@link largestStepBudget}): steps may add this much beside the largest step's
 * expected peak, or {@link OVERLAP_FRACTION} of that peak when it is more.
 */
export const OVERLAP_FLOOR_BYTES = 64 * 2 ** 20;
/** The default policy's slack as a fraction of the largest step's expected peak (see {@link largestStepBudget}). */
export const OVERLAP_FRACTION = 0.1;

/**
 * The default memory budget of a run that was given neither a budget nor a concurrency: the expected peak of
 * its largest step (recorded by an earlier run, or estimated from its input bytes) plus a slack of
 * {@link OVERLAP_FLOOR_BYTES} or {@link OVERLAP_FRACTION} of it, whichever is more, and never above `cap`
 * (the memory available, {@link defaultMemoryBudget}). Running steps together then raises the run's peak at
 * most by the slack above what the largest step needs alone, which a script running the steps one by one
 * needs too: two large steps run one after the other, while small ones (together within the slack) still
 * run beside a large one and beside each other.
 *
 * @example
 * ```ts
 * // peaks recorded by the last run: 245 MiB, 233 MiB, 25 MiB, 1 MiB
 * largestStepBudget([245, 233, 25, 1].map((m) => m * 2 ** 20), defaultMemoryBudget());
 * // 309 MiB (245 + 64): the 245 and 233 MiB steps run one at a time; the 25 MiB one may run beside either
 * ```
 */
export function largestStepBudget(expected: Iterable<number>, cap: number): number {
  let largest = 0;
  for (const bytes of expected) if (bytes > largest) largest = bytes;
  return Math.min(cap, largest + Math.max(OVERLAP_FLOOR_BYTES, largest * OVERLAP_FRACTION));
}

/**
 * How long a deciding step may hold back lower-ranked waiters (ms). Deciding is usually a few file reads; a step
 * whose inputs must be hashed afresh can take seconds, and a free slot should not idle that long for it.
 */
export const HOLD_BACK_MS = 250;

interface Waiter {
  readonly id: string;
  readonly rank: number;
  readonly memory: number;
  readonly admit: () => void;
}

/**
 * Admits ready steps to run, in priority order, against two limits: at most `concurrency` at once, and the
 * memory they are expected to hold together at most `memoryBudget` bytes (a step expected to need more than
 * the whole budget runs alone rather than never).
 *
 * Priority is strict: the best-ranked waiting step goes first, and nothing ranked below it starts while it
 * waits for memory, so a large step on the critical path is not starved by a stream of small ones. A step
 * still deciding whether it runs (`deciding`) holds back waiters ranked below it the same way, so the slot
 * goes to the step that should have it, not to the one that finished deciding first — for at most
 * {@link HOLD_BACK_MS}, after which the waiters go ahead.
 *
 * @example
 * ```ts
 * const admission = new Admission({ concurrency: 2, memoryBudget: 8e9 });
 * admission.deciding("big", 0);
 * const small = admission.acquire("small", 1, 1e9); // waits: "big" ranks first and is still deciding
 * await admission.acquire("big", 0, 6e9);           // admitted; then "small" is (7 GB ≤ 8 GB)
 * admission.release("big");
 * ```
 */
export class Admission {
  readonly concurrency: number;
  readonly memoryBudget: number;
  /** Steps deciding: their rank and when they started deciding. */
  readonly #deciding = new Map<string, { readonly rank: number; readonly since: number }>();
  #timer: NodeJS.Timeout | undefined;
  readonly #waiting: Waiter[] = [];
  readonly #running = new Map<string, number>();
  #memory = 0;

  constructor(limits: { readonly concurrency: number; readonly memoryBudget?: number }) {
    this.concurrency = Math.max(1, limits.concurrency);
    this.memoryBudget = limits.memoryBudget ?? Number.POSITIVE_INFINITY;
  }

  /** Steps running now. */
  get running(): readonly string[] {
    return [...this.#running.keys()];
  }

  /** The memory the running steps are expected to hold. */
  get memory(): number {
    return this.#memory;
  }

  /** The step is ready and deciding whether to run: waiters ranked below it wait for its decision. */
  deciding(id: string, rank: number): void {
    this.#deciding.set(id, { rank, since: performance.now() });
  }

  /** The step decided not to run (skipped, failed, cancelled): it no longer holds anyone back. */
  withdraw(id: string): void {
    if (this.#deciding.delete(id)) this.#dispatch();
  }

  /** Resolves when the step may run; `memory` is what it is expected to hold (bytes). */
  acquire(id: string, rank: number, memory: number): Promise<void> {
    this.#deciding.delete(id);
    return new Promise<void>((admit) => {
      const at = this.#waiting.findIndex((w) => w.rank > rank);
      this.#waiting.splice(at === -1 ? this.#waiting.length : at, 0, { id, rank, memory, admit });
      this.#dispatch();
    });
  }

  /** The step finished: its slot and memory go to the next waiters. */
  release(id: string): void {
    const memory = this.#running.get(id);
    if (memory === undefined) return;
    this.#running.delete(id);
    this.#memory -= memory;
    this.#dispatch();
  }

  /** True while a better-ranked step has been deciding for less than HOLD_BACK_MS; then re-dispatches later. */
  #heldBack(rank: number): boolean {
    const now = performance.now();
    let until = 0;
    for (const d of this.#deciding.values()) {
      if (d.rank < rank && now - d.since < HOLD_BACK_MS) until = Math.max(until, d.since + HOLD_BACK_MS);
    }
    if (until === 0) return false;
    if (!this.#timer) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#dispatch();
      }, until - now);
    }
    return true;
  }

  #dispatch(): void {
    for (;;) {
      const next = this.#waiting[0];
      if (!next || this.#running.size >= this.concurrency) return;
      if (this.#heldBack(next.rank)) return;
      if (this.#running.size > 0 && this.#memory + next.memory > this.memoryBudget) return;
      this.#waiting.shift();
      this.#running.set(next.id, next.memory);
      this.#memory += next.memory;
      next.admit();
    }
  }
}
