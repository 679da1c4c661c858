import { GlacierError } from "@glacier/core";

/**
 * On-demand AWS list prices in USD, per region. Free tiers are ignored: an estimate should not depend on
 * what else the account runs. Each figure names its source page and whether we could read it there.
 */
export interface RegionPrices {
  /** Lambda duration, per GB-second (first tier), by architecture. */
  readonly lambdaGbSecond: { readonly x86_64: number; readonly arm64: number };
  /** Lambda, per request. */
  readonly lambdaRequest: number;
  /** Lambda ephemeral storage beyond the free 512 MB, per GB-second. */
  readonly lambdaEphemeralGbSecond: number;
  /** EMR Serverless (x86), per vCPU-hour and per GB-hour of memory. */
  readonly emrVcpuHour: number;
  readonly emrGbHour: number;
  /** Fargate (Linux), per vCPU-hour and per GB-hour of memory, x86_64. */
  readonly fargateVcpuHour: number;
  readonly fargateGbHour: number;
  /** Fargate (Linux), per vCPU-hour and per GB-hour of memory, arm64 (Graviton). */
  readonly fargateArmVcpuHour: number;
  readonly fargateArmGbHour: number;
  /** Fargate task storage beyond the free 20 GB, per GB-hour. */
  readonly fargateStorageGbHour: number;
  /** S3 Standard storage, per GB-month (first 50 TB). */
  readonly s3StorageGbMonth: number;
  /** S3 Standard PUT/COPY/POST/LIST, per request. */
  readonly s3PutRequest: number;
  /** S3 Standard GET/SELECT/HEAD, per request. */
  readonly s3GetRequest: number;
  /** Step Functions standard workflows, per state transition. */
  readonly stepFunctionsTransition: number;
  /** Data transfer out of this region to another AWS region, per GB. */
  readonly interRegionTransferGb: number;
}

/** Where a group of figures comes from. */
export interface PriceSource {
  readonly figures: string;
  readonly url: string;
  /** `verified`: read on a stored copy of the page on `checked`; `unverified`: from the analyzer's table, not re-read. */
  readonly status: "verified" | "unverified";
  readonly checked: string;
  readonly note?: string;
}

/** The date this table was last reviewed. */
export const PRICES_CHECKED = "2026-11-22";

/** The pages each figure comes from; see the README for what was and was not verified. */
export const PRICE_SOURCES: readonly PriceSource[] = [
  {
    figures: "stepFunctionsTransition",
    url: "https://aws.amazon.com/step-functions/pricing/",
    status: "verified",
    checked: PRICES_CHECKED,
    note: "$0.025 per 1,000 transitions in all eight regions of this table (stored copy; page date not shown).",
  },
  {
    figures: "lambdaGbSecond, lambdaRequest",
    url: "https://aws.amazon.com/lambda/pricing/",
    status: "verified",
    checked: PRICES_CHECKED,
    note: "us-east-1 x86 $0.0000166667 and arm $0.0000133334 per GB-s, $0.20 per 1M requests; the stored copy renders the per-region table with JavaScript, so other regions are assumed equal (unverified).",
  },
  {
    figures: "lambdaEphemeralGbSecond",
    url: "https://aws.amazon.com/lambda/pricing/",
    status: "unverified",
    checked: PRICES_CHECKED,
    note: "us-east-1 rate ($0.0000000309 per GB-s), applied to every region.",
  },
  {
    figures: "emrVcpuHour, emrGbHour",
    url: "https://aws.amazon.com/emr/pricing/",
    status: "unverified",
    checked: PRICES_CHECKED,
    note: "EMR Serverless x86 us-east-1 rates ($0.052624 per vCPU-hour, $0.0057785 per GB-hour), applied to every region: no stored copy of the per-region table was readable. Override in glacier.config.ts.",
  },
  {
    figures: "fargateVcpuHour, fargateGbHour, fargateArmVcpuHour, fargateArmGbHour, fargateStorageGbHour",
    url: "https://aws.amazon.com/fargate/pricing/",
    status: "unverified",
    checked: "2026-12-07",
    note: "us-east-1 Linux rates ($0.04048 per vCPU-hour and $0.004445 per GB-hour on x86, $0.03238 and $0.00356 on ARM, $0.000111 per GB-hour of storage beyond the free 20 GB; per second, one-minute minimum), applied to every region. Read on 2026-12-07 in stored copies of third-party summaries of that page (vantage.sh, wring.co 2026-03), not on the page itself. Override in glacier.config.ts.",
  },
  {
    figures: "s3StorageGbMonth, s3PutRequest, s3GetRequest",
    url: "https://aws.amazon.com/s3/pricing/",
    status: "unverified",
    checked: PRICES_CHECKED,
  },
  {
    figures: "interRegionTransferGb",
    url: "https://aws.amazon.com/ec2/pricing/on-demand/#Data_Transfer",
    status: "unverified",
    checked: PRICES_CHECKED,
  },
];

/** us-east-1 rates, used for every region of the table (unverified elsewhere; see PRICE_SOURCES). */
const EMR_US_EAST_1: [number, number] = [0.052624, 0.0057785];
const EPHEMERAL_US_EAST_1 = 0.0000000309;
const LAMBDA = { lambdaGbSecond: { x86_64: 0.0000166667, arm64: 0.0000133334 }, lambdaRequest: 0.2 / 1e6 };
const SFN = { stepFunctionsTransition: 0.025 / 1000 };
const FARGATE_US_EAST_1 = {
  fargateVcpuHour: 0.04048,
  fargateGbHour: 0.004445,
  fargateArmVcpuHour: 0.03238,
  fargateArmGbHour: 0.00356,
  fargateStorageGbHour: 0.000111,
};

