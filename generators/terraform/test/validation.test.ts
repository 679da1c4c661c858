import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { GlacierError, Pipeline, Provider, type LineageGraph } from "@glacier/core";
import { describe, expect, it } from "vitest";
import { generateTerraform, type TerraformGenerateOptions } from "../src/index.js";
import { POLARS_VERSION, tempDir } from "./support.js";

const root = tempDir("validation");
let n = 0;

const aws = new Provider({ cloud: "aws", region: "eu-west-1" });
const lambda = aws.serverless();
const spark = aws.spark();
const raw = aws.bucket({ bucket: "acme-lake", path: "raw/sales.parquet" });
const clean = aws.bucket({ bucket: "acme-lake", path: "clean/sales.parquet" });
const identity = lambda.task(function identity(df) {
  return df;
});
const total = spark.sql("total", "SELECT SUM(amount) AS total FROM input");

/** Every file of a directory with its contents. */
function snapshotDir(dir: string): [string, string][] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort()
    .map((path) => [path, readFileSync(path, "utf8")]);
}

/** Generates into a fresh directory; returns the error, and checks the directory was never created. */
async function failure(
  graph: LineageGraph,
  options: Partial<TerraformGenerateOptions> = {},
): Promise<GlacierError> {
  const outputDir = join(root, `out-${n++}`);
  const error = await generateTerraform(graph, { outputDir, ...options }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(existsSync(outputDir), "nothing written").toBe(false);
  expect(GlacierError.is(error), String(error)).toBe(true);
  return error as GlacierError;
}

describe("validation before synthesis", () => {
  it("writes nothing when the plan refuses the graph", async () => {
    const local = new Provider({ cloud: "local", basePath: "./data" });
    const graph = local
      .bucket({ bucket: "acme", path: "raw.csv" })
      .transform(
        local.local().task(function copy(df) {
          return df;
        }),
      )
      .to(local.bucket({ bucket: "acme", path: "copy.csv" }))
      .graph();
    const error = await failure(graph);
    expect(error.code).toBe("INVALID_PROVIDER");
  });

  it("needs an output directory", async () => {
    const error = await generateTerraform(raw.transform(total).to(clean).graph(), { outputDir: "" }).then(
      () => null,
      (e: unknown) => e as GlacierError,
    );
    expect(error?.code).toBe("INVALID_OPTION");
    expect(error?.message).toMatchInlineSnapshot(
      `"option "outputDir": generate needs an output directory. Pass it: glacier generate ./terraform, or run({ mode: "generate", outputDir: "terraform" })."`,
    );
  });

  it("needs the pipeline module to bundle serverless steps", async () => {
    const error = await failure(raw.transform(identity).to(clean).graph());
    expect(error.code).toBe("GENERATE_FAILED");
    expect(error.message).toMatchInlineSnapshot(
      `"option "entry": serverless steps need the module that defines them, to bundle it. Pass the pipeline file: glacier generate <outdir> <entry>, or run({ mode: "generate", outputDir, entry })."`,
    );
    const missing = await failure(raw.transform(identity).to(clean).graph(), {
      entry: join(root, "nope.ts"),
    });
    expect(missing.code).toBe("ENTRY_NOT_FOUND");
  });

  it("needs polars' binary for the function architecture", async () => {
    const arm = aws.serverless({ architecture: "arm64" }).task(function armed(df) {
      return df;
    });
    const error = await failure(raw.transform(arm).to(clean).graph(), {
      entry: new URL(import.meta.url).pathname,
      cacheDir: join(root, "cache"),
    });
    expect(error.code).toBe("GENERATE_FAILED");
    expect(error.message.replace(POLARS_VERSION, "<polars version>")).toMatchInlineSnapshot(
      `"file "nodejs-polars-linux-arm64-gnu": cannot build the polars layer: nodejs-polars-linux-arm64-gnu (polars for Lambda arm64) is not installed. Install it next to nodejs-polars: npm install --no-save --os=linux --cpu=arm64 nodejs-polars-linux-arm64-gnu@<polars version>."`,
    );
  });

  it("leaves an earlier generation untouched when a later one fails", async () => {
    const outputDir = join(root, "kept");
    const good = raw.transform(total).to(clean).withName("sales").graph();
    await generateTerraform(good, { outputDir });
    const before = snapshotDir(outputDir);
    const ipc = aws.bucket({ bucket: "acme-lake", path: "out/total.arrow" });
    await expect(generateTerraform(raw.transform(total).to(ipc).graph(), { outputDir })).rejects.toThrow(
      /Spark cannot read or write Arrow IPC/,
    );
    const after = snapshotDir(outputDir);
    expect(after).toEqual(before);
  });
});

describe("what generate accepts", () => {
  it("takes a pipeline of Spark SQL steps without any packaging", async () => {
    const outputDir = join(root, "spark-only");
    const report = await generateTerraform(
      Pipeline({ a: raw, b: clean })
        .transform(spark.sql("joined", "SELECT * FROM a JOIN b USING (id)"))
        .to(aws.bucket({ bucket: "acme-lake", path: "joined.parquet" }))
        .graph(),
      { outputDir },
    );
    expect(report.files).toEqual([
      "README.md",
      "glacier-manifest.json",
      "main.tf.json",
      "spark/joined-fd94e5.py",
    ]);
  });

  it("is what bucket.run({ mode: 'generate' }) runs", async () => {
    const outputDir = join(root, "run-generate");
    const result = await raw
      .transform(total)
      .to(clean)
      .withName("totals")
      .run({ mode: "generate", outputDir });
    expect(result).toEqual({
      outputDir,
      files: [
        "README.md",
        "glacier-manifest.json",
        "main.tf.json",
        expect.stringMatching(/^spark\/total-[0-9a-f]{6}\.py$/),
      ],
      unchanged: [],
      removed: [],
    });
  });
});
