import { describe, expect, it } from "vitest";
import {
  DEFAULT_EMR_RELEASE,
  EMR_SERVERLESS_RELEASES,
  LAMBDA_NODE_RUNTIMES,
  param,
  Provider,
  type ServerlessOptions,
  type SparkOptions,
} from "@glacier/core";
import { failure } from "./support.js";

const provider = new Provider({ cloud: "aws", region: "eu-west-1" });
const serverless = (options: ServerlessOptions): string => failure(() => provider.serverless(options));
const spark = (options: SparkOptions): string => failure(() => provider.spark(options));
/** Options only JavaScript callers (or a cast) can write. */
const untyped = <T>(options: unknown): T => options as T;

describe("local executor", () => {
  it("is one fixed node", () => {
    const local = provider.local();
    expect(local.kind).toBe("local");
    expect(local.node).toEqual({ kind: "local", id: "local" });
    expect(Object.isFrozen(local)).toBe(true);
    expect(Object.isFrozen(local.node)).toBe(true);
    expect(new Provider({ cloud: "local", basePath: "/tmp" }).local().node).toEqual(local.node);
  });
});

describe("serverless executor (Lambda)", () => {
  it("has documented defaults", () => {
    const lambda = provider.serverless();
    expect(lambda.kind).toBe("serverless");
    expect(lambda.node).toEqual({
      kind: "serverless",
      id: expect.stringMatching(/^serverless-[0-9a-f]{8}$/),
      memory: 1024,
      timeout: 300,
      ephemeralStorage: 512,
      architecture: "x86_64",
      environment: {},
      runtime: "nodejs24.x",
    });
    expect(Object.isFrozen(lambda.node)).toBe(true);
    expect(Object.isFrozen(lambda.node.environment)).toBe(true);
  });

  it("accepts Lambda's limits exactly at both ends", () => {
    expect(provider.serverless({ memory: 128, timeout: 1, ephemeralStorage: 512 }).node).toMatchObject({
      memory: 128,
      timeout: 1,
      ephemeralStorage: 512,
    });
    expect(
      provider.serverless({ memory: 10240, timeout: 900, ephemeralStorage: 10240, architecture: "arm64" })
        .node,
    ).toMatchObject({ memory: 10240, timeout: 900, ephemeralStorage: 10240, architecture: "arm64" });
    expect(provider.serverless({ reservedConcurrency: 0 }).node).toMatchObject({ reservedConcurrency: 0 });
    expect(provider.serverless({ reservedConcurrency: 1000 }).node).toMatchObject({
      reservedConcurrency: 1000,
    });
  });

  it("rejects memory outside 128–10240 MB", () => {
    expect(serverless({ memory: 127 })).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "serverless.memory": 127 MB is outside 128–10240 MB. Set memory to a whole number between 128 and 10240."`,
    );
    expect(serverless({ memory: 10241 })).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "serverless.memory": 10241 MB is outside 128–10240 MB. Set memory to a whole number between 128 and 10240."`,
    );
    expect(serverless({ memory: 1024.5 })).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "serverless.memory": 1024.5 is not a whole number of MB. Set memory to a whole number between 128 and 10240."`,
    );
    expect(serverless({ memory: Number.NaN })).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "serverless.memory": NaN is not a whole number of MB. Set memory to a whole number between 128 and 10240."`,
    );
    expect(serverless(untyped({ memory: "2048" }))).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "serverless.memory": "2048" is not a whole number of MB. Set memory to a whole number between 128 and 10240."`,
    );
  });

  it("rejects a timeout outside 1–900 s", () => {
    expect(serverless({ timeout: 0 })).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "serverless.timeout": 0 s is outside 1–900 s. Set timeout to a whole number between 1 and 900."`,
    );
    expect(serverless({ timeout: 901 })).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "serverless.timeout": 901 s is outside 1–900 s. Set timeout to a whole number between 1 and 900."`,
    );
    expect(serverless({ timeout: Number.POSITIVE_INFINITY })).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "serverless.timeout": Infinity s is outside 1–900 s. Set timeout to a whole number between 1 and 900."`,
    );
  });

  it("rejects ephemeral storage outside 512–10240 MB", () => {
    expect(serverless({ ephemeralStorage: 511 })).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "serverless.ephemeralStorage": 511 MB is outside 512–10240 MB. Set ephemeralStorage to a whole number between 512 and 10240."`,
    );
    expect(serverless({ ephemeralStorage: 10241 })).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "serverless.ephemeralStorage": 10241 MB is outside 512–10240 MB. Set ephemeralStorage to a whole number between 512 and 10240."`,
    );
  });

  it("rejects an unknown architecture", () => {
    expect(serverless(untyped({ architecture: "x86" }))).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "serverless.architecture": "x86" is not a Lambda architecture. Use "x86_64" or "arm64"."`,
    );
  });

  it("rejects a negative or fractional reserved concurrency", () => {
    expect(serverless({ reservedConcurrency: -1 })).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "serverless.reservedConcurrency": -1 is outside 0–1000. Set reservedConcurrency to a whole number between 0 and 1000."`,
    );
    expect(serverless({ reservedConcurrency: 2.5 })).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "serverless.reservedConcurrency": 2.5 is not a whole number. Set reservedConcurrency to a whole number between 0 and 1000."`,
    );
  });

  it("accepts environment variables Lambda lets users set, AWS_* ones included", () => {
    const environment = {
      LOG_LEVEL: "info",
      AWS_NODEJS_CONNECTION_REUSE_ENABLED: "1",
      AWS_LAMBDA_EXEC_WRAPPER: "/opt/wrapper",
      NODE_OPTIONS: "--enable-source-maps",
    };
    expect(provider.serverless({ environment }).node.environment).toEqual(environment);
  });

  it("rejects environment names Lambda reserves", () => {
    for (const name of ["AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_LAMBDA_FUNCTION_NAME", "LAMBDA_TASK_ROOT"]) {
      expect(serverless({ environment: { [name]: "x" } })).toBe(
        `[INVALID_OPTION] option "serverless.environment": ${name} is reserved by Lambda. Rename the variable; the Lambda runtime sets this one itself.`,
      );
    }
    expect(serverless({ environment: { AWS_SESSION_TOKEN: "x" } })).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "serverless.environment": AWS_SESSION_TOKEN is reserved by Lambda. Rename the variable; the Lambda runtime sets this one itself."`,
    );
  });

  it("rejects environment names and values Lambda cannot take", () => {
    expect(serverless({ environment: { "LOG-LEVEL": "info" } })).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "serverless.environment": variable "LOG-LEVEL" is not a valid Lambda environment entry. Use names of two or more letters, digits and _ (starting with a letter) and string values."`,
    );
    expect(serverless({ environment: { _HANDLER: "index.handler" } })).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "serverless.environment": variable "_HANDLER" is not a valid Lambda environment entry. Use names of two or more letters, digits and _ (starting with a letter) and string values."`,
    );
    expect(serverless({ environment: { "1ST": "x" } })).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "serverless.environment": variable "1ST" is not a valid Lambda environment entry. Use names of two or more letters, digits and _ (starting with a letter) and string values."`,
    );
    // Lambda's pattern is [a-zA-Z]([a-zA-Z0-9_])+: one letter alone is refused by the API.
    expect(serverless({ environment: { A: "x" } })).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "serverless.environment": variable "A" is not a valid Lambda environment entry. Use names of two or more letters, digits and _ (starting with a letter) and string values."`,
    );
    expect(serverless(untyped({ environment: { PORT: 8080 } }))).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "serverless.environment": variable "PORT" is not a valid Lambda environment entry. Use names of two or more letters, digits and _ (starting with a letter) and string values."`,
    );
    expect(serverless(untyped({ environment: "LOG_LEVEL=info" }))).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "serverless.environment": environment must be an object of variable name to value. Write environment: { LOG_LEVEL: "info" }."`,
    );
    expect(serverless({ environment: { BIG: "x".repeat(4094) } })).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "serverless.environment": the variables take 4097 bytes; Lambda allows 4 KB in total. Keep large values in S3 or SSM Parameter Store and pass their names instead."`,
    );
  });

  it("copies the environment, so changing the caller's object later changes nothing", () => {
    const environment: Record<string, string> = { LOG_LEVEL: "info" };
    const lambda = provider.serverless({ environment });
    environment["LOG_LEVEL"] = "debug";
    expect(lambda.node.environment).toEqual({ LOG_LEVEL: "info" });
  });
});

