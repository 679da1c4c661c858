import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The headless browser for the HTML test: $CHROMIUM, else Debian's /usr/bin/chromium or one on the PATH. */
export function findChromium(): string | undefined {
  const candidates = [process.env.CHROMIUM, "chromium", "chromium-browser", "google-chrome"].filter(
    (c): c is string => Boolean(c),
  );
  for (const candidate of candidates) {
    const found = spawnSync("sh", ["-c", `command -v "${candidate}"`], { encoding: "utf8" });
    if (found.status === 0 && found.stdout.trim()) return found.stdout.trim();
  }
  return undefined;
}

// No network, no first-run work, no sandbox (CI runs as root in a VM).
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--hide-scrollbars",
  "--window-size=1400,900",
  // Lets the page's script run before the DOM is dumped or the screenshot is taken.
  "--virtual-time-budget=5000",
];

/** Runs headless Chromium on a file with extra flags (`--dump-dom`, `--screenshot=…`); returns its stdout. */
export function chromium(
  binary: string,
  file: string,
  flags: readonly string[],
): Promise<{ stdout: string; stderr: string }> {
  const profile = mkdtempSync(join(tmpdir(), "glacier-chromium-"));
  return new Promise((done, fail) => {
    const child = spawn(binary, [...FLAGS, `--user-data-dir=${profile}`, ...flags, `file://${file}`]);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", fail);
    child.on("close", (code) => {
      rmSync(profile, { recursive: true, force: true });
      if (code === 0) done({ stdout, stderr });
      else fail(new Error(`chromium exited ${code}:\n${stderr}`));
    });
  });
}
