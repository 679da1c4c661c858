#!/usr/bin/env node
// The `glacier` command runs the compiled CLI in ../dist, built by `npm install` at the repo root (the root
// `prepare` script) or by `npx turbo run build --filter=@glacier/cli...`.
import { enableCompileCache } from "node:module";

// V8's compiled code for the CLI and its dependencies, kept in the OS temp directory between runs (Node ≥ 22.1):
// measured on `glacier visualize`, 0.20 → 0.13 s of CPU. A failure to cache only costs that time.
enableCompileCache?.();
let cli;
try {
  cli = await import("../dist/main.js");
} catch (error) {
  if (error?.code !== "ERR_MODULE_NOT_FOUND" || !String(error.message).includes("dist")) throw error;
  process.stderr.write(
    "error: @glacier/cli is not built. Run npm install at the repository root " +
      "(or npx turbo run build --filter=@glacier/cli...).\n",
  );
  process.exit(70);
}
const code = await cli.main(process.argv.slice(2));
// Flush both streams, then exit: a run may leave worker threads or timers behind, and the exit code must not
// wait for them.
await Promise.all([process.stdout, process.stderr].map((s) => new Promise((done) => s.write("", done))));
// A run cancelled by Ctrl-C or SIGTERM (130, 143) ends by that signal, as the shell expects (see signals.ts).
const signal = cli.signalOf(code);
if (signal) cli.dieBy(signal);
process.exit(code);
