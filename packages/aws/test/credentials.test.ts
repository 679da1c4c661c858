import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runGraph } from "@glacier/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as aws from "../src/index.js";
import { cloudEnvironment, type CloudEnvironment } from "./fixtures/cloud-environment.js";

/**
 * In-process steps of a cloud run sign their S3 requests with credentials handed to them explicitly (polars
 * reads no SDK provider). Session credentials expire, so each step must ask the SDK's provider again: here a
 * profile's credential_process hands out short-lived ones, a new session token each time, and the S3 proxy
 * records which token signed each write.
 */

let env: CloudEnvironment;
const saved: Record<string, string | undefined> = {};
const KEYS = [
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_PROFILE",
  "AWS_CONFIG_FILE",
  "AWS_SHARED_CREDENTIALS_FILE",
];

beforeAll(async () => {
  env = await cloudEnvironment("multi-source");
  const script = join(env.root, "rotating-credentials.sh");
  writeFileSync(
    script,
    [
      `n=$(($(cat "${env.root}/issued" 2>/dev/null || echo 0) + 1)); echo $n > "${env.root}/issued"`,
      // Two minutes: inside the SDK's five-minute refresh window, so every use asks again.
      `printf '{"Version":1,"AccessKeyId":"S3RVER","SecretAccessKey":"S3RVER","SessionToken":"session-%s","Expiration":"%s"}' $n "$(date -u -d '+2 minutes' +%Y-%m-%dT%H:%M:%SZ)"`,
    ].join("\n"),
  );
  writeFileSync(join(env.root, "aws-config"), `[profile rotating]\ncredential_process = sh ${script}\n`);
  for (const key of KEYS) saved[key] = process.env[key];
  delete process.env["AWS_ACCESS_KEY_ID"];
  delete process.env["AWS_SECRET_ACCESS_KEY"];
  Object.assign(process.env, {
    AWS_PROFILE: "rotating",
    AWS_CONFIG_FILE: join(env.root, "aws-config"),
    AWS_SHARED_CREDENTIALS_FILE: join(env.root, "no-credentials"),
  });
}, 180_000);
afterAll(async () => {
  for (const key of KEYS) {
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  }
  await env?.stop();
});

describe("credentials of in-process steps", () => {
  it("are resolved again for every step, so each signs with the provider's current session", async () => {
    const result = await runGraph(
      env.graph,
      {
        mode: "cloud",
        projectDir: env.projectDir,
        concurrency: 1,
      },
      aws,
    );
    expect(result.status).toBe("succeeded");
    const writes = await env.s3.writes();
    const tokensOf = (key: string) => new Set(writes.filter((w) => w.path.includes(key)).map((w) => w.token));
    const categories = tokensOf("analytics/categories.parquet");
    const customers = tokensOf("analytics/customers.parquet");
    expect(categories.size).toBe(1);
    expect(customers.size).toBe(1);
    expect([...categories][0]).toMatch(/^session-\d+$/);
    expect([...categories][0]).not.toBe([...customers][0]);
  }, 180_000);
});