describe("spark executor (EMR Serverless)", () => {
  it("has documented defaults", () => {
    const emr = provider.spark();
    expect(emr.kind).toBe("spark");
    expect(emr.node).toEqual({
      kind: "spark",
      id: expect.stringMatching(/^spark-[0-9a-f]{8}$/),
      workers: 2,
      driver: { cpu: 2, memory: 8 },
      executor: { cpu: 4, memory: 16 },
      releaseLabel: "emr-7.14.0",
    });
    expect(Object.isFrozen(emr.node.driver)).toBe(true);
  });

  it("accepts every EMR Serverless worker size at its bounds and steps", () => {
    const sizes = [
      [1, 2],
      [1, 8],
      [2, 4],
      [2, 16],
      [4, 8],
      [4, 30],
      [8, 16],
      [8, 20],
      [8, 60],
      [16, 32],
      [16, 40],
      [16, 120],
    ] as const;
    for (const [cpu, memory] of sizes) {
      expect(provider.spark({ executor: { cpu, memory } }).node.executor).toEqual({ cpu, memory });
    }
  });

  it("rejects worker sizes EMR Serverless does not offer", () => {
    expect(spark({ executor: { cpu: 3, memory: 12 } })).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "spark.executor.cpu": 3 vCPU is not an EMR Serverless worker size. Use 1, 2, 4, 8 or 16 vCPU."`,
    );
    expect(spark({ executor: { cpu: 4, memory: 31 } })).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "spark.executor.memory": 31 GB does not fit a worker of 4 vCPU. Use a whole number of GB from 8 to 30 for 4 vCPU."`,
    );
    expect(spark({ driver: { cpu: 1, memory: 1 } })).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "spark.driver.memory": 1 GB does not fit a worker of 1 vCPU. Use a whole number of GB from 2 to 8 for 1 vCPU."`,
    );
    expect(spark({ driver: { cpu: 2, memory: 8.5 } })).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "spark.driver.memory": 8.5 GB does not fit a worker of 2 vCPU. Use a whole number of GB from 4 to 16 for 2 vCPU."`,
    );
    expect(spark({ executor: { cpu: 8, memory: 18 } })).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "spark.executor.memory": 18 GB does not fit a worker of 8 vCPU. Use 16–60 GB in steps of 4 GB for 8 vCPU."`,
    );
    expect(spark({ executor: { cpu: 16, memory: 36 } })).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "spark.executor.memory": 36 GB does not fit a worker of 16 vCPU. Use 32–120 GB in steps of 8 GB for 16 vCPU."`,
    );
    expect(spark(untyped({ executor: { cpu: "4", memory: 16 } }))).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "spark.executor.cpu": "4" vCPU is not an EMR Serverless worker size. Use 1, 2, 4, 8 or 16 vCPU."`,
    );
    expect(spark(untyped({ driver: "large" }))).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "spark.driver.cpu": undefined vCPU is not an EMR Serverless worker size. Use 1, 2, 4, 8 or 16 vCPU."`,
    );
  });

  it("rejects a worker count outside 1–1000", () => {
    expect(spark({ workers: 0 })).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "spark.workers": 0 is outside 1–1000. Set workers to a whole number between 1 and 1000."`,
    );
    expect(spark({ workers: 1.5 })).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "spark.workers": 1.5 is not a whole number. Set workers to a whole number between 1 and 1000."`,
    );
  });

  it("accepts every EMR Serverless release label, and only those", () => {
    for (const releaseLabel of EMR_SERVERLESS_RELEASES) {
      expect(provider.spark({ releaseLabel }).node.releaseLabel).toBe(releaseLabel);
    }
    expect(EMR_SERVERLESS_RELEASES[0]).toBe("emr-6.6.0");
    expect(EMR_SERVERLESS_RELEASES).toContain(DEFAULT_EMR_RELEASE);
  });

  it("rejects a label EMR Serverless does not have, naming the nearest real ones", () => {
    expect(spark({ releaseLabel: "emr-6.5.0" })).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "spark.releaseLabel": "emr-6.5.0" is not an EMR Serverless release. Use a release label EMR Serverless has, e.g. "emr-6.6.0", "emr-6.7.0", "emr-6.8.0" (the default is "emr-7.14.0")."`,
    );
    expect(spark({ releaseLabel: "emr-6.10.1" })).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "spark.releaseLabel": "emr-6.10.1" is not an EMR Serverless release. Use a release label EMR Serverless has, e.g. "emr-6.10.0", "emr-6.11.0", "emr-6.9.0" (the default is "emr-7.14.0")."`,
    );
    expect(spark({ releaseLabel: "emr-7.99.0" })).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "spark.releaseLabel": "emr-7.99.0" is not an EMR Serverless release. Use a release label EMR Serverless has, e.g. "emr-7.14.0", "emr-7.13.0", "emr-7.12.0" (the default is "emr-7.14.0")."`,
    );
    expect(spark({ releaseLabel: "emr-5.36.0" })).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "spark.releaseLabel": "emr-5.36.0" is not an EMR Serverless release. Use a release label EMR Serverless has, e.g. "emr-6.6.0", "emr-6.7.0", "emr-6.8.0" (the default is "emr-7.14.0")."`,
    );
    expect(spark({ releaseLabel: "7.5.0" })).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "spark.releaseLabel": "7.5.0" is not an EMR Serverless release. Use a release label EMR Serverless has, e.g. "emr-7.14.0", "emr-7.13.0", "emr-7.12.0" (the default is "emr-7.14.0")."`,
    );
    expect(spark({ releaseLabel: "emr-7.5" })).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "spark.releaseLabel": "emr-7.5" is not an EMR Serverless release. Use a release label EMR Serverless has, e.g. "emr-7.14.0", "emr-7.13.0", "emr-7.12.0" (the default is "emr-7.14.0")."`,
    );
    expect(spark(untyped({ releaseLabel: 7 }))).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "spark.releaseLabel": 7 is not an EMR Serverless release. Use a release label EMR Serverless has, e.g. "emr-7.14.0", "emr-7.13.0", "emr-7.12.0" (the default is "emr-7.14.0")."`,
    );
  });

  it("refuses SQL params on a release before Spark 3.4 (emr-6.12.0), when the task is defined", () => {
    const since = { params: { since: param.string() } };
    expect(
      failure(() =>
        provider.spark({ releaseLabel: "emr-6.11.0" }).sql("daily", "SELECT * FROM input", since),
      ),
    ).toMatchInlineSnapshot(
      `"[INVALID_OPTION] task "daily": the task declares params, which Spark SQL receives as :name markers from Spark 3.4 (emr-6.12.0); its executor uses emr-6.11.0. Use releaseLabel "emr-6.12.0" or later in provider.spark({ … })."`,
    );
    expect(
      provider.spark({ releaseLabel: "emr-6.12.0" }).sql("daily", "SELECT 1", since).params,
    ).toHaveProperty("since");
    // Without params an older release is fine.
    expect(provider.spark({ releaseLabel: "emr-6.6.0" }).sql("daily", "SELECT 1").executor).toMatchObject({
      releaseLabel: "emr-6.6.0",
    });
  });
});

