#!/usr/bin/env node
// Measures how fast `glacier` answers: wall time of the real binary, median of N runs per case, beside the
// floor (an empty `node` process) and what the example modules cost by themselves (importing nodejs-polars).
// CPU time (user + sys, from GNU time when installed) is reported too: on a busy machine it moves much less
// than wall time. Run from the repository root after a build: node packages/cli/bench/startup.mjs [runs]
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, URL } from "node:url";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const bin = fileURLToPath(new URL("../bin/glacier.js", import.meta.url));
const runs = Number(process.argv[2] ?? 9);

const cases = [
  ["node -e 0 (floor)", ["-e", "0"]],
  ["node: import nodejs-polars", ["-e", "require('nodejs-polars')"]],
  ["glacier --version", [bin, "--version"]],
  ...["simple", "complete", "multi-source"].map((e) => [
    `glacier visualize examples/${e}`,
    [bin, "visualize", `examples/${e}/pipeline.ts`],
  ]),
  [
    "glacier visualize --format html (complete)",
    [bin, "visualize", "examples/complete/pipeline.ts", "-f", "html"],
  ],
  ["glacier validate (discovery, examples/simple)", [bin, "--cwd", "examples/simple", "validate"]],
];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const gnuTime = existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;
const scratch = mkdtempSync(join(tmpdir(), "glacier-bench-"));
const cpuFile = join(scratch, "cpu");

/** Runs one case; returns wall and CPU milliseconds (CPU NaN without GNU time). */
function measure(args) {
  const [command, argv] = gnuTime
    ? [gnuTime, ["-f", "%U %S", "-o", cpuFile, process.execPath, ...args]]
    : [process.execPath, args];
  const start = process.hrtime.bigint();
  const result = spawnSync(command, argv, { cwd: repo, stdio: "ignore" });
  const wall = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${args.join(" ")} exited ${result.status}`);
  const cpu = gnuTime
    ? readFileSync(cpuFile, "utf8")
        .trim()
        .split(/\s+/)
        .reduce((sum, s) => sum + Number(s) * 1000, 0)
    : Number.NaN;
  return { wall, cpu };
}
console.log(
  `load average before: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}; ${runs} runs each`,
);
const ms = (n) => `${n.toFixed(0).padStart(5)} ms`;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
for (const [name, args] of cases) {
  const samples = Array.from({ length: runs }, () => measure(args));
  const walls = samples.map((s) => s.wall);
  const cpu = median(samples.map((s) => s.cpu));
  console.log(
    `${name.padEnd(48)} wall median ${ms(median(walls))}  min ${ms(Math.min(...walls))}  cpu ${ms(cpu)}`,
  );
}
console.log(`load average after: ${load()}`);
rmSync(scratch, { recursive: true, force: true });
