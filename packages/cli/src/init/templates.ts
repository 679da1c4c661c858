/**
 * The files `glacier init` writes: a small project with one pipeline, its sample data and its test. Kept as
 * text so the scaffold is exactly what a reader sees here; `scaffold-files.ts` fills in names and versions.
 */

/** The one pipeline: orders (CSV) → cleanOrders → clean/orders.parquet → dailyRevenue → reports. */
export const PIPELINE = `/**
 * Daily revenue per region, from raw orders.
 *
 *   data/shop/raw/orders.csv ──cleanOrders──▶ data/shop/clean/orders.parquet ──dailyRevenue──▶ data/shop/reports/daily_revenue.parquet
 *
 * npx glacier run                       runs both steps on this machine (again: skips what is up to date)
 * npx glacier run --param minOrders=3   keeps only groups with at least 3 orders
 * npx glacier visualize                 the lineage as Mermaid (--format html -o lineage.html for a page)
 */
import pl from "nodejs-polars";
import { Provider, param } from "@glacier/core";

/**
 * Buckets live under ./data, relative to where glacier runs. To run on AWS, use
 * new Provider({ cloud: "aws", region: "eu-west-1" }) and bind tasks to provider.serverless() or provider.spark().
 */
export const provider = new Provider({ cloud: "local", basePath: "data" });
const local = provider.local();

const rawOrders = provider.bucket({ bucket: "shop", path: "raw/orders.csv" });
const cleanedOrders = provider.bucket({
  bucket: "shop",
  path: "clean/orders.parquet",
  schema: { order_id: "int64", day: "string", region: "string", amount: "float64" },
});
const dailyRevenueReport = provider.bucket({ bucket: "shop", path: "reports/daily_revenue.parquet" });

/** Drops refunds (amounts at or below zero) and orders without a region. A plain function: easy to test. */
export function cleanOrders(df: pl.LazyDataFrame): pl.LazyDataFrame {
  return df
    .filter(pl.col("amount").gt(0).and(pl.col("region").isNotNull()))
    .select(pl.col("order_id").cast(pl.Int64), pl.col("day"), pl.col("region"), pl.col("amount").cast(pl.Float64));
}

/** Revenue and order count per day and region, keeping groups with at least \`minOrders\` orders. */
const dailyRevenue = local.task(
  function dailyRevenue(df: pl.LazyDataFrame, ctx) {
    // ctx.params is typed from the declaration below; ctx.log writes to the run's log (.glacier/runs/<id>/).
    ctx.log.info("aggregating", { minOrders: ctx.params.minOrders });
    return df
      .groupBy(["day", "region"])
      .agg(pl.col("amount").sum().alias("revenue"), pl.col("order_id").count().alias("orders"))
      .filter(pl.col("orders").gtEq(ctx.params.minOrders))
      .sort(["day", "region"]);
  },
  { params: { minOrders: param.integer({ default: 1, description: "Smallest group kept" }) } },
);

export const revenue = rawOrders
  .transform(local.task(cleanOrders))
  .to(cleanedOrders)
  .transform(dailyRevenue)
  .to(dailyRevenueReport)
  .withName("revenue", "Daily revenue per region");
`;

/** Deterministic sample orders; no dependency beyond Node, so \`glacier init\` can write them before npm install. */
export const SAMPLE_DATA = `/**
 * Writes the pipeline's source, <dir>/shop/raw/orders.csv: deterministic orders over the first week of January,
 * with some refunds (negative amounts) and orders without a region, which cleanOrders drops.
 *
 *   npm run sample-data          # into ./data
 *   node sample-data.ts DIR      # elsewhere
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

const REGIONS = ["north", "south", "east", "west", ""];

/** Writes \`rows\` orders under \`dir\`; returns the file written. */
export function writeSampleData(dir: string, rows = 1000): string {
  let seed = 42;
  // A small linear congruential generator: the same orders on every machine.
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const lines = ["order_id,day,region,amount"];
  for (let i = 1; i <= rows; i++) {
    const day = \`2024-01-0\${1 + Math.floor(random() * 7)}\`;
    const region = REGIONS[Math.floor(random() * REGIONS.length)] ?? "";
    const amount = (Math.round((random() * 220 - 20) * 100) / 100).toFixed(2);
    lines.push(\`\${i},\${day},\${region},\${amount}\`);
  }
  const file = join(dir, "shop", "raw", "orders.csv");
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, \`\${lines.join("\\n")}\\n\`);
  return file;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(\`wrote \${writeSampleData(process.argv[2] ?? "data")}\`);
}
`;

