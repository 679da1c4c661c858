import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Where a task or step is written: the module file (an absolute path, or the frame's URL when it is not a file),
 * and the 1-based line and column of the call (`.task(`, `.sql(`, `.to(`) in the original source.
 *
 * @example
 * ```ts
 * const clean = local.task(function clean(df) { return df; }); // line 12 of /repo/pipeline.ts
 * clean.definedAt // { file: "/repo/pipeline.ts", line: 12, column: 22 }   (column of `task`)
 * ```
 */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** This package's own source (or dist) directory: frames inside it are Glacier's, not the user's. */
const CORE_DIR = dirname(fileURLToPath(import.meta.url));

function pathOf(name: string): string {
  if (!name.startsWith("file://")) return name;
  // Loaders may add a query to tell two loads apart (the CLI's `?glacier-loader=tsx`); the file is the same.
  return fileURLToPath(name.replace(/[?#].*$/, ""));
}

function insideCore(file: string): boolean {
  return file === CORE_DIR || file.startsWith(`${CORE_DIR}/`) || file.startsWith(`${CORE_DIR}\\`);
}

/**
 * The position in a rendered frame (`    at fn (file:12:3)` or `    at file:12:3`). The location is the text in
 * the frame's last parentheses (a path may hold spaces), or everything after `at `.
 */
function parseFrame(text: string): SourceLocation | undefined {
  const line =
    text
      .trimEnd()
      .split("\n")
      .at(-1)
      ?.replace(/^\s*at\s+/, "") ?? "";
  let inner = line;
  if (line.endsWith(")")) {
    let depth = 0;
    for (let i = line.length - 1; i >= 0; i--) {
      if (line[i] === ")") depth++;
      else if (line[i] === "(" && --depth === 0) {
        inner = line.slice(i + 1, -1);
        break;
      }
    }
  }
  const match = /^(.+):(\d+):(\d+)$/.exec(inner);
  if (!match || inner.includes("eval at ")) return undefined;
  return { file: pathOf(match[1] as string), line: Number(match[2]), column: Number(match[3]) };
}

/**
 * @internal The location of the first stack frame outside `@glacier/core`: the user's `.task(` / `.sql(` /
 * `.to(` call. `undefined` when no frame outside core has a file (a bundle holding core and user code together).
 *
 * The frame is chosen from V8's structured call sites; its position is rendered by the `Error.prepareStackTrace`
 * in place, so it is the *original* position wherever the runtime maps one: Node's own formatter applies source
 * maps when they are enabled (tsx enables them; Node's type stripping keeps positions as written), and test
 * runners that transform code (vitest) install a formatter that maps through their source maps. The raw
 * positions of a structured call site are those of the transformed code, which the fingerprint could not find
 * in the file.
 */
export function callerLocation(): SourceLocation | undefined {
  const previousPrepare = Error.prepareStackTrace;
  const previousLimit = Error.stackTraceLimit;
  const holder: { stack?: SourceLocation | undefined } = {};
  try {
    Error.stackTraceLimit = 50;
    Error.prepareStackTrace = (error, sites) => {
      const site = sites.find((s) => {
        const name = s.getFileName();
        return name !== undefined && name !== null && !name.startsWith("node:") && !insideCore(pathOf(name));
      });
      if (!site) return undefined;
      const rendered =
        typeof previousPrepare === "function"
          ? parseFrame(String(previousPrepare(error, [site])))
          : undefined;
      const line = site.getLineNumber();
      const column = site.getColumnNumber();
      if (rendered) return rendered;
      if (line === null || column === null) return undefined;
      return { file: pathOf(site.getFileName() as string), line, column };
    };
    Error.captureStackTrace(holder, callerLocation);
    return holder.stack;
  } catch {
    // A location is a help, never a reason to refuse a definition.
    return undefined;
  } finally {
    Error.prepareStackTrace = previousPrepare;
    Error.stackTraceLimit = previousLimit;
  }
}
