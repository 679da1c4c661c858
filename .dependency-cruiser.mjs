// The layering of Glacier's packages, checked by `npm run lint` (dependency-cruiser). Dependencies point
// inward: cli → {local, aws, terraform, analyze} → {engine, task-code, aws-model} → core. Every rule holds for sources and
// tests alike; the one thing tests may do besides is import another package's test fixtures
// (`<package>/test/fixtures/…`, as the cloud tests use the Terraform generator's) and the private
// @glacier/test-utils package.

/** Every package directory, by name. */
const PACKAGES = {
  core: "packages/core",
  engine: "packages/engine",
  "task-code": "packages/task-code",
  "aws-model": "packages/aws-model",
  local: "packages/local",
  aws: "packages/aws",
  analyze: "packages/analyze",
  cli: "packages/cli",
  terraform: "generators/terraform",
  "test-utils": "packages/test-utils",
};

/** Which packages each package may depend on (besides itself). */
const ALLOWED = {
  core: [],
  engine: ["core"],
  "task-code": ["core"],
  "aws-model": ["core"],
  local: ["core", "engine", "task-code"],
  aws: ["core", "engine", "aws-model", "local", "task-code"],
  analyze: ["core", "aws-model", "engine"],
  terraform: ["core", "aws-model", "task-code"],
  cli: Object.keys(PACKAGES),
  "test-utils": [],
};

/** Shared test fixtures: any package's tests may import them, no package's src may (the rule below). */
const TEST_ONLY = ["test-utils"];

const TEST_FIXTURES = "^(packages|generators)/[^/]+/test/fixtures/";
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");

/** Libraries too heavy (or too slow to load) for the packages that must stay light. */
const HEAVY = "(^|/)node_modules/(nodejs-polars[^/]*|@aws-sdk/[^/]+|cdktn|@cdktn/[^/]+|esbuild|ts-morph)/";
const BUILD_TOOLS = "(^|/)node_modules/(cdktn|@cdktn/[^/]+|esbuild|ts-morph)/";

const packageRules = Object.entries(ALLOWED)
  .filter(([name]) => name !== "cli")
  .map(([name, allowed]) => {
    const others = Object.entries(PACKAGES)
      .filter(([other]) => other !== name && !allowed.includes(other) && !TEST_ONLY.includes(other))
      .map(([, dir]) => escape(dir));
    return {
      name: `${name}-depends-only-on-${allowed.join("-") || "nothing"}`,
      comment: `${PACKAGES[name]} may depend on ${allowed.length > 0 ? allowed.map((a) => `@glacier/${a}`).join(", ") : "no other @glacier package"}.`,
      severity: "error",
      from: { path: `^${escape(PACKAGES[name])}/` },
      to: { path: `^(${others.join("|")})/`, pathNot: TEST_FIXTURES },
    };
  });

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    ...packageRules,
    {
      name: "no-circular",
      comment:
        "No module cycle that runs: modules may name each other's types (a node type names the bucket type), but never load each other. Packages cannot form a cycle at all: the rules above allow only arrows of an acyclic order.",
      severity: "error",
      from: {},
      to: {
        circular: true,
        dependencyTypesNot: ["type-only"],
        viaOnly: { dependencyTypesNot: ["type-only"] },
      },
    },
    {
      name: "light-packages-load-no-heavy-library",
      comment:
        "core, engine, task-code and aws-model load no polars, AWS SDK, cdktn, esbuild or ts-morph at run time (types are fine: the DSL's task signatures are polars-typed), so `glacier visualize` and `glacier runs` start fast.",
      severity: "error",
      from: { path: "^packages/(core|engine|task-code|aws-model)/" },
      to: { path: HEAVY, dependencyTypesNot: ["type-only"] },
    },
    {
      name: "analyze-uses-no-build-tool",
      comment: "analyze never loads cdktn, esbuild or ts-morph.",
      severity: "error",
      from: { path: "^packages/analyze/" },
      to: { path: BUILD_TOOLS },
    },
    {
      name: "sources-do-not-import-tests-or-examples",
      comment: "A package's src never imports test code or the examples.",
      severity: "error",
      from: { path: "^(packages|generators)/[^/]+/src/" },
      to: { path: "^((packages|generators)/[^/]+/test/|examples/)" },
    },
    {
      name: "sources-do-not-import-test-utils",
      comment:
        "@glacier/test-utils (private) holds test fixtures: tests import it, a package's src never does.",
      severity: "error",
      from: { path: "^(packages|generators)/[^/]+/src/", pathNot: "^packages/test-utils/" },
      to: { path: "^packages/test-utils/" },
    },
    {
      name: "no-unresolvable-imports",
      comment:
        "Every import resolves (a package import that does not resolve is not checked by the rules above).",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(dist|\\.turbo)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    // Workspace packages resolve to their sources (the `source` export condition), so an arrow between two
    // packages is seen as one between their directories.
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["source", "import", "types", "default"],
      extensions: [".ts", ".js", ".mjs", ".d.ts"],
    },
    preserveSymlinks: false,
  },
};
