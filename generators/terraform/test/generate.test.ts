import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { unzipSync } from "fflate";
import { beforeAll, describe, expect, it } from "vitest";
import { generateTerraform, type GenerateReport } from "../src/index.js";
import {
  EXAMPLES,
  exampleEntry,
  exampleGraph,
  LAYER_CACHE,
  LAYER_ZIP,
  POLARS_VERSION,
  REPO,
  resourcesOf,
  tempDir,
  type Example,
} from "./support.js";

/**
 * The whole of `generate` on the examples: packaging (esbuild bundles, the polars layer, deterministic zips),
 * synthesis and writing. The layer is zipped once per machine (LAYER_CACHE) and shared by every case here.
 */

const root = tempDir("generate");
const reports = {} as Record<Example, GenerateReport>;

async function generate(example: Example, outputDir: string): Promise<GenerateReport> {
  return generateTerraform(await exampleGraph(example), {
    outputDir,
    entry: exampleEntry(example),
    projectDir: REPO,
    cacheDir: LAYER_CACHE,
  });
}

beforeAll(async () => {
  for (const example of EXAMPLES) reports[example] = await generate(example, join(root, example));
}, 300_000);

function read(example: Example, path: string): Buffer {
  return readFileSync(join(root, example, path));
}

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

/** Content hashes vary with the bundled code (core and local change often); everything else must not. */
function normalised(text: string): string {
  return text
    .replace(/("source_code_hash": )"[^"]+"/g, '$1"<sha256 of the zip>"')
    .replace(/("source_hash": )"[A-Za-z0-9+/=]{44}"/g, '$1"<sha256 of the zip>"')
    .replace(/(glacier\/layers\/nodejs-polars-[a-z0-9-]+)-[0-9a-f]{16}\.zip/g, "$1-<hash>.zip")
    .split(POLARS_VERSION)
    .join("<polars version>");
}

describe("the generated module", () => {
  for (const example of EXAMPLES) {
    it(`matches the snapshot for ${example}`, async () => {
      await expect(normalised(read(example, "main.tf.json").toString())).toMatchFileSnapshot(
        `./__snapshots__/${example}.tf.json`,
      );
    });
  }

  it("writes the module, README, manifest, Spark drivers and zips, and lists them", () => {
    expect(reports.complete.files).toEqual([
      "README.md",
      "assets/functions/clean-orders-396c35.zip",
      "assets/functions/segment-summary-61f989.zip",
      LAYER_ZIP,
      "glacier-manifest.json",
      "main.tf.json",
      "spark/enrich-orders-1314c5.py",
      "spark/regional-summary-4d6523.py",
    ]);
    expect(files(join(root, "complete"))).toEqual(reports.complete.files);
    const manifest = JSON.parse(read("complete", "glacier-manifest.json").toString());
    expect(manifest.files).toEqual(reports.complete.files);
    expect(manifest.plan.functions.map((f: { functionName: string }) => f.functionName)).toEqual([
      "glacier-clean-orders-396c35",
      "glacier-segment-summary-61f989",
    ]);
  });

  it("sets each function's source_code_hash to the SHA-256 of its zip", () => {
    for (const example of EXAMPLES) {
      const json = JSON.parse(read(example, "main.tf.json").toString());
      for (const fn of Object.values(resourcesOf(json, "aws_lambda_function"))) {
        const zip = read(example, (fn["filename"] as string).replace("${path.module}/", ""));
        expect(fn["source_code_hash"]).toBe(createHash("sha256").update(zip).digest("base64"));
      }
      for (const layer of Object.values(resourcesOf(json, "aws_lambda_layer_version"))) {
        const zip = read(example, LAYER_ZIP);
        expect(layer["source_code_hash"]).toBe(createHash("sha256").update(zip).digest("base64"));
      }
    }
  });

  it("contains no absolute path and no timestamp", () => {
    for (const example of EXAMPLES) {
      for (const file of reports[example].files.filter((f) => !f.endsWith(".zip"))) {
        const text = read(example, file).toString();
        expect(text, file).not.toContain(REPO);
        expect(text, file).not.toContain(root);
        expect(text, file).not.toMatch(/20\d\d-\d\d-\d\dT\d\d:\d\d/);
      }
    }
  });

  it("describes the generation in the output README", () => {
    const readme = read("simple", "README.md").toString();
    expect(readme).toContain(
      "| `cleanSales->glacier-example-sales/clean/sales.parquet` | serverless | lambda `glacier-clean-sales-f7e1d6` | sales |",
    );
    expect(readme).toContain("in-process (`glacier run --mode cloud`)");
    // The README points at the line that defines the task: read it from the example rather than pinning it.
    const source = readFileSync(new URL("../../../examples/simple/pipeline.ts", import.meta.url), "utf8");
    const line = source.split("\n").findIndex((text) => text.startsWith("const cleanSales = ")) + 1;
    expect(line).toBeGreaterThan(0);
    expect(readme).toContain(
      `\`sales\` of \`examples/simple/pipeline.ts\` | \`examples/simple/pipeline.ts:${line}\``,
    );
    expect(readme).toContain("terraform init");
  });
});

