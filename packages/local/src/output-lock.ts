import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { GlacierError } from "@glacier/core";
import { currentProcess, ownerState, type ProcessIdentity, type RunStore } from "@glacier/engine";
import { storageError } from "./errors.js";
import { disown, own } from "./exit-cleanup.js";
import { describeLocation, type ResolvedLocation } from "./storage.js";

/** Who holds a lock: written into the lock file. */
export interface LockOwner extends ProcessIdentity {
  readonly runId: string;
  readonly startedAt: string;
  /** The output the lock is for (a path or an `s3://` URL). */
  readonly location: string;
  /** The project whose run holds it (its `.glacier/runs/<runId>/` has the run's record). */
  readonly projectDir: string;
}

/** One output to lock: what it is, and where its lock file lives. */
export interface LockTarget {
  readonly location: string;
  readonly lockPath: string;
}

/** Lock files end with this; they are hidden, so no reader of a dataset or glob ever sees one. */
export const LOCK_SUFFIX = ".glacier-lock";

/**
 * Where an output's lock lives. A local output's lock sits beside it, in the data directory —
 * `<dir>/.<name>.glacier-lock` for a file or a directory dataset `<dir>/<name>/` — so every run writing that
 * location takes the same lock whatever project it belongs to (two projects sharing one data directory). An S3
 * output's lock is the project's (`.glacier/locks/`): S3 has no exclusive create a lock could rest on.
 *
 * @example
 * ```ts
 * outputLock(store, { kind: "file", path: "/lake/acme/clean/sales.parquet" });
 * // { location: "/lake/acme/clean/sales.parquet", lockPath: "/lake/acme/clean/.sales.parquet.glacier-lock" }
 * ```
 */
export function outputLock(store: RunStore, location: ResolvedLocation): LockTarget {
  const shown = describeLocation(location);
  if (location.kind !== "file") return { location: shown, lockPath: store.lockPath(shown) };
  const path = location.path.replace(/\/+$/, "");
  return { location: shown, lockPath: join(dirname(path), `.${basename(path)}${LOCK_SUFFIX}`) };
}

function readOwner(path: string): LockOwner | null {
  try {
    const owner = JSON.parse(readFileSync(path, "utf8")) as LockOwner | null;
    return owner && typeof owner === "object" ? owner : null;
  } catch {
    return null;
  }
}

function createExclusive(path: string, owner: LockOwner): boolean {
  try {
    writeFileSync(path, JSON.stringify(owner), { flag: "wx" });
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === "EEXIST") return false;
    throw error;
  }
}

/** The lock's holder when it cannot be taken: a live run, another host's run, or an unreadable fresh file. */
type Held = { readonly owner: LockOwner; readonly foreign: boolean } | { readonly owner: null };

/**
 * Takes the lock of one output, breaking it when its owner is certainly gone: on this host, a pid that no
 * longer runs, a pid recycled by a process that started at another time, or an earlier boot (see the engine's
 * `ownerState`). Another host's lock is never broken. Breaking happens under a short-lived guard file and
 * re-reads the owner inside it, so two runs racing to break the same stale lock cannot both win. A lock file that
 * cannot be parsed is only broken once it is a minute old (its owner may be writing it right now).
 *
 * Synchronous: a lock is a few bytes in a local directory, a run takes one per output at its start, and each
 * asynchronous file operation was a round trip through libuv's thread pool (five per lock, a thousand locks
 * for a thousand steps).
 */
function acquireOne(path: string, owner: LockOwner): Held | null {
  mkdirSync(dirname(path), { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    if (createExclusive(path, owner)) return null;
    const holder = readOwner(path);
    const state = holder ? ownerState(holder) : null;
    if (holder && state !== "dead") return { owner: holder, foreign: state === "foreign" };
    const age = holder === null ? ageMs(path) : null;
    if (age !== null && age <= 60_000) return { owner: null };
    const guard = `${path}.break`;
    const guardAge = ageMs(guard);
    if (guardAge !== null && guardAge > 10_000) rmSync(guard, { force: true });
    if (!createExclusive(guard, owner)) continue;
    try {
      const again = readOwner(path);
      if (JSON.stringify(again) === JSON.stringify(holder)) rmSync(path, { force: true });
    } finally {
      rmSync(guard, { force: true });
    }
  }
  const last = readOwner(path);
  return last ? { owner: last, foreign: ownerState(last) === "foreign" } : { owner: null };
}

/** Milliseconds since the file was last written, or null when it is absent. */
function ageMs(path: string): number | null {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return null;
  }
}

/** The LOCKED error: who holds the output, and exactly how to clear the lock if that run is really gone. */
function lockedError(target: LockTarget, held: Held): GlacierError {
  const subject = { kind: "file", name: target.location } as const;
  const remove = `rm '${target.lockPath.replaceAll("'", "'\\''")}'`;
  if (held.owner === null) {
    return new GlacierError("LOCKED", `its lock file ${target.lockPath} is being written or is unreadable.`, {
      subject,
      hint: `Start again in a minute (an unreadable lock older than that is taken over), or clear it now with: ${remove}`,
    });
  }
  const o = held.owner;
  const who = `run ${o.runId} of ${o.projectDir ?? "another project"} (pid ${o.pid} on ${o.host}, started at ${o.startedAt})`;
  if (held.foreign) {
    return new GlacierError(
      "LOCKED",
      `${who} is writing this output; that host is not this one (${currentProcess().host}), so its lock is never taken over automatically.`,
      {
        subject,
        hint: `Wait for that run to finish; if it is no longer running on ${o.host}, clear the lock with: ${remove}`,
      },
    );
  }
  return new GlacierError("LOCKED", `${who} is writing this output.`, {
    subject,
    hint: `Wait for that run to finish, or stop it (kill -INT ${o.pid}); two runs must not write the same outputs at once. A lock whose run died is taken over by itself; should this one stay after that run is gone, clear it with: ${remove}`,
  });
}

/** Held output locks; `release` removes them. */
export interface OutputLocks {
  release(): Promise<void>;
}

/**
 * Locks the outputs a run may write, all or none, so two runs never interleave writes to one location — runs of
 * one project or of two projects sharing a data directory (a local output's lock lives beside it, see
 * {@link outputLock}). A location held by a live run fails at once with LOCKED naming that run, its project,
 * pid, host and start, and the command that clears a lock that is really stale; one held by a process that is
 * certainly gone (pid, start time and boot id say so) is taken over; one held from another host never is.
 */
export async function lockOutputs(
  targets: readonly LockTarget[],
  owner: Omit<LockOwner, "location" | keyof ProcessIdentity>,
): Promise<OutputLocks> {
  const mine: string[] = [];
  const release = async (): Promise<void> => {
    for (const path of mine.splice(0)) {
      rmSync(path, { force: true });
      disown(path);
    }
  };
  const unique = new Map(targets.map((t) => [t.lockPath, t]));
  for (const target of [...unique.values()].sort((a, b) => (a.lockPath < b.lockPath ? -1 : 1))) {
    let holder: Held | null;
    try {
      holder = acquireOne(target.lockPath, {
        ...owner,
        ...currentProcess(),
        location: target.location,
      });
    } catch (error) {
      await release();
      throw storageError("cannot lock", target.lockPath, error, { kind: "file", name: target.location });
    }
    if (holder) {
      await release();
      throw lockedError(target, holder);
    }
    mine.push(target.lockPath);
    own(target.lockPath);
  }
  return { release };
}
