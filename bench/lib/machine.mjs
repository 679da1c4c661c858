/** What the benchmark ran on: hardware, OS and the versions of every engine measured. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import { BENCH_DIR } from "./dataset.mjs";

const require = createRequire(import.meta.url);

function tryRun(command, args) {
  try {
    return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return null;
  }
}

function packageVersion(name) {
  try {
    const main = require.resolve(name);
    const root = main.slice(0, main.lastIndexOf(`node_modules/${name}/`) + `node_modules/${name}/`.length);
    return JSON.parse(readFileSync(`${root}package.json`, "utf8")).version;
  } catch {
    return null;
  }
}

/** A description of this machine and the software versions in play. */
export function machineInfo() {
  const osRelease = readFileSync("/etc/os-release", "utf8").match(/^PRETTY_NAME="?([^"\n]*)/m)?.[1] ?? null;
  return {
    cpu: os.cpus()[0]?.model ?? "unknown",
    cores: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: osRelease,
    kernel: os.release(),
    node: process.version,
    nodejsPolars: packageVersion("nodejs-polars"),
    duckdb: packageVersion("@duckdb/node-api"),
    python: tryRun("/usr/bin/python3", ["-c", "import sys; print(sys.version.split()[0])"]),
    pandas: tryRun("/usr/bin/python3", ["-c", "import pandas; print(pandas.__version__)"]),
    commit: tryRun("git", ["-C", BENCH_DIR, "rev-parse", "--short", "HEAD"]),
    dirty: (tryRun("git", ["-C", BENCH_DIR, "status", "--porcelain"]) ?? "") !== "",
  };
}