describe("Lambda runtime", () => {
  it("defaults to nodejs24.x and accepts nodejs22.x", () => {
    expect(provider.serverless().node.runtime).toBe("nodejs24.x");
    expect(provider.serverless({ runtime: "nodejs22.x" }).node.runtime).toBe("nodejs22.x");
    expect(LAMBDA_NODE_RUNTIMES).toEqual(["nodejs24.x", "nodejs22.x"]);
  });

  it("refuses a runtime Lambda no longer deploys, or another language's, naming the option", () => {
    expect(serverless(untyped({ runtime: "nodejs20.x" }))).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "serverless.runtime": "nodejs20.x" is not a Lambda runtime Glacier deploys to. Use "nodejs24.x" or "nodejs22.x" (nodejs20.x can no longer be deployed: AWS blocks creating and updating functions on it)."`,
    );
    expect(serverless(untyped({ runtime: "python3.12" }))).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "serverless.runtime": "python3.12" is not a Lambda runtime Glacier deploys to. Use "nodejs24.x" or "nodejs22.x" (nodejs20.x can no longer be deployed: AWS blocks creating and updating functions on it)."`,
    );
  });

  it("keeps the default executor's id whether the default runtime is written or not", () => {
    expect(provider.serverless({ runtime: "nodejs24.x" }).node.id).toBe(provider.serverless().node.id);
    expect(provider.serverless({ runtime: "nodejs22.x" }).node.id).not.toBe(provider.serverless().node.id);
  });
});

