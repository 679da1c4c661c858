import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  entryPoints,
  oldestAdmitted,
  publishablePackages,
  readManifest,
  REPO,
  sharedTarballs,
} from "./support/packages.js";
import { describeRun, type Finished } from "./support/processes.js";
import { createUserProject, installedCopies, type UserProject } from "./support/user-project.js";

/**
 * Packages that work where users install them: every publishable package is `npm pack`ed, installed from its
 * tarball into a fresh project outside the repository next to the user's own nodejs-polars, and the `glacier`
 * command runs a two-step pipeline there on the Node running this test (the reference runtime). Two projects:
 * one with the nodejs-polars the repository develops against, one with the oldest release the peer range
 * admits. Installs are slow (~15 s each, with a warm npm cache), so both start at once.
 */

const PACKAGES = publishablePackages();
const POLARS = "nodejs-polars";

/** The nodejs-polars peer range, as @glacier/local (the package that runs polars) declares it. */
const PEER_RANGE = readManifest(join(REPO, "packages/local")).peerDependencies?.[POLARS];
/** The nodejs-polars the repository's own tests run on. */
const DEV_POLARS = readManifest(join(REPO, "node_modules", POLARS)).version;

interface Variant {
  readonly label: string;
  readonly title: string;
  /** The exact nodejs-polars the project installs, given the oldest release the peer range admits. */
  readonly polars: (oldest: string) => string;
  /** Started in beforeAll, both at once; each variant's tests await their own. */
  project?: Promise<UserProject>;
}

const VARIANTS: Variant[] = [
  {
    label: "dev-polars",
    title: `the repository's nodejs-polars (${DEV_POLARS})`,
    polars: () => DEV_POLARS,
  },
  {
    label: "oldest-polars",
    title: `the oldest nodejs-polars that ${PEER_RANGE} admits`,
    polars: (oldest) => oldest,
  },
];

const keep = process.env.GLACIER_KEEP_PACKED_PROJECTS === "1";

beforeAll(async () => {
  if (PEER_RANGE === undefined) throw new Error(`@glacier/local declares no ${POLARS} peer dependency`);
  const [tarballs, oldest] = await Promise.all([
    sharedTarballs(PACKAGES),
    oldestAdmitted(POLARS, PEER_RANGE),
  ]);
  for (const variant of VARIANTS) {
    variant.project = createUserProject({
      label: variant.label,
      polars: variant.polars(oldest),
      tarballs,
      entryPoints: PACKAGES.flatMap(entryPoints),
    });
    // Awaited by the variant's own tests; a failure shows there, not as an unhandled rejection here.
    variant.project.catch(() => {});
  }
}, 300_000);

afterAll(async () => {
  for (const variant of VARIANTS) {
    const project = await variant.project?.catch(() => undefined);
    if (keep) console.log(`kept ${project?.dir}`);
    else project?.remove();
  }
});

