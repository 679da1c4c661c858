import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { Agent } from "node:http";
import { homedir, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { strToU8, zipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeLambda, type FakeFunction, type FakeLambda } from "./fixtures/fake-lambda-server.js";
import { FUNCTION_USER, runsAsFunctionUser } from "./fixtures/lambda-sandbox.js";

/**
 * The fake Lambda runs functions as the Node.js 24 managed runtime does; each case is something real Lambda
 * does that a plain `import()` of the bundle in the test process would not.
 */

const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "glacier-lambda-runtime-"));

function zip(files: Record<string, string>): Uint8Array {
  // A fixed time, so the same files make the same zip (the fake keeps extracted layers by content hash).
  return zipSync(Object.fromEntries(Object.entries(files).map(([name, text]) => [name, strToU8(text)])), {
    mtime: new Date(1980, 0, 1),
  });
}

/** A layer holding one CommonJS package, `layer-pkg`, where Lambda layers put Node.js packages. */
const layer = join(work, "layer.zip");
writeFileSync(
  layer,
  zip({
    "nodejs/node_modules/layer-pkg/package.json": '{ "name": "layer-pkg", "main": "index.js" }',
    "nodejs/node_modules/layer-pkg/index.js": 'exports.hello = () => "from the layer";',
  }),
);

function fn(name: string, code: string, options: Partial<FakeFunction> = {}): FakeFunction {
  return {
    name,
    code: zip({ "index.mjs": code }),
    layers: [layer],
    environment: { POLARS_TEMP_DIR: "/tmp" },
    timeoutSeconds: 3,
    memoryMb: 128,
    ...options,
  };
}

const FUNCTIONS: FakeFunction[] = [
  fn(
    "inspect",
    `import { createRequire } from "node:module";
     import { writeFileSync, mkdtempSync, statSync } from "node:fs";
     import { tmpdir } from "node:os";
     import { join } from "node:path";
     const require = createRequire(import.meta.url);
     function tryWrite(path) { try { writeFileSync(path, "x"); return "written"; } catch (e) { return e.code; } }
     export const handler = async (event, context) => {
       let imported;
       try { await import("layer-pkg"); imported = "imported"; } catch (e) { imported = e.code; }
       const scratch = mkdtempSync(join(tmpdir(), "x-"));
       return {
         node: process.version,
         uid: process.getuid(),
         cwd: process.cwd(),
         taskRoot: process.env.LAMBDA_TASK_ROOT,
         nodePath: process.env.NODE_PATH,
         tmpdir: tmpdir(),
         polarsTempDir: process.env.POLARS_TEMP_DIR,
         tmpOwner: statSync(tmpdir()).uid,
         required: require("layer-pkg").hello(),
         imported,
         writeTask: tryWrite(join(process.env.LAMBDA_TASK_ROOT, "new-file")),
         writeScratch: tryWrite(join(scratch, "file")),
         remaining: context.getRemainingTimeInMillis(),
         execEnv: process.env.AWS_EXECUTION_ENV,
       };
     };`,
  ),
  fn(
    "static-layer-import",
    `import { hello } from "layer-pkg";\nexport const handler = async () => hello();`,
  ),
  fn("callback", `export const handler = (event, context, callback) => callback(null, "done");`),
  fn("echo", `export const handler = async (event) => ({ size: JSON.stringify(event).length });`),
  fn("big-answer", `export const handler = async () => "x".repeat(7 * 1024 * 1024);`),
  fn(
    "sleeper",
    `let invocations = 0;
     export const handler = async (event) => {
       invocations++;
       await new Promise((resolve) => setTimeout(resolve, event.ms));
       return { invocations, pid: process.pid };
     };`,
    { timeoutSeconds: 1 },
  ),
];

