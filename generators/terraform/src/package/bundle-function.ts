import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { GlacierError } from "@glacier/core";
import { build, type Message, type Plugin } from "esbuild";

/**
 * Bundles one Lambda function with esbuild: a generated entry imports the user's module (the exports that
 * carry the step) and Glacier's handler, `@glacier/aws/lambda-handler`. nodejs-polars comes from the shared
 * layer and the AWS SDK from the Node.js runtime, so both stay external; everything else (hash-wasm, pino …)
 * is inside the bundle. Paths in the output are relative to the project directory, so the bundle is the same
 * on every machine.
 *
 * Externals are loaded with `require` (from the bundle's `createRequire`), never with `import`: Lambda puts
 * the layer and the runtime's SDK on `NODE_PATH` (`/opt/nodejs/node_modules`, `/var/runtime/node_modules`),
 * which CommonJS resolution follows and ES module resolution ignores. A static `import "nodejs-polars"` in
 * `index.mjs` fails before the handler runs (`Runtime.ImportModuleError`).
 */

/** What to bundle: the module and exports that {@link locateSteps} found. */
export interface BundleRequest {
  readonly projectDir: string;
  /** Absolute path of the user's module. */
  readonly module: string;
  readonly exports: readonly string[];
  /** esbuild's target, matching the function's Lambda runtime (`node24` for `nodejs24.x`). Default `node24`. */
  readonly target?: string;
  /**
   * `lambda` (default): `index.mjs` exports `handler`. `container`: `index.mjs` runs the step when imported
   * (`@glacier/aws/container-entry` around the same handler) and carries the AWS SDK, which the container's
   * plain Node image does not have; only nodejs-polars stays external (the layer).
   */
  readonly flavour?: "lambda" | "container";
}

/** The bundle's files. */
export interface FunctionBundle {
  /** `index.mjs`: exports `handler`. */
  readonly code: Uint8Array;
  /**
   * `index.mjs.map` (mappings only, no sources), linked from `index.mjs`: with `--enable-source-maps` (the
   * function's NODE_OPTIONS) stack traces name the user's source files and lines.
   */
  readonly map: Uint8Array;
  /** Source files inside, relative to the project directory. */
  readonly inputs: readonly string[];
}

/** Loaded at run time by Lambda, not bundled: the polars layer and the Node.js runtime's AWS SDK. */
export const EXTERNAL_PACKAGES = ["nodejs-polars", "nodejs-polars-*", "@aws-sdk/*"];

/** The esbuild target: the Lambda runtime `glacier generate` deploys to (`nodejs24.x`). */
export const BUNDLE_TARGET = "node24";

const EXTERNAL = /^(nodejs-polars(-[^/]+)?|@aws-sdk\/[^/]+)(\/.*)?$/;

const HANDLER = "glacier:lambda-handler";
const CONTAINER_ENTRY = "glacier:container-entry";
/** What a container bundle leaves out: the polars layer only. */
const CONTAINER_EXTERNAL = /^nodejs-polars(-[^/]+)?(\/.*)?$/;
const HERE = dirname(fileURLToPath(import.meta.url));

/** Resolves Glacier's handler from this package, not from the user's project, which need not depend on it. */
const handlerPlugin: Plugin = {
  name: "glacier-lambda-handler",
  setup(b) {
    b.onResolve({ filter: /^glacier:(lambda-handler|container-entry)$/ }, async (args) => {
      const resolved = await b.resolve(`@glacier/aws/${args.path.slice("glacier:".length)}`, {
        resolveDir: HERE,
        kind: "import-statement",
      });
      return resolved.errors.length > 0 ? { errors: resolved.errors } : { path: resolved.path };
    });
  },
};

/**
 * Turns every `import` of an external package into a `require` through `NODE_PATH`: an import resolves to a
 * CommonJS shim (`module.exports = require("nodejs-polars")`) whose `require` stays external. esbuild calls
 * the banner's `require` for it, and interop gives named and default imports as usual.
 */
function externalsPlugin(external: RegExp): Plugin {
  return {
    name: "glacier-externals-through-require",
    setup(b) {
      b.onResolve({ filter: external }, (args) =>
        args.kind === "require-call"
          ? { path: args.path, external: true }
          : { path: args.path, namespace: "glacier-external" },
      );
      b.onLoad({ filter: /.*/, namespace: "glacier-external" }, (args) => ({
        contents: `module.exports = require(${JSON.stringify(args.path)});`,
        loader: "js",
      }));
    },
  };
}