describe("packaging", () => {
  it("zips the handler bundle with fixed timestamps and permissions", () => {
    const zip = read("simple", "assets/functions/clean-sales-f7e1d6.zip");
    const entries = unzipSync(zip);
    expect(Object.keys(entries)).toEqual(["index.mjs", "index.mjs.map"]);
    const code = Buffer.from(entries["index.mjs"]!).toString();
    expect(code).toContain("createLambdaHandler");
    expect(code).toContain("// examples/simple/pipeline.ts");
    // polars and the AWS SDK stay external: the layer and the runtime provide them, through NODE_PATH.
    expect(code).not.toContain("// node_modules/nodejs-polars/");
    expect(code).not.toContain("// node_modules/@aws-sdk/");
    expect(code).toContain('__require("nodejs-polars")');
    expect(code).not.toMatch(/from "nodejs-polars"|import\("nodejs-polars"\)/);
    expect(code).not.toContain(REPO);
    // DOS date 1980-01-01 00:00 in every local file header: version, flags, method, then time 0x0000, date 0x0021.
    const header = zip.subarray(0, 30);
    expect(header.readUInt32LE(0)).toBe(0x04034b50);
    expect(header.readUInt16LE(10)).toBe(0);
    expect(header.readUInt16LE(12)).toBe(0x21);
  });

  it("puts nodejs-polars and the x64 binary under nodejs/node_modules in the layer", () => {
    const names: string[] = [];
    unzipSync(read("simple", LAYER_ZIP), {
      filter: (file) => {
        names.push(file.name);
        return false;
      },
    });
    expect(names).toContain("nodejs/node_modules/nodejs-polars/package.json");
    expect(names).toContain("nodejs/node_modules/nodejs-polars/bin/index.js");
    expect(names).toContain(
      "nodejs/node_modules/nodejs-polars-linux-x64-gnu/nodejs-polars.linux-x64-gnu.node",
    );
    expect(names).toEqual([...names].sort());
  });

  it("reuses the cached layer instead of zipping it again", async () => {
    const again = await generate("multi-source", join(root, "multi-source-again"));
    expect(again.layerCacheHits).toBe(1);
  });
});

describe("determinism", () => {
  it("generates byte-identical files twice", async () => {
    const second = join(root, "simple-second");
    const report = await generate("simple", second);
    expect(report.files).toEqual(reports.simple.files);
    for (const file of report.files) {
      expect(readFileSync(join(second, file)).equals(read("simple", file)), file).toBe(true);
    }
  });

  it("leaves unchanged files untouched and removes only what an earlier generation wrote", async () => {
    const dir = join(root, "regenerated");
    await generate("complete", dir);
    writeFileSync(join(dir, "backend_override.tf.json"), "{}\n");
    const before = statSync(join(dir, "main.tf.json")).mtimeMs;
    await generate("complete", dir);
    expect(statSync(join(dir, "main.tf.json")).mtimeMs).toBe(before);
    await generate("simple", dir);
    expect(files(dir)).toEqual([...reports.simple.files, "backend_override.tf.json"].sort());
  });
});