let lambda: FakeLambda;
let client: LambdaClient;
beforeAll(async () => {
  lambda = await startFakeLambda(FUNCTIONS, { AWS_REGION: "eu-west-1" });
  client = new LambdaClient({
    endpoint: lambda.endpoint,
    region: "eu-west-1",
    credentials: { accessKeyId: "x", secretAccessKey: "x" },
    // One attempt, so the limits are seen as they are; no reused sockets, so no reset hides among them.
    maxAttempts: 1,
    requestHandler: { httpAgent: new Agent({ keepAlive: false }) },
  });
}, 60_000);
afterAll(async () => {
  client?.destroy();
  await lambda?.stop();
});

async function invoke(name: string, event: unknown = {}) {
  const response = await client.send(
    new InvokeCommand({ FunctionName: name, Payload: strToU8(JSON.stringify(event)) }),
  );
  return {
    error: response.FunctionError,
    payload: JSON.parse(new TextDecoder().decode(response.Payload)) as Record<string, unknown>,
  };
}

describe("an execution environment of the fake Lambda", () => {
  it("runs the handler on Node 24, in a read-only task directory, with Lambda's NODE_PATH and a /tmp of its own", async () => {
    const { error, payload } = await invoke("inspect");
    expect(error).toBeUndefined();
    const task = payload["taskRoot"] as string;
    const opt = (payload["nodePath"] as string).split(":")[1]!.replace(/\/nodejs\/node_modules$/, "");
    const runtime = (payload["nodePath"] as string).split(":")[3]!;
    expect(payload).toMatchObject({
      node: expect.stringMatching(/^v24\./),
      cwd: task,
      nodePath: `${opt}/nodejs/node24/node_modules:${opt}/nodejs/node_modules:${runtime}/node_modules:${runtime}:${task}`,
      required: "from the layer",
      imported: "ERR_MODULE_NOT_FOUND",
      writeScratch: "written",
      execEnv: "AWS_Lambda_nodejs24.x",
    });
    expect(payload["remaining"]).toBeGreaterThan(2_000);
    expect(payload["remaining"]).toBeLessThanOrEqual(3_000);
    // The function's own "/tmp" is the environment's scratch directory, TMPDIR.
    expect(payload["polarsTempDir"]).toBe(payload["tmpdir"]);
    if (runsAsFunctionUser()) {
      expect(payload).toMatchObject({ uid: FUNCTION_USER.uid, tmpOwner: 0, writeTask: "EACCES" });
    }
    // Nothing of this repository's install is reachable: no node_modules above the task, none on NODE_PATH.
    expect(payload["nodePath"]).not.toContain(REPO);
    for (let dir = task; dir !== "/"; dir = dirname(dir))
      expect(existsSync(join(dir, "node_modules"))).toBe(false);
  });

  it("cannot import a layer package statically from an ES module: ES resolution ignores NODE_PATH", async () => {
    const { error, payload } = await invoke("static-layer-import");
    expect(error).toBe("Unhandled");
    expect(payload["errorType"]).toBe("Error");
    expect(payload["errorMessage"]).toMatch(
      /^Cannot find package 'layer-pkg' imported from \/.*\/task\/index\.mjs/,
    );
  });

  it("refuses a callback handler, as Node 24 does", async () => {
    const { error, payload } = await invoke("callback");
    expect(error).toBe("Unhandled");
    expect(payload["errorType"]).toBe("Runtime.CallbackHandlerDeprecated");
  });

  it("refuses a request payload over 6 MB before running anything", async () => {
    const before = lambda.invocations.filter((i) => i.outcome === "ok").length;
    const error = await invoke("echo", { data: "x".repeat(6 * 1024 * 1024) }).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(error?.name).toBe("RequestEntityTooLargeException");
    expect(error?.message).toBe(
      "Request must be smaller than 6291456 bytes for the InvokeFunction operation",
    );
    expect(lambda.invocations.filter((i) => i.outcome === "ok").length).toBe(before);
    expect((await invoke("echo", { data: "x".repeat(1024) })).payload).toEqual({ size: 1035 });
  });

  it("turns a response over 6 MB into a function error", async () => {
    const { error, payload } = await invoke("big-answer");
    expect(error).toBe("Unhandled");
    expect(payload).toEqual({
      errorType: "Function.ResponseSizeTooLarge",
      errorMessage: "Response payload size exceeded maximum allowed payload size (6291556 bytes).",
    });
  });

  it("kills the environment at the function's timeout and reports it as Lambda does", async () => {
    const warm = await invoke("sleeper", { ms: 10 });
    const late = await invoke("sleeper", { ms: 5_000 });
    expect(late.error).toBe("Unhandled");
    expect(late.payload["errorType"]).toBe("Sandbox.Timedout");
    expect(late.payload["errorMessage"]).toMatch(
      /^RequestId: [0-9a-f-]{36} Error: Task timed out after 1\.00 seconds$/,
    );
    expect(lambda.invocations.at(-1)).toMatchObject({ outcome: "timed-out" });
    expect(lambda.invocations.at(-1)?.logs).toContain("Task timed out after 1.00 seconds");
    // The next invocation starts a new environment: the killed one kept nothing.
    const again = await invoke("sleeper", { ms: 10 });
    expect(again.payload["invocations"]).toBe(1);
    expect(again.payload["pid"]).not.toBe(warm.payload["pid"]);
  });
});