function posix(path: string): string {
  return path.split(sep).join("/");
}

/** The generated entry: import the step's exports (or the whole namespace: `*`), export the handler built from them. */
export function entrySource(request: BundleRequest): string {
  const specifier = posix(relative(request.projectDir, request.module));
  const from = JSON.stringify(specifier.startsWith(".") ? specifier : `./${specifier}`);
  // A container bundle runs its step when the bootstrap imports it.
  const run =
    request.flavour === "container"
      ? [`import { runContainerStep } from "${CONTAINER_ENTRY}";`, "await runContainerStep(handler);"]
      : [];
  if (request.exports.includes("*")) {
    return [
      `import { createLambdaHandler } from "${HANDLER}";`,
      `import * as module from ${from};`,
      "export const handler = createLambdaHandler(module);",
      ...run,
      "",
    ].join("\n");
  }
  const names = request.exports.map((name, i) => `${name === "default" ? "default" : name} as e${i}`);
  const record = request.exports.map((name, i) => `${JSON.stringify(name)}: e${i}`);
  return [
    `import { createLambdaHandler } from "${HANDLER}";`,
    `import { ${names.join(", ")} } from ${from};`,
    `export const handler = createLambdaHandler({ ${record.join(", ")} });`,
    ...run,
    "",
  ].join("\n");
}

function failure(request: BundleRequest, errors: readonly Message[]): GlacierError {
  const first = errors[0];
  const where = first?.location ? ` (${first.location.file}:${first.location.line})` : "";
  return new GlacierError(
    "GENERATE_FAILED",
    `esbuild cannot bundle the Lambda code: ${first?.text ?? "unknown error"}${where}.`,
    {
      subject: { kind: "file", name: posix(relative(request.projectDir, request.module)) },
      hint: "Check that the module and its imports build (npx tsc --noEmit), and that its packages are installed.",
    },
  );
}

/**
 * @example
 * ```ts
 * const bundle = await bundleFunction({ projectDir: "/repo", module: "/repo/pipeline.ts", exports: ["sales"] });
 * bundle.inputs // ["pipeline.ts", "packages/core/src/bucket.ts", …]
 * ```
 */
export async function bundleFunction(request: BundleRequest): Promise<FunctionBundle> {
  let result;
  try {
    result = await build({
      stdin: {
        contents: entrySource(request),
        resolveDir: request.projectDir,
        sourcefile: "glacier-entry.mjs",
        loader: "js",
      },
      absWorkingDir: request.projectDir,
      outfile: join(request.projectDir, "index.mjs"),
      write: false,
      bundle: true,
      platform: "node",
      target: request.target ?? BUNDLE_TARGET,
      format: "esm",
      // Task names default to function names: renaming `function cleanSales` to avoid a clash in the bundle
      // would rename the task, and the handler would not find its step.
      keepNames: true,
      // Workspace packages publish TypeScript sources under this condition; bundling them needs no build step.
      conditions: ["source"],
      // CommonJS dependencies and the externals (see externalsPlugin) call require(); an ES module has none,
      // so give it one. It resolves from /var/task and then NODE_PATH, where Lambda puts layers and the SDK.
      banner: {
        js: 'import { createRequire as __glacierRequire } from "node:module";\nconst require = __glacierRequire(import.meta.url);',
      },
      // Linked (`//# sourceMappingURL=index.mjs.map`), for the function's NODE_OPTIONS=--enable-source-maps.
      sourcemap: "linked",
      sourcesContent: false,
      legalComments: "none",
      metafile: true,
      logLevel: "silent",
      plugins: [
        handlerPlugin,
        externalsPlugin(request.flavour === "container" ? CONTAINER_EXTERNAL : EXTERNAL),
      ],
    });
  } catch (error) {
    throw failure(request, (error as { errors?: Message[] }).errors ?? [{ text: String(error) } as Message]);
  }
  if (result.errors.length > 0) throw failure(request, result.errors);
  const code = result.outputFiles.find((f) => f.path.endsWith(".mjs"));
  const map = result.outputFiles.find((f) => f.path.endsWith(".map"));
  if (!code || !map) throw failure(request, [{ text: "esbuild wrote no output" } as Message]);
  return { code: code.contents, map: map.contents, inputs: Object.keys(result.metafile.inputs).sort() };
}
