/**
 * The command of every container step's task definition. The image is plain Node 24 (`node:24-slim`: no AWS
 * CLI, no unzip, no SDK), so the command is a small ES module run with `node --input-type=module -e`, using
 * only Node's standard library:
 *
 * 1. takes the task role's credentials from the ECS container credentials endpoint
 *    (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`, or `…_FULL_URI`) unless the environment already has keys, and
 *    puts them in the environment — where a Lambda function has them, so the handler, the AWS SDK and polars
 *    find them the same way;
 * 2. downloads the step's bundle (`GLACIER_BUNDLE_S3`) and the polars layer (`GLACIER_LAYER_S3`) from the
 *    artefacts bucket with SigV4-signed GETs (`AWS_ENDPOINT_URL_S3` is honoured, as the SDK does);
 * 3. unpacks them into a fresh directory under the temporary directory (`/tmp`): the bundle into `/tmp/glacier/task`, the layer's
 *    `nodejs/node_modules` into `/tmp/glacier/node_modules`, where the bundle's `require` finds nodejs-polars
 *    (Lambda finds it in `/opt/nodejs/node_modules` through `NODE_PATH`, which Node reads only at start);
 * 4. imports the bundle, whose entry runs the step with the Lambda handler and writes the result document.
 *
 * It is data here, not code Glacier runs: the synthesizer writes it into the task definition, and the tests'
 * fake ECS runs it from there. It holds no `${` or `%{`, which Terraform would read as template syntax.
 */
const BOOTSTRAP_LINES = [
  'import { createHash, createHmac } from "node:crypto";',
  'import { mkdirSync, rmSync, writeFileSync } from "node:fs";',
  'import { tmpdir } from "node:os";',
  'import { dirname, join } from "node:path";',
  'import { pathToFileURL } from "node:url";',
  'import { inflateRawSync } from "node:zlib";',
  "const env = process.env;",
  'const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || "us-east-1";',
  "async function credentials() {",
  "  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) return;",
  '  const url = env.AWS_CONTAINER_CREDENTIALS_FULL_URI || "http://169.254.170.2" + (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || "");',
  "  const headers = env.AWS_CONTAINER_AUTHORIZATION_TOKEN ? { Authorization: env.AWS_CONTAINER_AUTHORIZATION_TOKEN } : {};",
  "  const response = await fetch(url, { headers });",
  '  if (!response.ok) throw new Error("glacier bootstrap: no task role credentials (" + response.status + " from " + url + ")");',
  "  const body = await response.json();",
  "  env.AWS_ACCESS_KEY_ID = body.AccessKeyId;",
  "  env.AWS_SECRET_ACCESS_KEY = body.SecretAccessKey;",
  "  if (body.Token) env.AWS_SESSION_TOKEN = body.Token;",
  "}",
  'const hex = (data) => createHash("sha256").update(data).digest("hex");',
  'const hmac = (key, data) => createHmac("sha256", key).update(data).digest();',
  'const encode = (text) => encodeURIComponent(text).replace(/[!\'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());',
  "async function getObject(location) {",
  '  const match = /^s3:\\/\\/([^/]+)\\/(.+)$/.exec(location || "");',
  '  if (!match) throw new Error("glacier bootstrap: not an s3:// location: " + location);',
  "  const [, bucket, key] = match;",
  "  const custom = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL;",
  '  const base = custom ? new URL(custom.replace(/\\/+$/, "") + "/" + bucket + "/") : new URL("https://" + bucket + ".s3." + region + ".amazonaws.com/");',
  '  const path = base.pathname + key.split("/").map(encode).join("/");',
  "  const url = new URL(path, base);",
  '  const date = new Date().toISOString().replace(/[-:]|\\.\\d{3}/g, "");',
  "  const day = date.slice(0, 8);",
  '  const headers = { host: url.host, "x-amz-content-sha256": "UNSIGNED-PAYLOAD", "x-amz-date": date };',
  '  if (env.AWS_SESSION_TOKEN) headers["x-amz-security-token"] = env.AWS_SESSION_TOKEN;',
  "  const names = Object.keys(headers).sort();",
  '  const canonical = ["GET", path, "", ...names.map((n) => n + ":" + headers[n]), "", names.join(";"), "UNSIGNED-PAYLOAD"].join("\\n");',
  '  const scope = day + "/" + region + "/s3/aws4_request";',
  '  const toSign = ["AWS4-HMAC-SHA256", date, scope, hex(canonical)].join("\\n");',
  '  let key2 = hmac("AWS4" + env.AWS_SECRET_ACCESS_KEY, day);',
  '  for (const part of [region, "s3", "aws4_request"]) key2 = hmac(key2, part);',
  '  const signature = createHmac("sha256", key2).update(toSign).digest("hex");',
  '  headers.authorization = "AWS4-HMAC-SHA256 Credential=" + env.AWS_ACCESS_KEY_ID + "/" + scope + ", SignedHeaders=" + names.join(";") + ", Signature=" + signature;',
  "  const response = await fetch(url, { headers });",
  '  if (!response.ok) throw new Error("glacier bootstrap: GET " + location + " answered " + response.status + ": " + (await response.text()).slice(0, 300));',
  "  return Buffer.from(await response.arrayBuffer());",
  "}",
  "function unzip(zip, into, strip) {",
  "  let end = zip.length - 22;",
  "  while (end >= 0 && zip.readUInt32LE(end) !== 0x06054b50) end--;",
  '  if (end < 0) throw new Error("glacier bootstrap: not a zip file");',
  "  const count = zip.readUInt16LE(end + 10);",
  "  let at = zip.readUInt32LE(end + 16);",
  "  for (let i = 0; i < count; i++) {",
  "    const method = zip.readUInt16LE(at + 10);",
  "    const size = zip.readUInt32LE(at + 20);",
  "    const nameLength = zip.readUInt16LE(at + 28);",
  "    const local = zip.readUInt32LE(at + 42);",
  '    const name = zip.toString("utf8", at + 46, at + 46 + nameLength);',
  "    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);",
  '    if (name.endsWith("/") || !name.startsWith(strip)) continue;',
  '    if (name.split("/").includes("..") || name.startsWith("/")) throw new Error("glacier bootstrap: unsafe path in zip: " + name);',
  "    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);",
  "    const data = zip.subarray(start, start + size);",
  "    const target = join(into, name.slice(strip.length));",
  "    mkdirSync(dirname(target), { recursive: true });",
  "    writeFileSync(target, method === 8 ? inflateRawSync(data) : data);",
  "  }",
  "}",
  "await credentials();",
  'const root = join(tmpdir(), "glacier");',
  "rmSync(root, { recursive: true, force: true });",
  "const [bundle, layer] = await Promise.all([getObject(env.GLACIER_BUNDLE_S3), getObject(env.GLACIER_LAYER_S3)]);",
  'unzip(bundle, join(root, "task"), "");',
  'unzip(layer, join(root, "node_modules"), "nodejs/node_modules/");',
  'await import(pathToFileURL(join(root, "task", "index.mjs")).href);',
];

/** The bootstrap module's source (see above). */
export const CONTAINER_BOOTSTRAP = BOOTSTRAP_LINES.join("\n");

/**
 * The task definition's command: Node runs the bootstrap.
 *
 * @example
 * ```ts
 * containerCommand() // ["node", "--enable-source-maps", "--input-type=module", "-e", "import { createHash … "]
 * ```
 */
export function containerCommand(): readonly string[] {
  return ["node", "--enable-source-maps", "--input-type=module", "-e", CONTAINER_BOOTSTRAP];
}