function region(
  s3: [storage: number, put1000: number, get1000: number],
  emr: [vcpuHour: number, gbHour: number],
  ephemeral: number,
  transfer: number,
): RegionPrices {
  return {
    ...LAMBDA,
    lambdaEphemeralGbSecond: ephemeral,
    emrVcpuHour: emr[0],
    emrGbHour: emr[1],
    ...FARGATE_US_EAST_1,
    s3StorageGbMonth: s3[0],
    s3PutRequest: s3[1] / 1000,
    s3GetRequest: s3[2] / 1000,
    ...SFN,
    interRegionTransferGb: transfer,
  };
}

/** The built-in table. Override any figure with `prices` in `glacier.config.ts`. */
export const DEFAULT_PRICES: Readonly<Record<string, RegionPrices>> = Object.freeze({
  "us-east-1": region([0.023, 0.005, 0.0004], EMR_US_EAST_1, EPHEMERAL_US_EAST_1, 0.02),
  "us-east-2": region([0.023, 0.005, 0.0004], EMR_US_EAST_1, EPHEMERAL_US_EAST_1, 0.02),
  "us-west-2": region([0.023, 0.005, 0.0004], EMR_US_EAST_1, EPHEMERAL_US_EAST_1, 0.02),
  "eu-west-1": region([0.023, 0.005, 0.0004], EMR_US_EAST_1, EPHEMERAL_US_EAST_1, 0.02),
  "eu-west-2": region([0.024, 0.0053, 0.00042], EMR_US_EAST_1, EPHEMERAL_US_EAST_1, 0.02),
  "eu-central-1": region([0.0245, 0.0054, 0.00043], EMR_US_EAST_1, EPHEMERAL_US_EAST_1, 0.02),
  "ap-southeast-1": region([0.025, 0.005, 0.0004], EMR_US_EAST_1, EPHEMERAL_US_EAST_1, 0.09),
  "ap-northeast-1": region([0.025, 0.0047, 0.00037], EMR_US_EAST_1, EPHEMERAL_US_EAST_1, 0.09),
});

/** Overrides: a partial table per region, or `"*"` for every region. */
export type PriceOverrides = Readonly<
  Record<
    string,
    Partial<Omit<RegionPrices, "lambdaGbSecond">> & {
      readonly lambdaGbSecond?: Partial<RegionPrices["lambdaGbSecond"]>;
    }
  >
>;

const KEYS = Object.keys(DEFAULT_PRICES["us-east-1"] as RegionPrices);

function invalid(message: string): GlacierError {
  return new GlacierError("INVALID_CONFIG", message, {
    subject: { kind: "option", name: "prices" },
    hint: 'Write prices: { "eu-west-1": { lambdaRequest: 0.0000002 } } or prices: { "*": { … } }, numbers in USD.',
  });
}

function checkOverrides(overrides: unknown): PriceOverrides {
  if (typeof overrides !== "object" || overrides === null || Array.isArray(overrides)) {
    throw invalid("prices must be an object of region → prices.");
  }
  for (const [name, table] of Object.entries(overrides)) {
    if (typeof table !== "object" || table === null) throw invalid(`prices.${name} must be an object.`);
    for (const [key, value] of Object.entries(table as Record<string, unknown>)) {
      if (!KEYS.includes(key)) throw invalid(`prices.${name}.${key} is not a price this analyzer knows.`);
      const values =
        key === "lambdaGbSecond" && typeof value === "object" && value ? Object.values(value) : [value];
      if (values.some((v) => typeof v !== "number" || !Number.isFinite(v) || v < 0)) {
        throw invalid(`prices.${name}.${key} must be a non-negative number (USD).`);
      }
    }
  }
  return overrides as PriceOverrides;
}

/**
 * The prices of a region: the built-in table, then `"*"` overrides, then the region's own.
 *
 * @example
 * ```ts
 * pricesFor("eu-west-1", { "eu-west-1": { lambdaRequest: 0 } }).prices.lambdaRequest; // 0
 * pricesFor("sa-east-1").known; // false: not in the table, us-east-1 figures are used
 * ```
 */
export function pricesFor(
  name: string,
  overrides?: unknown,
): { readonly prices: RegionPrices; readonly known: boolean; readonly overridden: readonly string[] } {
  const checked = overrides === undefined ? {} : checkOverrides(overrides);
  const base = DEFAULT_PRICES[name];
  let prices: RegionPrices = base ?? (DEFAULT_PRICES["us-east-1"] as RegionPrices);
  const overridden: string[] = [];
  for (const layer of [checked["*"], checked[name]]) {
    if (!layer) continue;
    overridden.push(...Object.keys(layer));
    prices = { ...prices, ...layer, lambdaGbSecond: { ...prices.lambdaGbSecond, ...layer.lambdaGbSecond } };
  }
  return {
    prices,
    known: base !== undefined || checked[name] !== undefined,
    overridden: [...new Set(overridden)].sort(),
  };
}
