import { readFileSync } from "node:fs";
import { hostname } from "node:os";

/**
 * A process, identified so that a recycled pid is not mistaken for it: its pid, its start time (Linux: field 22
 * of `/proc/<pid>/stat`, clock ticks since boot), the boot it started in (`/proc/sys/kernel/random/boot_id`) and
 * its host. Run records and lock files carry one; where `/proc` is missing (macOS) only pid and host are known.
 *
 * @example
 * ```ts
 * currentProcess();
 * // { pid: 4242, host: "build-7", startTicks: "1114648", bootId: "3a96cd08-a8f9-4363-8fce-f83edf72f330" }
 * ```
 */
export interface ProcessIdentity {
  readonly pid: number;
  readonly host: string;
  /** Field 22 of `/proc/<pid>/stat`; absent off Linux. */
  readonly startTicks?: string;
  /** `/proc/sys/kernel/random/boot_id`; absent off Linux. */
  readonly bootId?: string;
}

/** How a recorded owner process stands, seen from this process. */
export type OwnerState =
  /** Running now: the same pid, start time and boot on this host. */
  | "alive"
  /** Certainly gone: no such pid, a pid recycled by another process, or an earlier boot of this host. */
  | "dead"
  /** Another host's: this machine cannot tell, so it never takes over what that process holds. */
  | "foreign";

/** The start time of a process in clock ticks since boot, or undefined (no such process, or no `/proc`). */
export function processStartTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 2 is the command in parentheses and may itself hold spaces and ")": fields 3… follow the last ")".
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return rest[22 - 3];
  } catch {
    return undefined;
  }
}

let boot: string | undefined | null = null;

/** This machine's boot id (changes at every boot), or undefined off Linux. */
export function bootId(): string | undefined {
  if (boot === null) {
    try {
      boot = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    } catch {
      boot = undefined;
    }
  }
  return boot;
}

let self: ProcessIdentity | undefined;

/** This process's identity. */
export function currentProcess(): ProcessIdentity {
  if (!self || self.pid !== process.pid) {
    const startTicks = processStartTicks(process.pid);
    const id = bootId();
    self = {
      pid: process.pid,
      host: hostname(),
      ...(startTicks === undefined ? {} : { startTicks }),
      ...(id === undefined ? {} : { bootId: id }),
    };
  }
  return self;
}

/** True when a process with this id runs on this machine (whatever process it is now). */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
}

/**
 * Whether the process a record or lock names still runs. On this host it is dead when the boot changed, when
 * its pid is gone, or when the pid now belongs to a process that started at another time (pids are recycled,
 * and in a container's pid namespace a new run often gets the very pid of the killed one). Another host's
 * process is `foreign`: nothing here can tell, so nothing here takes its locks over.
 *
 * @example
 * ```ts
 * ownerState({ pid: process.pid, host: hostname(), startTicks: "1", bootId: bootId() }); // "dead" (recycled)
 * ownerState(currentProcess()); // "alive"
 * ```
 */
export function ownerState(owner: Partial<ProcessIdentity>): OwnerState {
  if (owner.host !== hostname()) return "foreign";
  const here = bootId();
  if (owner.bootId !== undefined && here !== undefined && owner.bootId !== here) return "dead";
  if (owner.pid === undefined || !isAlive(owner.pid)) return "dead";
  if (owner.startTicks === undefined) return "alive";
  const now = processStartTicks(owner.pid);
  // No /proc to read it from: the pid alone has to do.
  if (now === undefined) return "alive";
  return now === owner.startTicks ? "alive" : "dead";
}