/** A unit test of the plain function, and the whole pipeline on the sample data in a temporary directory. */
export const PIPELINE_TEST = `import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pl from "nodejs-polars";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeSampleData } from "../sample-data.ts";
import { cleanOrders, revenue } from "./revenue.ts";

describe("cleanOrders", () => {
  it("drops refunds and orders without a region", () => {
    const orders = pl.DataFrame({
      order_id: [1, 2, 3],
      day: ["2024-01-01", "2024-01-01", "2024-01-02"],
      region: ["north", null, "south"],
      amount: [10.5, 4, -3],
    });
    const kept = cleanOrders(orders.lazy()).collectSync();
    expect(kept.toRecords()).toEqual([{ order_id: 1, day: "2024-01-01", region: "north", amount: 10.5 }]);
  });
});

describe("the revenue pipeline, on the sample data", () => {
  // The provider's buckets are relative to the working directory: run in a temporary one.
  const home = process.cwd();
  const dir = mkdtempSync(join(tmpdir(), "revenue-test-"));
  beforeAll(() => {
    process.chdir(dir);
    writeSampleData("data", 200);
  });
  afterAll(() => {
    process.chdir(home);
    rmSync(dir, { recursive: true, force: true });
  });

  it("runs both steps and writes one row per day and region", async () => {
    const result = await revenue.run({ mode: "local", projectDir: dir });
    expect(result.steps.map((s) => [s.name, s.status])).toEqual([
      ["cleanOrders", "succeeded"],
      ["dailyRevenue", "succeeded"],
    ]);
    const report = pl.readParquet("data/shop/reports/daily_revenue.parquet");
    expect(report.columns).toEqual(["day", "region", "revenue", "orders"]);
    const keys = report.toRecords().map((row) => \`\${row.day} \${row.region}\`);
    expect(new Set(keys).size).toBe(report.height);
  });
});
`;

/** Which modules hold the project's pipelines. */
export const CONFIG = `import { defineConfig } from "@glacier/cli";

// Globs relative to this file; every exported bucket with lineage in these modules is a pipeline.
export default defineConfig({ pipelines: ["pipelines/**/*.ts"] });
`;

/** Strict, for Node's own type stripping (erasable syntax, .ts imports) and for vitest. */
export const TSCONFIG = `{
  "compilerOptions": {
    "target": "ES2023",
    "lib": ["ES2023"],
    "module": "NodeNext",
    "moduleResolution": "NodeNext",
    "strict": true,
    "noUncheckedIndexedAccess": true,
    "allowImportingTsExtensions": true,
    "erasableSyntaxOnly": true,
    "verbatimModuleSyntax": true,
    "noEmit": true,
    "skipLibCheck": true,
    "types": ["node"]
  },
  "include": ["**/*.ts"],
  "exclude": ["node_modules", "data", "terraform"]
}
`;

export const GITIGNORE = `node_modules/
.glacier/
terraform/
data/shop/clean/
data/shop/reports/
`;

/** The project's README: what is where, and the commands. */
export const README = (name: string) => `# ${name}

A [Glacier](https://www.npmjs.com/package/@glacier/cli) project: data pipelines whose infrastructure emerges
from the code.

| file                          | what it is                                                      |
| ----------------------------- | --------------------------------------------------------------- |
| \`pipelines/revenue.ts\`        | the pipeline: raw orders → clean orders → daily revenue          |
| \`pipelines/revenue.test.ts\`   | its test (vitest): the cleaning function, then the whole run     |
| \`sample-data.ts\`              | writes deterministic sample orders to \`data/shop/raw/orders.csv\` |
| \`glacier.config.ts\`           | which modules hold pipelines                                     |

\`\`\`sh
npm install
npx glacier run          # both steps on this machine; run again and both are skipped (up to date)
npx glacier validate     # type errors and graph problems, with file:line:col
npx glacier visualize    # the lineage (Mermaid; --format html -o lineage.html for a page)
npx glacier analyze      # what it would cost on AWS
npm test                 # vitest
npm run sample-data      # write the sample data again
\`\`\`

Node 22.18 or later (Node 24 recommended): \`npm run sample-data\` runs TypeScript with Node's own type stripping.
`;
