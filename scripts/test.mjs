#!/usr/bin/env node
// `npm test`: every check CI runs, each phase announcing itself and its time, so a long step never looks like
// a hang.
//   1. build                 turbo, cached after npm install (and after any earlier run)
//   2. static checks, at once: typecheck (turbo) · ESLint · layering (dependency-cruiser) · Prettier ·
//      publint + attw. Each is mostly one process on one core, so two cores finish them in about the time of
//      the longest. Each prints a line (and its output when it fails) as it ends; a heartbeat says which are
//      still running.
//   3. vitest --typecheck    the default reporter, live. Packing is shared with step 2
//      (scripts/packed-packages.mjs); workers as vitest.config.ts says.
// Measured on a 2-core machine from a fresh clone (other load on it): the old chain of --silent phases took
// 516 s (typecheck 44, ESLint 16, publint + attw 12, Prettier 18, vitest 425 with one worker); this one 310 s
// (static checks 62 at once, vitest 248 with three workers and more tests).
import { spawn } from "node:child_process";
import { clearTimeout, setTimeout } from "node:timers";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: "1" };
const npx = (args) => ["npx", ["--no", "--", ...args]];
const NO_BACKGROUND_JIT = ["--no-maglev", "--no-concurrent-sparkplug", "--no-concurrent-recompilation"];
/** A static check still running after this is killed and fails, naming itself, instead of holding CI. */
const CHECK_LIMIT_MS = 600_000;
const started = performance.now();
const times = [];

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
const say = (text) => process.stdout.write(`\n── ${text}\n`);

/** Runs a command; `inherit` streams its output live, otherwise it is collected and returned. */
function run(label, [command, args], { inherit = false, limitMs } = {}) {
  const t0 = performance.now();
  return new Promise((done) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      env,
      stdio: inherit ? "inherit" : ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const timer =
      limitMs === undefined
        ? undefined
        : setTimeout(() => {
            output += `\n${label} still running after ${seconds(limitMs)}: killed (hung?)\n`;
            child.kill("SIGKILL");
          }, limitMs);
    child.on("close", () => clearTimeout(timer));
    if (!inherit) {
      child.stdout.on("data", (chunk) => (output += chunk));
      child.stderr.on("data", (chunk) => (output += chunk));
    }
    child.on("error", (error) => done({ label, code: 1, output: String(error), ms: performance.now() - t0 }));
    child.on("close", (code) => done({ label, code: code ?? 1, output, ms: performance.now() - t0 }));
  });
}

function record(result) {
  times.push([result.label, result.ms, result.code]);
  return result;
}

say("1/3 build (turbo; cached after npm install)");
const build = record(
  await run("build", npx(["turbo", "run", "build", "--output-logs=errors-only"]), { inherit: true }),
);
if (build.code !== 0) process.exit(build.code);

const checks = [
  ["typecheck", npx(["turbo", "run", "typecheck", "--output-logs=errors-only"])],
  ["eslint", npx(["eslint", "."])],
  ["layering", npx(["depcruise", "packages", "generators", "--config", ".dependency-cruiser.mjs"])],
  ["prettier", npx(["prettier", "--check", ".", "--log-level", "warn"])],
  // Without V8's background compilers: a short process that compiles this much JavaScript at once (publint on
  // every tarball) sometimes never exits on Node 24 — Node's exit-time deadlock between its platform shutdown
  // and a Maglev/Sparkplug job waiting for a main-thread GC (nodejs/node#54918); twice here, once in CI's time.
  ["publint + attw", ["node", [...NO_BACKGROUND_JIT, "scripts/lint-packages.mjs"]]],
];
say(`2/3 static checks, at once: ${checks.map(([label]) => label).join(" · ")}`);
const running = new Set(checks.map(([label]) => label));
const heartbeat = setInterval(
  () =>
    process.stdout.write(
      `   … still running: ${[...running].join(", ")} (${seconds(performance.now() - started)})\n`,
    ),
  15_000,
);
const results = await Promise.all(
  checks.map(([label, command]) =>
    run(label, command, { limitMs: CHECK_LIMIT_MS }).then((result) => {
      running.delete(label);
      record(result);
      process.stdout.write(`   ${result.code === 0 ? "ok  " : "FAIL"} ${label} (${seconds(result.ms)})\n`);
      if (result.code !== 0 && result.output.trim()) process.stdout.write(`${result.output.trimEnd()}\n`);
      return result;
    }),
  ),
);
clearInterval(heartbeat);
const failedCheck = results.find((r) => r.code !== 0);
if (failedCheck) process.exit(failedCheck.code);

say("3/3 vitest --typecheck (unit, end-to-end, packed install, type tests)");
const vitest = record(await run("vitest", npx(["vitest", "run", "--typecheck"]), { inherit: true }));

say(`npm test: ${vitest.code === 0 ? "passed" : "FAILED"} in ${seconds(performance.now() - started)}`);
for (const [label, ms, code] of times) {
  process.stdout.write(
    `   ${label.padEnd(15)} ${seconds(ms).padStart(8)}${code === 0 ? "" : "  (failed)"}\n`,
  );
}
process.exit(vitest.code);
