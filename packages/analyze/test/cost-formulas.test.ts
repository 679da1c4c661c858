import { describe, expect, it } from "vitest";
import {
  emrCost,
  lambdaCost,
  PART_BYTES,
  pricesFor,
  s3RequestCost,
  stepFunctionsCost,
  transferCost,
} from "../src/index.js";

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
const euWest1 = pricesFor("eu-west-1").prices;
const total = (items: readonly { usd: number }[]) => items.reduce((a, i) => a + i.usd, 0);

describe("Lambda: GB-seconds at the function's memory and architecture, plus requests", () => {
  it("2048 MB x86 for 10 s in eu-west-1", () => {
    // 2048 MB = 2 GB; 2 GB × 10 s = 20 GB-s × $0.0000166667 = $0.000333334
    // 1 request × $0.20 / 1,000,000 = $0.0000002            → $0.000333534
    const items = lambdaCost({ memory: 2048, architecture: "x86_64", ephemeralStorage: 512 }, 10, euWest1);
    expect(items.map((i) => [i.usage, i.quantity, i.unit])).toEqual([
      ["duration (x86_64)", 20, "GB-s"],
      ["requests", 1, "request"],
    ]);
    expect(total(items)).toBeCloseTo(0.000333534, 12);
  });

  it("arm64 is priced lower: 1024 MB for 3.5 s", () => {
    // 1 GB × 3.5 s = 3.5 GB-s × $0.0000133334 = $0.0000466669; + $0.0000002 = $0.0000468669
    const items = lambdaCost({ memory: 1024, architecture: "arm64", ephemeralStorage: 512 }, 3.5, euWest1);
    expect(total(items)).toBeCloseTo(0.0000468669, 13);
  });

  it("ephemeral storage beyond the free 512 MB, and durations rounded up to the millisecond", () => {
    // 2048 MB of /tmp: (2048 − 512) / 1024 = 1.5 GB × 10 s = 15 GB-s × $0.0000000309 = $0.0000004635
    const items = lambdaCost({ memory: 1024, architecture: "x86_64", ephemeralStorage: 2048 }, 10, euWest1);
    expect(items[2]).toMatchObject({ quantity: 15, unit: "GB-s" });
    expect(items[2]?.usd).toBeCloseTo(0.0000004635, 15);
    // 0.2 ms is billed as 1 ms: 1 GB × 0.001 s = 0.001 GB-s
    expect(
      lambdaCost({ memory: 1024, architecture: "x86_64", ephemeralStorage: 512 }, 0.0002, euWest1)[0]
        ?.quantity,
    ).toBe(0.001);
  });
});

describe("EMR Serverless: vCPU-hours and GB-hours of driver and workers", () => {
  it("a 300 s job on pre-initialised capacity, billed until the 15-minute auto-stop", () => {
    // driver 2 vCPU / 8 GB + 4 executors × (4 vCPU / 16 GB) = 18 vCPU, 72 GB
    // (300 s + 900 s idle) / 3600 = 1/3 h → 6 vCPU-h × $0.052624 = $0.315744; 24 GB-h × $0.0057785 = $0.138684
    const app = { driver: { cpu: 2, memory: 8 }, executor: { cpu: 4, memory: 16 }, workers: 4 };
    const items = emrCost(app, 300, euWest1);
    expect(items.map((i) => [i.quantity, i.unit])).toEqual([
      [6, "vCPU-h"],
      [24, "GB-h"],
    ]);
    expect(total(items)).toBeCloseTo(0.454428, 9);
  });

  it("bills at least one minute", () => {
    // 1 driver (1 vCPU, 2 GB), no workers: (60 s + 900 s) / 3600 = 0.2666… h
    const app = { driver: { cpu: 1, memory: 2 }, executor: { cpu: 4, memory: 16 }, workers: 0 };
    expect(emrCost(app, 10, euWest1)[0]?.quantity).toBeCloseTo(960 / 3600, 12);
  });
});

describe("S3 requests from file counts and multipart parts", () => {
  it("one 100 MiB file in, 30 MiB out", () => {
    // GET/HEAD: 1 HEAD + ceil(100 / 8) = 13 ranged GETs = 14 × $0.0000004 = $0.0000056
    // PUT: 30 MiB > 10 MiB part → create + 3 parts + complete = 5 × $0.000005 = $0.000025
    const items = s3RequestCost(
      { reads: [{ files: 1, bytes: 100 * MIB, dataset: false }], writeBytes: 30 * MIB },
      euWest1,
    );
    expect(items.map((i) => [i.usage, i.quantity])).toEqual([
      ["GET/HEAD requests", 14],
      ["PUT requests", 5],
    ]);
    expect(total(items)).toBeCloseTo(0.0000306, 13);
  });

  it("a dataset of 2,500 small files is listed in 3 pages; a small output is one PUT", () => {
    const items = s3RequestCost(
      { reads: [{ files: 2500, bytes: 2500 * 1024, dataset: true }], writeBytes: PART_BYTES },
      euWest1,
    );
    expect(items.map((i) => [i.usage, i.quantity])).toEqual([
      // 2,500 HEADs + one GET per file (each far below 8 MiB)
      ["GET/HEAD requests", 2500 + 2500],
      ["PUT requests", 1],
      ["LIST requests", 3],
    ]);
  });
});

describe("Step Functions and data transfer", () => {
  it("3 transitions × $0.025 / 1,000 = $0.000075", () => {
    expect(total(stepFunctionsCost(3, euWest1))).toBeCloseTo(0.000075, 12);
  });

  it("2 GiB between regions × $0.02 = $0.04; nothing when nothing crosses", () => {
    expect(total(transferCost(2 * GIB, euWest1))).toBeCloseTo(0.04, 12);
    expect(transferCost(0, euWest1)).toEqual([]);
  });
});
