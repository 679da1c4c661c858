import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishablePackages, REPO, sharedTarballs } from "./support/packages.js";
import { describeRun, type Finished, runNode } from "./support/processes.js";
import { createScaffoldProject, type UserProject } from "./support/user-project.js";

/**
 * `glacier init` makes a project that works where users make it: outside the repository, with the packed
 * packages, installed with plain `npm install` on the Node running this test. Then `npx glacier run` runs its
 * pipeline (checked against an answer computed here from the sample CSV), `npm test` passes its vitest test,
 * and `tsc` and `glacier validate` find nothing.
 */

let project: UserProject;
const keep = process.env.GLACIER_KEEP_PACKED_PROJECTS === "1";

beforeAll(async () => {
  const tarballs = await sharedTarballs(publishablePackages());
  project = await createScaffoldProject({
    tarballs,
    // The repository's glacier command, as `npx glacier init` runs it here.
    init: (dir) =>
      runNode(join(REPO, "packages/cli/bin/glacier.js"), ["init", dir], {
        cwd: REPO,
        display: "glacier init",
      }),
  });
}, 300_000);
afterAll(() => {
  if (keep) console.log(`kept ${project?.dir}`);
  else project?.remove();
});

function ok(run: Finished): string {
  expect(run.code, describeRun(run)).toBe(0);
  return run.stdout;
}

/** Revenue and orders per day and region, from the CSV as the pipeline should compute them. */
function expectedRevenue(csv: string): { day: string; region: string; revenue: number; orders: number }[] {
  const groups = new Map<string, { day: string; region: string; revenue: number; orders: number }>();
  for (const line of csv.trim().split("\n").slice(1)) {
    const [, day = "", region = "", amount = ""] = line.split(",");
    if (region === "" || Number(amount) <= 0) continue;
    const group = groups.get(`${day} ${region}`) ?? { day, region, revenue: 0, orders: 0 };
    group.revenue += Number(amount);
    group.orders += 1;
    groups.set(`${day} ${region}`, group);
  }
  return [...groups.values()].sort((a, b) => (a.day + a.region < b.day + b.region ? -1 : 1));
}

describe("a project made by glacier init, installed from the packed packages", () => {
  it("npx glacier run: both steps run on the sample data and write the expected report", async () => {
    const stdout = ok(await project.npx(["glacier", "run"]));
    expect(stdout).toMatch(/^run \S+ succeeded \(2 steps: 2 succeeded\)$/m);
    const read = ok(
      await project.node("--input-type=module", [
        "-e",
        'import pl from "nodejs-polars"; console.log(JSON.stringify(pl.readParquet("data/shop/reports/daily_revenue.parquet").toRecords()));',
      ]),
    );
    const rows = JSON.parse(read) as { day: string; region: string; revenue: number; orders: number }[];
    const expected = expectedRevenue(readFileSync(join(project.dir, "data/shop/raw/orders.csv"), "utf8"));
    expect(rows.map((r) => [r.day, r.region, r.orders])).toEqual(
      expected.map((r) => [r.day, r.region, r.orders]),
    );
    rows.forEach((row, i) => expect(row.revenue).toBeCloseTo(expected[i]?.revenue ?? NaN, 6));
  });

  it("npx glacier run again: both steps are up to date", async () => {
    expect(ok(await project.npx(["glacier", "run"]))).toMatch(/^run \S+ succeeded \(2 steps: 2 skipped\)$/m);
  });

  it("npm test: the scaffold's own vitest test passes", async () => {
    const test = await project.npm(["test"]);
    expect(test.code, describeRun(test)).toBe(0);
    expect(`${test.stdout}${test.stderr}`).toMatch(/Tests\s+2 passed/);
  });

  it("tsc and glacier validate find nothing wrong", async () => {
    ok(await project.npx(["tsc"]));
    expect(ok(await project.npx(["glacier", "validate"]))).toMatch(
      /^ok: 1 pipeline, 2 steps, 3 buckets, no type errors \(pipelines\/revenue\.ts\)$/m,
    );
  });
});
