import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/** An s3rver process on loopback: a real S3 API over HTTP (HeadObject, ListObjectsV2, PutObject …). */
export interface S3rver {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** s3rver's fixed credentials and the region it answers as. */
  readonly credentials: { readonly accessKeyId: "S3RVER"; readonly secretAccessKey: "S3RVER" };
  readonly region: "us-east-1";
  /** The directory where s3rver keeps the objects (removed by `stop`). */
  readonly directory: string;
  stop(): Promise<void>;
}

/**
 * Starts s3rver on 127.0.0.1 (an ephemeral port) with these buckets, in a child process: a step run in the test
 * process may block its event loop while polars reads through the server. Paginated listings need
 * `--openssl-legacy-provider`, which the child gets.
 *
 * @example
 * ```ts
 * const s3 = await startS3rver(["acme"], "glacier-local-");
 * new S3Client({ endpoint: s3.endpoint, region: s3.region, credentials: s3.credentials, forcePathStyle: true });
 * await s3.stop();
 * ```
 */
export async function startS3rver(buckets: readonly string[], prefix = "glacier-s3rver-"): Promise<S3rver> {
  const directory = mkdtempSync(join(tmpdir(), prefix));
  const child = spawn(
    process.execPath,
    [fileURLToPath(new URL("./s3rver-child.mjs", import.meta.url)), directory, ...buckets],
    {
      env: { ...process.env, NODE_OPTIONS: "--openssl-legacy-provider" },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout }).once("line", (line) =>
      resolve((JSON.parse(line) as { port: number }).port),
    );
    child.once("exit", (code) => reject(new Error(`s3rver exited with ${code}`)));
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    region: "us-east-1",
    directory,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 2000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
