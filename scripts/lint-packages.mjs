#!/usr/bin/env node
// Lints what we publish, as npm would publish it: every non-private workspace package is `npm pack`ed once
// (shared with the tests that install the tarballs: scripts/packed-packages.mjs),
// then its tarball is checked by
//   - publint (package.json fields, exports, files that are referenced but not packed), strict: warnings fail;
//   - Are The Types Wrong (attw), profile "esm-only".
// Why "esm-only": the packages are ESM only ("type": "module", exports without a "require" condition) and
// need Node >= 22.12, so their consumers resolve them as Node ESM (TypeScript "node16"/"nodenext" from an
// ES module) or through a bundler, and attw checks exactly those two. It skips "node10" (TypeScript's legacy
// `moduleResolution: node`, which ignores "exports", cannot see subpaths like @glacier/aws/lambda-handler,
// and is deprecated in TypeScript 6 and gone in 7) and "node16 from CJS" (a CommonJS `require`, which we do
// not offer). The "strict" profile would fail on both by design; "node16" would still fail on the CJS one.
// Needs a build first (`npm run build`; `npm test` builds before linting); `npm run lint` runs it after ESLint.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { publint } from "publint";
import { formatMessage } from "publint/utils";
import { packedPackages, publishable, ROOT } from "./packed-packages.mjs";

const require = createRequire(import.meta.url);

/** Resolves once `node script args…` exits; collects its output. */
function run(script, args) {
  return new Promise((done, fail) => {
    // The same V8 flags as this process (scripts/test.mjs starts it without background compilers).
    const child = spawn(process.execPath, [...process.execArgv, script, ...args], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("error", fail);
    child.on("close", (code) => done({ code, output }));
  });
}

function attwBin() {
  const manifestPath = require.resolve("@arethetypeswrong/cli/package.json");
  const { bin } = JSON.parse(readFileSync(manifestPath, "utf8"));
  return join(dirname(manifestPath), typeof bin === "string" ? bin : bin.attw);
}

const packages = publishable();
const unbuilt = packages.filter(({ dir }) => !existsSync(join(dir, "dist")));
if (unbuilt.length > 0) {
  console.error(
    `lint-packages: not built: ${unbuilt.map((p) => p.name).join(", ")}. Run npm run build first.`,
  );
  process.exit(1);
}

let failed = false;
{
  // Packed once per built tree, and shared with the tests that install the tarballs (see packed-packages.mjs).
  const tarballs = await packedPackages(packages);

  const attw = attwBin();
  const checks = packages.map(async ({ name }) => {
    const tarball = tarballs.get(name);
    if (tarball === undefined) throw new Error(`npm pack did not pack ${name}`);
    const lines = [];
    const bytes = readFileSync(tarball);
    const packedTarball = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    const { messages, pkg } = await publint({ pack: { tarball: packedTarball }, strict: true });
    for (const message of messages) lines.push(`  publint ${message.type}: ${formatMessage(message, pkg)}`);
    const errors = messages.filter((m) => m.type === "error").length;
    const types = await run(attw, [tarball, "--profile", "esm-only", "--format", "ascii", "--no-color"]);
    if (types.code !== 0) lines.push(types.output.trimEnd().replace(/^/gm, "  attw: "));
    return { name, ok: errors === 0 && types.code === 0, lines };
  });
  for (const result of await Promise.all(checks)) {
    console.log(`${result.ok ? "ok  " : "FAIL"} ${result.name} (publint --strict, attw --profile esm-only)`);
    for (const line of result.lines) console.log(line);
    failed ||= !result.ok;
  }
}
process.exit(failed ? 1 : 0);
