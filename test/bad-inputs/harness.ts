import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import pl from "nodejs-polars";
import type { GlacierErrorCode } from "@glacier/core";
import { glacier, tempProject, type CliResult } from "../../packages/cli/test/helpers/cli.js";

/**
 * One bad input and what Glacier must do with it: the exit code, the error code, words the message must contain
 * (the offending bucket, step, file, column …) and a pattern for how it says to fix it. Every file under the
 * project's data directory is hashed before and after: byte-identical unless `writes` says the run may write it.
 */
export interface BadInput {
  readonly name: string;
  /** Which item of the "Nothing lost, ever" issue (or earlier work) the case belongs to, for the report. */
  readonly area: "ownership" | "sources" | "errors" | "definition" | "options" | "tasks" | "environment";
  /** Writes the project (pipeline, data) and runs what must happen first; "skip" when this machine cannot. */
  readonly setup: (p: CaseProject) => Promise<void | "skip"> | void | "skip";
  /** The `glacier` command under test, run in the project directory. */
  readonly args: readonly string[];
  /** 0 for a warning (`validate` still passes). */
  readonly exit: 0 | 1 | 2;
  readonly code: GlacierErrorCode;
  /** Texts the error line must contain; `<data>` is the project's data directory, `<dir>` the project's. */
  readonly names: readonly string[];
  /** How the message says to fix it. */
  readonly fix: RegExp;
  /** Data files (relative to the data directory) the command may write or change. Default: none. */
  readonly writes?: RegExp;
  /** Undoes what the setup did that a plain `rm -r` cannot (immutable flags, mounts). */
  readonly teardown?: (p: CaseProject) => void;
}

/** A throwaway project: `pipeline.ts` and data under `data/`, `.glacier/` beside them. */
export interface CaseProject {
  readonly dir: string;
  readonly data: string;
  /** `<data>/<path>` */
  path(path: string): string;
  /** Writes a frame (format by extension), text or bytes at `<data>/<path>`. */
  write(path: string, content: pl.DataFrame | string | Uint8Array): string;
  /** Writes `pipeline.ts`: the body follows a prelude defining `pl`, `provider`, `local`, `at(path, options)`. */
  pipeline(body: string, options?: { readonly aws?: boolean }): void;
  /** Runs glacier in the project (for what must happen before the command under test); throws on exit ≠ 0. */
  glacier(args: readonly string[]): Promise<CliResult>;
}

export function createProject(): CaseProject & { remove(): void } {
  const temp = tempProject({});
  const dir = temp.dir;
  const data = join(dir, "data");
  mkdirSync(data, { recursive: true });
  const path = (p: string) => join(data, p);
  return {
    dir,
    data,
    path,
    write(p, content) {
      const file = path(p);
      mkdirSync(dirname(file), { recursive: true });
      if (typeof content === "string" || content instanceof Uint8Array) writeFileSync(file, content);
      else if (p.endsWith(".csv")) content.writeCSV(file);
      else if (p.endsWith(".ndjson")) content.writeJSON(file, { format: "lines" });
      else content.writeParquet(file);
      return file;
    },
    pipeline(body, options = {}) {
      const provider = options.aws
        ? `new Provider({ cloud: "aws", region: "eu-west-1" })`
        : `new Provider({ cloud: "local", basePath: ${JSON.stringify(data)} })`;
      writeFileSync(
        join(dir, "pipeline.ts"),
        [
          `import pl from "nodejs-polars";`,
          `import { Pipeline, Provider, param } from "@glacier/core";`,
          `export const provider = ${provider};`,
          `const local = provider.local();`,
          `const at = (path: string, options: Record<string, unknown> = {}) => provider.bucket({ bucket: "acme", path, ...options });`,
          body,
          "",
        ].join("\n"),
      );
    },
    async glacier(args) {
      const result = await glacier(args, { cwd: dir });
      if (result.code !== 0)
        throw new Error(`glacier ${args.join(" ")} exited ${result.code}: ${result.stderr}${result.stdout}`);
      return result;
    },
    remove: temp.remove,
  };
}

/** Every file under `dir` (relative, sorted) with the SHA-256 of its bytes. */
export function hashTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile())
        out[relative(dir, full)] = createHash("sha256").update(readFileSync(full)).digest("hex");
    }
  };
  if (statSync(dir, { throwIfNoEntry: false })?.isDirectory()) walk(dir);
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** A deterministic sales frame. */
export function sales(n = 50, seed = 1): pl.DataFrame {
  const ids: number[] = [];
  const regions: string[] = [];
  const amounts: number[] = [];
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    ids.push(i + 1);
    regions.push(["north", "south", "east", "west"][x % 4] as string);
    amounts.push(((x % 20000) - 1000) / 100);
  }
  return pl.DataFrame({
    order_id: pl.Series("order_id", ids).cast(pl.Int64),
    region: regions,
    amount: pl.Series("amount", amounts).cast(pl.Float64),
  });
}

/**
 * Makes a directory unwritable even to this process: `chmod 555` for a normal user, `chattr +i` for root (whom
 * permissions do not stop). False when neither works here (the case is then skipped).
 */
export function makeUnwritable(path: string): boolean {
  if (process.getuid?.() === 0) spawnSync("chattr", ["+i", path]);
  else chmodSync(path, 0o555);
  try {
    writeFileSync(join(path, ".probe"), "");
    rmSync(join(path, ".probe"), { force: true });
    return false;
  } catch {
    return true;
  }
}

export function undoUnwritable(path: string): void {
  if (process.getuid?.() === 0) spawnSync("chattr", ["-i", path]);
  else chmodSync(path, 0o755);
}

/** Mounts a read-only tmpfs at `path` (root only); false when that is not possible here. */
export function mountReadOnly(path: string): boolean {
  mkdirSync(path, { recursive: true });
  return (
    process.getuid?.() === 0 &&
    spawnSync("mount", ["-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", path]).status === 0
  );
}

export function unmount(path: string): void {
  spawnSync("umount", [path]);
}