/**
 * The real runtime interface client (npm `aws-lambda-ric`, what the managed runtime runs) against the fake's
 * Runtime API. Its install builds native code, so it lives outside the workspace: `.ci/use-lambda-ric.sh`
 * installs it and exports GLACIER_AWS_LAMBDA_RIC (CI requires it; elsewhere the case is skipped without it).
 */
const RIC =
  process.env["GLACIER_AWS_LAMBDA_RIC"] ??
  join(process.env["XDG_CACHE_HOME"] ?? join(homedir(), ".cache"), "glacier", "aws-lambda-ric-4.0.2");
const ricInstalled = existsSync(join(RIC, "node_modules", "aws-lambda-ric", "rapid-client.node"));
if (!ricInstalled && process.env["GLACIER_REQUIRE_LAMBDA_RIC"] === "1") {
  throw new Error(`aws-lambda-ric is not installed under ${RIC}: run . .ci/use-lambda-ric.sh`);
}

describe.skipIf(!ricInstalled)("the real aws-lambda-ric as the runtime client", () => {
  let real: FakeLambda;
  let realClient: LambdaClient;
  beforeAll(async () => {
    real = await startFakeLambda(
      FUNCTIONS.filter((f) => ["inspect", "static-layer-import", "callback"].includes(f.name)),
      { AWS_REGION: "eu-west-1" },
      { ric: RIC },
    );
    realClient = new LambdaClient({
      endpoint: real.endpoint,
      region: "eu-west-1",
      credentials: { accessKeyId: "x", secretAccessKey: "x" },
      maxAttempts: 1,
      requestHandler: { httpAgent: new Agent({ keepAlive: false }) },
    });
  }, 60_000);
  afterAll(async () => {
    realClient?.destroy();
    await real?.stop();
  });

  async function invokeReal(name: string) {
    const response = await realClient.send(new InvokeCommand({ FunctionName: name, Payload: strToU8("{}") }));
    return {
      error: response.FunctionError,
      payload: JSON.parse(new TextDecoder().decode(response.Payload)) as Record<string, unknown>,
    };
  }

  it("runs the handler with the same layout, and fails the same ways as the emulated client", async () => {
    const ok = await invokeReal("inspect");
    expect(ok.error).toBeUndefined();
    expect(ok.payload).toMatchObject({ required: "from the layer", imported: "ERR_MODULE_NOT_FOUND" });
    expect(ok.payload["remaining"]).toBeGreaterThan(2_000);
    const imported = await invokeReal("static-layer-import");
    expect(imported.payload["errorType"]).toBe("Error");
    expect(imported.payload["errorMessage"]).toMatch(
      /^Cannot find package 'layer-pkg' imported from \/.*\/task\/index\.mjs/,
    );
    const callback = await invokeReal("callback");
    expect(callback.payload["errorType"]).toBe("Runtime.CallbackHandlerDeprecated");
  });
});