describe("executor ids", () => {
  it("are equal for equal configurations, however they are written", () => {
    expect(provider.serverless().node.id).toBe(provider.serverless({ memory: 1024, timeout: 300 }).node.id);
    expect(provider.serverless({ environment: { A1: "1", B1: "2" } }).node.id).toBe(
      provider.serverless({ environment: { B1: "2", A1: "1" } }).node.id,
    );
    const other = new Provider({ cloud: "local", basePath: "/tmp" });
    expect(other.spark({ workers: 4 }).node.id).toBe(provider.spark({ workers: 4 }).node.id);
  });

  it("differ when any option differs", () => {
    const ids = [
      provider.serverless().node.id,
      provider.serverless({ memory: 2048 }).node.id,
      provider.serverless({ timeout: 60 }).node.id,
      provider.serverless({ ephemeralStorage: 1024 }).node.id,
      provider.serverless({ architecture: "arm64" }).node.id,
      provider.serverless({ environment: { LOG_LEVEL: "info" } }).node.id,
      provider.serverless({ reservedConcurrency: 5 }).node.id,
      provider.spark().node.id,
      provider.spark({ workers: 3 }).node.id,
      provider.spark({ driver: { cpu: 1, memory: 4 } }).node.id,
      provider.spark({ executor: { cpu: 8, memory: 32 } }).node.id,
      provider.spark({ releaseLabel: "emr-7.0.0" }).node.id,
      provider.serverless({ runtime: "nodejs22.x" }).node.id,
    ];
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("are pinned: a change here churns Terraform addresses and run fingerprints", () => {
    expect(provider.serverless().node.id).toMatchInlineSnapshot(`"serverless-4f640f83"`);
    expect(provider.spark().node.id).toMatchInlineSnapshot(`"spark-be369e1d"`);
  });
});
