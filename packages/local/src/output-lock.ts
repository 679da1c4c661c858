import { hostname } from "node:os";
import { mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { GlacierError } from "@glacier/core";
import { isAlive, type RunStore } from "@glacier/engine";

/** Who holds a lock: written into the lock file. */
export interface LockOwner {
  readonly runId: string;
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
  readonly location: string;
}

/** True when the owner is certainly gone: a process of this machine that no longer exists. */
function isDead(owner: LockOwner | null): boolean {
  return owner !== null && owner.host === hostname() && !isAlive(owner.pid);
}

async function readOwner(path: string): Promise<LockOwner | null> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as LockOwner;
  } catch {
    return null;
  }
}

async function createExclusive(path: string, owner: LockOwner): Promise<boolean> {
  try {
    await writeFile(path, JSON.stringify(owner), { flag: "wx" });
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === "EEXIST") return false;
    throw error;
  }
}

/**
 * Takes the lock of one output, breaking it when its owner died (SIGKILL leaves the file behind). Breaking
 * happens under a short-lived guard file and re-reads the owner inside it, so two runs racing to break the
 * same stale lock cannot both win. A lock file that cannot be parsed is only broken once it is a minute old
 * (its owner may be writing it right now).
 */
async function acquireOne(path: string, owner: LockOwner): Promise<LockOwner | null> {
  await mkdir(dirname(path), { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await createExclusive(path, owner)) return null;
    const holder = await readOwner(path);
    const unreadableAndOld =
      holder === null &&
      (await stat(path).then(
        (s) => Date.now() - s.mtimeMs > 60_000,
        () => true,
      ));
    if (!isDead(holder) && !unreadableAndOld) return holder ?? { ...owner, runId: "(unknown)", pid: 0 };
    const guard = `${path}.break`;
    const guardAge = await stat(guard).then(
      (s) => Date.now() - s.mtimeMs,
      () => null,
    );
    if (guardAge !== null && guardAge > 10_000) await rm(guard, { force: true });
    if (!(await createExclusive(guard, owner))) continue;
    try {
      const again = await readOwner(path);
      if (JSON.stringify(again) === JSON.stringify(holder)) await rm(path, { force: true });
    } finally {
      await rm(guard, { force: true });
    }
  }
  return (await readOwner(path)) ?? { ...owner, runId: "(unknown)", pid: 0 };
}

/** Held output locks; `release` removes them. */
export interface OutputLocks {
  release(): Promise<void>;
}

/**
 * Locks the outputs a run may write, all or none, so two runs never interleave writes to one location. A
 * location held by a live run fails at once with LOCKED naming that run; one held by a dead process (same
 * machine) is taken over. Locks live in `<projectDir>/.glacier/locks/`: they coordinate runs of one
 * project directory on one machine.
 */
export async function lockOutputs(
  store: RunStore,
  locations: readonly string[],
  owner: Omit<LockOwner, "location">,
): Promise<OutputLocks> {
  const held: string[] = [];
  const release = async (): Promise<void> => {
    for (const path of held.splice(0)) await rm(path, { force: true });
  };
  for (const location of [...new Set(locations)].sort()) {
    const path = store.lockPath(location);
    const holder = await acquireOne(path, { ...owner, location });
    if (holder) {
      await release();
      throw new GlacierError(
        "LOCKED",
        `run ${holder.runId} (pid ${holder.pid} on ${holder.host}, started ${holder.startedAt}) is writing this output.`,
        {
          subject: { kind: "file", name: location },
          hint: "Wait for that run to finish and start again; two runs must not write the same outputs at once.",
        },
      );
    }
    held.push(path);
  }
  return { release };
}