/** Runs a child process to completion; resolves with its stdout. */
function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${err}`))));
  });
}

/** s3rver in a child process (see fixtures/s3rver-child.mjs). */
async function startS3(directory: string, buckets: readonly string[]) {
  const child = spawn(
    process.execPath,
    [fileURLToPath(new URL("./fixtures/s3rver-child.mjs", import.meta.url)), directory, ...buckets],
    {
      env: { ...process.env, NODE_OPTIONS: "--openssl-legacy-provider" },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once("data", (d: Buffer) => resolve((JSON.parse(d.toString()) as { port: number }).port));
    child.once("exit", (code) => reject(new Error(`s3rver exited with ${code}`)));
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () => new Promise((resolve) => (child.once("exit", resolve), child.kill("SIGTERM"))),
  };
}

function unzipInto(zip: Buffer, dir: string): void {
  for (const [name, data] of Object.entries(unzipSync(zip))) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), data);
  }
}

describe("the Lambda bundle", () => {
  it("runs its step when invoked as Lambda would, reading and writing S3", async () => {
    const sandbox = join(root, "lambda");
    // /var/task holds the function zip, /opt the layer; the Node.js runtime provides the AWS SDK. Both are
    // reached through NODE_PATH only, as Lambda sets it (packages/aws's fake Lambda checks the rest).
    unzipInto(read("simple", "assets/functions/clean-sales-f7e1d6.zip"), join(sandbox, "var", "task"));
    unzipInto(read("simple", LAYER_ZIP), join(sandbox, "opt"));

    const { writeSampleData } = await import("../../../examples/simple/sample-data.js");
    const [csv] = writeSampleData(join(sandbox, "sample"), 2_000);
    const s3dir = join(sandbox, "s3");
    mkdirSync(s3dir);
    const s3 = await startS3(s3dir, ["glacier-example-sales"]);
    try {
      const { S3Client, PutObjectCommand, GetObjectCommand, DeleteObjectCommand } =
        await import("@aws-sdk/client-s3");
      const client = new S3Client({
        endpoint: s3.endpoint,
        region: "eu-west-1",
        forcePathStyle: true,
        credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
        requestChecksumCalculation: "WHEN_REQUIRED",
        responseChecksumValidation: "WHEN_REQUIRED",
      });
      await client.send(
        new PutObjectCommand({
          Bucket: "glacier-example-sales",
          Key: "raw/sales.csv",
          Body: readFileSync(csv!),
        }),
      );
      const fn = reports.simple.plan.functions[0]!;
      const env = {
        PATH: process.env["PATH"] ?? "",
        ...Object.fromEntries(Object.entries(fn.environment).filter(([, v]) => !v.includes("${"))),
        AWS_REGION: "eu-west-1",
        AWS_ENDPOINT_URL_S3: s3.endpoint,
        AWS_ACCESS_KEY_ID: "S3RVER",
        AWS_SECRET_ACCESS_KEY: "S3RVER",
        AWS_REQUEST_CHECKSUM_CALCULATION: "WHEN_REQUIRED",
        AWS_RESPONSE_CHECKSUM_VALIDATION: "WHEN_REQUIRED",
        POLARS_TEMP_DIR: join(sandbox, "tmp"),
        NODE_PATH: [join(sandbox, "opt", "nodejs", "node_modules"), join(REPO, "node_modules")].join(":"),
      };
      const invoke = async (event: unknown) => {
        const out = await run(
          process.execPath,
          [
            fileURLToPath(new URL("./fixtures/invoke-handler.mjs", import.meta.url)),
            join(sandbox, "var", "task"),
            JSON.stringify(event),
          ],
          { cwd: join(sandbox, "var", "task"), env },
        );
        return JSON.parse(out.trim().split("\n").at(-1)!) as {
          result?: { stepId: string; rows: number; bytes: number; outputFingerprint: string };
          error?: { name: string; message: string };
        };
      };

      const ok = await invoke({ runId: "20240131T120000Z-test", params: {} });
      expect(ok.error).toBeUndefined();
      expect(ok.result).toMatchObject({
        stepId: fn.stepId,
        outputFingerprint: expect.stringMatching(/^etag:/),
      });
      const written = await client.send(
        new GetObjectCommand({ Bucket: "glacier-example-sales", Key: "clean/sales.parquet" }),
      );
      const bytes = Buffer.from(await written.Body!.transformToByteArray());
      expect(bytes.length).toBe(ok.result!.bytes);
      const pl = (await import("nodejs-polars")).default;
      const frame = pl.readParquet(bytes);
      expect(frame.height).toBe(ok.result!.rows);
      expect(frame.columns).toEqual(["order_id", "day", "region", "amount"]);
      expect(frame.getColumn("amount").min()).toBeGreaterThan(0);

      const unknown = await invoke({ stepId: "nope->x/y.parquet", runId: "r2" });
      expect(unknown.error?.name).toBe("GlacierError.UNKNOWN_STEP");
      expect(unknown.error?.message).toContain('step "nope->x/y.parquet"');
      expect(unknown.error?.message).toContain("(log: /aws/lambda/test 2024/01/31/[$LATEST]test)");

      await client.send(new DeleteObjectCommand({ Bucket: "glacier-example-sales", Key: "raw/sales.csv" }));
      const missing = await invoke({ runId: "r3" });
      expect(missing.error?.name).toBe("GlacierError.SOURCE_MISSING");
      expect(missing.error?.message).toContain(`step "${fn.stepId}"`);
    } finally {
      await s3.stop();
    }
  }, 120_000);
});