describe("the publishable packages", () => {
  it("are every non-private workspace package: the @glacier packages, not the examples", () => {
    const names = PACKAGES.map((pkg) => pkg.name);
    expect(names).toEqual(
      expect.arrayContaining([
        "@glacier/analyze",
        "@glacier/aws",
        "@glacier/cli",
        "@glacier/core",
        "@glacier/local",
        "@glacier/terraform",
      ]),
    );
    for (const pkg of PACKAGES) {
      expect(pkg.name).toMatch(/^@glacier\//);
      expect(pkg.dir).not.toMatch(/^examples\//);
    }
  });

  it("never depend on nodejs-polars, and peer on it with one range (one copy per user project)", () => {
    for (const { name, manifest } of PACKAGES) {
      expect(manifest.dependencies?.[POLARS], `${name} dependencies`).toBeUndefined();
      const peer = manifest.peerDependencies?.[POLARS];
      if (peer !== undefined) expect(peer, `${name} peerDependencies`).toBe(PEER_RANGE);
    }
  });
});

/** The pipeline's answer for the fixture's sample data (refunds and zero amounts dropped). */
const DAILY_TOTALS = [
  { day: "2024-01-01", region: "north", revenue: 10.5, orders: 1 },
  { day: "2024-01-01", region: "south", revenue: 4, orders: 1 },
  { day: "2024-01-02", region: "north", revenue: 7.25, orders: 1 },
  { day: "2024-01-02", region: "south", revenue: 3, orders: 2 },
];
const CLEAN = "data/packed-shop/clean/orders.parquet";
const DAILY = "data/packed-shop/reports/daily.parquet";

/** The command's stdout, after checking it exited 0 (the failure message carries the whole output). */
function ok(run: Finished): string {
  expect(run.code, describeRun(run)).toBe(0);
  return run.stdout;
}

for (const variant of VARIANTS) {
  describe(`a user project with ${variant.title}`, () => {
    let project: UserProject;
    beforeAll(async () => {
      project = await variant.project!;
    }, 300_000);

    it("has exactly one nodejs-polars (the requested one) and one copy of each @glacier package", async () => {
      expect(installedCopies(project.dir, POLARS)).toEqual([
        { path: `node_modules/${POLARS}`, version: project.polars },
      ]);
      const lock = JSON.parse(readFileSync(join(project.dir, "package-lock.json"), "utf8")) as {
        packages: Record<string, { resolved?: string }>;
      };
      for (const { name, manifest } of PACKAGES) {
        expect(installedCopies(project.dir, name)).toEqual([
          { path: `node_modules/${name}`, version: manifest.version },
        ]);
        // From our tarball, never from the registry.
        expect(lock.packages[`node_modules/${name}`]?.resolved).toMatch(/^file:.*\.tgz$/);
      }
      // npm agrees, and finds every peer dependency satisfied (it exits non-zero on invalid or missing ones).
      const ls = await project.npm(["ls", POLARS, "--all"]);
      expect(ok(ls)).not.toMatch(/invalid|UNMET|extraneous/);
    });

    it("type-checks the pipeline and every entry point against the packed declarations (tsc)", async () => {
      ok(await project.npx(["tsc", "-p", "."]));
    });

    it("glacier run: runs both steps and writes the expected rows", async () => {
      const run = ok(await project.npx(["glacier", "run", "--local-storage", "data"]));
      expect(run).toMatch(/^run \S+ succeeded \(2 steps: 2 succeeded\)$/m);
      expect(run).toMatch(/^\s*cleanOrders\s+succeeded\s+5\s/m);
      expect(run).toMatch(/^\s*dailyTotals\s+succeeded\s+4\s/m);

      const read = ok(await project.node("read-parquet.mjs", [CLEAN, DAILY]));
      const frames = JSON.parse(read) as Record<
        string,
        { columns: string[]; rows: Record<string, unknown>[] }
      >;
      expect(frames[CLEAN]?.columns).toEqual(["day", "region", "amount"]);
      expect(frames[CLEAN]?.rows.map((row) => Number(row.amount)).sort((a, b) => a - b)).toEqual([
        1, 2, 4, 7.25, 10.5,
      ]);
      expect(frames[DAILY]).toEqual({ columns: ["day", "region", "revenue", "orders"], rows: DAILY_TOTALS });
    });

    it("glacier run again: both steps are up to date", async () => {
      const rerun = ok(await project.npx(["glacier", "run", "--local-storage", "data"]));
      expect(rerun).toMatch(/^run \S+ succeeded \(2 steps: 2 skipped\)$/m);
    });

    it("glacier visualize: a Mermaid graph of both steps and their buckets", async () => {
      const mermaid = ok(await project.npx(["glacier", "visualize"]));
      expect(mermaid).toMatch(/^graph LR$/m);
      for (const text of [
        "cleanOrders",
        "dailyTotals",
        "packed-shop/raw/orders.csv",
        "packed-shop/reports/daily.parquet",
      ])
        expect(mermaid).toContain(text);
      expect(mermaid).toMatch(/s_cleanOrders --> \S*clean_orders_parquet/);
      expect(mermaid).toMatch(/clean_orders_parquet --> s_dailyTotals/);
    });

    it("glacier validate: ok", async () => {
      expect(ok(await project.npx(["glacier", "validate"]))).toMatch(
        /^ok: 1 pipeline, 2 steps, 3 buckets, no type errors \(pipeline\.ts\)$/m,
      );
    });

    it("glacier generate: Terraform with the Lambda, its bundle and a layer of the project's polars", async () => {
      const out = ok(await project.npx(["glacier", "generate", "terraform"]));
      expect(out).toContain("wrote terraform/main.tf.json");
      const main = JSON.parse(readFileSync(join(project.dir, "terraform/main.tf.json"), "utf8")) as {
        resource: Record<string, Record<string, Record<string, unknown>>>;
      };
      for (const type of [
        "aws_s3_bucket",
        "aws_lambda_function",
        "aws_lambda_layer_version",
        "aws_sfn_state_machine",
      ])
        expect(Object.keys(main.resource[type] ?? {}), type).not.toHaveLength(0);
      expect(Object.values(main.resource.aws_s3_bucket ?? {}).map((b) => b.bucket)).toContain("packed-shop");
      const [lambda, ...more] = Object.values(main.resource.aws_lambda_function ?? {});
      expect(more).toHaveLength(0);
      expect(lambda?.memory_size).toBe(1024);
      // The step's bundle, and the layer built from the polars this project installed.
      const bundle = String(lambda?.filename).replace("${path.module}/", "");
      expect(statSync(join(project.dir, "terraform", bundle)).size).toBeGreaterThan(1000);
      const layer = `terraform/assets/layers/nodejs-polars-${project.polars}-x86_64.zip`;
      expect(existsSync(join(project.dir, layer)), layer).toBe(true);
    });

    it("glacier analyze --offline: the cost and duration report of both steps", async () => {
      const report = ok(await project.npx(["glacier", "analyze", "--offline"]));
      expect(report).toMatch(/^Analysis of 2 steps in eu-west-1, offline/m);
      expect(report).toMatch(/^cleanOrders\s+lambda\s/m);
      expect(report).toMatch(/^dailyTotals\s+in-process\s/m);
      expect(report).toMatch(/^Cost per run: \$\d+\.\d+$/m);
      expect(report).toMatch(/^\s*function\s+glacier-clean-orders-/m);
    });
  });
}
