/**
 * Runs one command as its own process tree and measures it from outside:
 *
 * - wall time: the harness's monotonic clock from spawn to exit (includes process start-up and module loading,
 *   which is what a user waits for);
 * - peak RSS: GNU time's `%M`, the kernel's high-water mark (`ru_maxrss` from wait4) of the largest process in
 *   the tree, which catches short spikes that polling misses;
 * - tree peak RSS: the largest sum of RSS over the whole process tree, sampled from /proc every 50 ms, which
 *   catches memory spread over several processes (a spawned helper) that `%M` reports only per process.
 *
 * - anonymous peak: the same sum restricted to anonymous memory (`RssAnon`: heaps, buffers), leaving out pages
 *   of memory-mapped files. Polars memory-maps the Parquet files it scans, so its RSS includes the resident part
 *   of its input files (page cache the kernel can drop at any time); this number separates the two.
 *
 * Peak RSS in the tables is the larger of the first two; the anonymous peak is shown beside it.
 */
import { spawn } from "node:child_process";
import { clearInterval, setInterval } from "node:timers";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const POLL_MS = 50;

function readOr(path, fallback) {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return fallback;
  }
}

/** The pids of `pid`'s descendants (children of every thread, recursively). */
function descendants(pid) {
  const found = [];
  const queue = [pid];
  while (queue.length > 0) {
    const current = queue.pop();
    let tasks = [];
    try {
      tasks = readdirSync(`/proc/${current}/task`);
    } catch {
      continue;
    }
    for (const tid of tasks) {
      for (const child of readOr(`/proc/${current}/task/${tid}/children`, "").split(" ").filter(Boolean)) {
        found.push(Number(child));
        queue.push(Number(child));
      }
    }
  }
  return found;
}

/** Resident memory of one process in KiB: total, and the anonymous part (heap, not mapped files). */
function rssKiB(pid) {
  const status = readOr(`/proc/${pid}/status`, "");
  const field = (name) => Number(status.match(new RegExp(`^${name}:\\s+(\\d+) kB`, "m"))?.[1] ?? 0);
  return { total: field("VmRSS"), anon: field("RssAnon") };
}

/**
 * Runs `command` with `args` under `/usr/bin/time`, returns wall/RSS numbers and the child's stdout.
 * Rejects (loudly) when the command exits non-zero.
 */
export function measure(command, args, { cwd, env } = {}) {
  const scratch = mkdtempSync(join(tmpdir(), "glacier-bench-"));
  const timeFile = join(scratch, "time.txt");
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn("/usr/bin/time", ["-f", "%e %M %U %S", "-o", timeFile, command, ...args], {
      cwd,
      env: env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    let treePeak = 0;
    let anonPeak = 0;
    // The time process itself (~2 MB) is excluded: only the measured command's tree counts.
    const poll = setInterval(() => {
      const rss = descendants(child.pid).map(rssKiB);
      treePeak = Math.max(
        treePeak,
        rss.reduce((sum, r) => sum + r.total, 0),
      );
      anonPeak = Math.max(
        anonPeak,
        rss.reduce((sum, r) => sum + r.anon, 0),
      );
    }, POLL_MS);
    child.on("error", reject);
    child.on("close", (code) => {
      clearInterval(poll);
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      const timeLine = readOr(timeFile, "").trim().split("\n").pop() ?? "";
      rmSync(scratch, { recursive: true, force: true });
      if (code !== 0) {
        reject(new Error(`${command} ${args.join(" ")} exited with ${code}\n${stderr.slice(-4000)}`));
        return;
      }
      const [elapsed, maxRss, user, sys] = timeLine.split(" ").map(Number);
      resolve({
        wallMs: Math.round(wallMs),
        timeElapsedS: elapsed,
        peakRssKiB: maxRss,
        treePeakRssKiB: treePeak,
        anonPeakKiB: anonPeak,
        userS: user,
        sysS: sys,
        stdout,
        stderr,
      });
    });
  });
}

/** The last JSON object line a variant printed (its per-step breakdown), or null. */
export function breakdown(stdout) {
  const line = stdout
    .trim()
    .split("\n")
    .reverse()
    .find((l) => l.startsWith("{"));
  return line ? JSON.parse(line) : null;
}
