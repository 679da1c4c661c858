import { shortHash } from "@glacier/core/internal";
// The subpath, not the engine's index: worker threads import this file, and the index is ~24 modules more.
import {
  currentProcess,
  isAlive,
  processStartTicks,
  type ProcessIdentity,
} from "@glacier/engine/process-identity";

/**
 * Who wrote a temporary file, in its name: `<pid>_<start ticks>_<host tag>_<boot tag>` (tags are short hashes
 * of the host name and boot id). A run sweeping an output's leftover temporaries deletes only those whose writer
 * is certainly gone, so a run of another project writing into the same data directory never loses its
 * in-flight file.
 *
 * @example
 * ```ts
 * ownerTag({ pid: 4242, host: "build-7", startTicks: "1114648", bootId: "3a96…" }); // "4242_1114648_5c1e9a_0b7d2f"
 * ```
 */
export function ownerTag(identity: ProcessIdentity = currentProcess()): string {
  if (identity !== currentProcess()) return tagOf(identity);
  if (own?.identity !== identity) own = { identity, tag: tagOf(identity) };
  return own.tag;
}

/** This process's tag, computed once (every step's temporary file carries it). */
let own: { readonly identity: ProcessIdentity; readonly tag: string } | undefined;

function tagOf(identity: ProcessIdentity): string {
  return [
    identity.pid,
    identity.startTicks ?? "0",
    shortHash(identity.host, 6),
    shortHash(identity.bootId ?? "", 6),
  ].join("_");
}

/** The tag's pattern inside a temporary file's name. */
export const OWNER_TAG_PATTERN = "\\d+_\\d+_[0-9a-f]{6}_[0-9a-f]{6}";

/**
 * True when the writer a tag names is certainly gone: on this host, an earlier boot, a pid that no longer runs,
 * or a pid now held by a process that started at another time. Another host's writer is never judged gone.
 */
export function tagOwnerIsDead(tag: string): boolean {
  const [pid, ticks, host, boot] = tag.split("_");
  const self = currentProcess();
  const [, , ownHost, ownBoot] = ownerTag(self).split("_");
  if (host !== ownHost) return false;
  if (boot !== ownBoot) return true;
  if (!isAlive(Number(pid))) return true;
  const now = processStartTicks(Number(pid));
  return ticks !== "0" && now !== undefined && now !== ticks;
}
