import { describe, expect, it } from "vitest";
import { type BucketOptions, FORMATS, isBucket, Provider, type Schema } from "@glacier/core";
import { isDatasetPath } from "@glacier/core/internal";
import { failure } from "./support.js";

const aws = new Provider({ cloud: "aws", region: "eu-west-1" });
const local = new Provider({ cloud: "local", basePath: "/srv/lake" });
const bucket = (path: string, extra: Partial<BucketOptions> = {}) =>
  aws.bucket({ bucket: "acme-data", path, ...extra });
const bad = (options: Partial<BucketOptions>, provider: Provider = aws): string =>
  failure(() =>
    provider.bucket({ bucket: "acme-data", path: "raw/sales.parquet", ...options } as BucketOptions),
  );

describe("format", () => {
  it("is inferred from every known extension, in any case", () => {
    const cases = {
      "a.parquet": "parquet",
      "a.pq": "parquet",
      "a.csv": "csv",
      "a.ndjson": "ndjson",
      "a.jsonl": "ndjson",
      "a.arrow": "ipc",
      "a.ipc": "ipc",
      "a.feather": "ipc",
      "A.PARQUET": "parquet",
      "dir.v2/a.Csv": "csv",
      "events/*.jsonl": "ndjson",
      "year=2024/month=01/*.parquet": "parquet",
      "daily/**/*.arrow": "ipc",
    };
    for (const [path, format] of Object.entries(cases)) expect(bucket(path).node.format, path).toBe(format);
  });

  it("is taken as given, overriding the extension", () => {
    expect(bucket("raw/sales.txt", { format: "csv" }).node.format).toBe("csv");
    expect(bucket("raw/sales.csv", { format: "parquet" }).node.format).toBe("parquet");
    for (const format of FORMATS) expect(bucket("daily/", { format }).node.format).toBe(format);
    expect(Object.isFrozen(FORMATS)).toBe(true);
  });

  it("rejects an unknown extension, a missing one, and an unknown given format", () => {
    expect(bad({ path: "raw/sales.xlsx" })).toMatchInlineSnapshot(
      `"[UNKNOWN_FORMAT] bucket "acme-data/raw/sales.xlsx": cannot infer a format from the extension ".xlsx". Use one of .parquet, .csv, .ndjson/.jsonl, .arrow/.ipc, or pass format: "parquet" | "csv" | "ndjson" | "ipc"."`,
    );
    expect(bad({ path: "raw/sales" })).toMatchInlineSnapshot(
      `"[UNKNOWN_FORMAT] bucket "acme-data/raw/sales": cannot infer a format from "raw/sales": it has no file extension. Use one of .parquet, .csv, .ndjson/.jsonl, .arrow/.ipc, or pass format: "parquet" | "csv" | "ndjson" | "ipc"."`,
    );
    expect(bad({ path: "daily/" })).toMatchInlineSnapshot(
      `"[UNKNOWN_FORMAT] bucket "acme-data/daily/": cannot infer the format of the dataset "daily/": the path names no file extension. Use one of .parquet, .csv, .ndjson/.jsonl, .arrow/.ipc, or pass format: "parquet" | "csv" | "ndjson" | "ipc"."`,
    );
    expect(bad({ path: "sales/**" })).toMatchInlineSnapshot(
      `"[UNKNOWN_FORMAT] bucket "acme-data/sales/**": cannot infer the format of the dataset "sales/**": the path names no file extension. Use one of .parquet, .csv, .ndjson/.jsonl, .arrow/.ipc, or pass format: "parquet" | "csv" | "ndjson" | "ipc"."`,
    );
    expect(bad({ format: "json" as "csv" })).toMatchInlineSnapshot(
      `"[UNKNOWN_FORMAT] bucket "acme-data/raw/sales.parquet": format "json" is not one of parquet, csv, ndjson, ipc. Set format to one of: parquet, csv, ndjson, ipc."`,
    );
  });
});

describe("datasets", () => {
  it("are globs or directories (trailing /)", () => {
    expect(bucket("events/*.jsonl").node.dataset).toBe(true);
    expect(bucket("events/2024-0?.csv").node.dataset).toBe(true);
    expect(bucket("events/{a,b}.csv").node.dataset).toBe(true);
    expect(bucket("events/[ab].csv").node.dataset).toBe(true);
    expect(bucket("sales/**/*.parquet").node.dataset).toBe(true);
    expect(bucket("sales/", { format: "parquet" }).node.dataset).toBe(true);
    expect(bucket("sales/**", { format: "parquet" }).node.dataset).toBe(true);
    expect(bucket("raw/sales.parquet").node.dataset).toBe(false);
  });

  it("isDatasetPath answers the same question for a path", () => {
    expect(isDatasetPath("a/*.csv")).toBe(true);
    expect(isDatasetPath("a/")).toBe(true);
    expect(isDatasetPath("a/b.csv")).toBe(false);
  });
});

describe("paths", () => {
  it("reject .. segments, empty and . segments, a leading / and backslashes", () => {
    expect(bad({ path: "../secrets.csv" })).toMatchInlineSnapshot(
      `"[INVALID_PATH] bucket "acme-data/../secrets.csv": path "../secrets.csv" has a ".." segment. Paths stay inside their bucket: remove the .. segment."`,
    );
    expect(bad({ path: "raw/../../x.csv" })).toMatchInlineSnapshot(
      `"[INVALID_PATH] bucket "acme-data/raw/../../x.csv": path "raw/../../x.csv" has a ".." segment. Paths stay inside their bucket: remove the .. segment."`,
    );
    expect(bad({ path: "raw/..", format: "csv" })).toMatchInlineSnapshot(
      `"[INVALID_PATH] bucket "acme-data/raw/..": path "raw/.." has a ".." segment. Paths stay inside their bucket: remove the .. segment."`,
    );
    expect(bad({ path: "raw//sales.csv" })).toMatchInlineSnapshot(
      `"[INVALID_PATH] bucket "acme-data/raw//sales.csv": path "raw//sales.csv" has an empty or "." segment. Remove the doubled / or ./ from the path."`,
    );
    expect(bad({ path: "raw/./sales.csv" })).toMatchInlineSnapshot(
      `"[INVALID_PATH] bucket "acme-data/raw/./sales.csv": path "raw/./sales.csv" has an empty or "." segment. Remove the doubled / or ./ from the path."`,
    );
    expect(bad({ path: "./sales.csv" })).toMatchInlineSnapshot(
      `"[INVALID_PATH] bucket "acme-data/./sales.csv": path "./sales.csv" has an empty or "." segment. Remove the doubled / or ./ from the path."`,
    );
    expect(bad({ path: "daily//", format: "csv" })).toMatchInlineSnapshot(
      `"[INVALID_PATH] bucket "acme-data/daily//": path "daily//" has an empty or "." segment. Remove the doubled / or ./ from the path."`,
    );
    expect(bad({ path: "/raw/sales.csv" })).toMatchInlineSnapshot(
      `"[INVALID_PATH] bucket "acme-data//raw/sales.csv": path "/raw/sales.csv" must be relative, with / separators. Write the key without a leading / (the bucket is its root)."`,
    );
    expect(bad({ path: "raw\\sales.csv" })).toMatchInlineSnapshot(
      `"[INVALID_PATH] bucket "acme-data/raw\\sales.csv": path "raw\\sales.csv" must be relative, with / separators. Write the key without a leading / (the bucket is its root)."`,
    );
  });

  it("reject control characters in paths and local bucket names, shown escaped", () => {
    expect(bad({ path: 'raw/a.csv\n  click s_x href "javascript:alert(1)"' })).toMatchInlineSnapshot(
      `"[INVALID_PATH] bucket "acme-data/raw/a.csv\\n  click s_x href \\"javascript:alert(1)\\"": path "raw/a.csv\\n  click s_x href \\"javascript:alert(1)\\"" contains a control character (\\n). Remove line breaks, tabs and other control characters from the path."`,
    );
    expect(bad({ path: "raw/\tsales.csv" })).toMatchInlineSnapshot(
      `"[INVALID_PATH] bucket "acme-data/raw/\\tsales.csv": path "raw/\\tsales.csv" contains a control character (\\t). Remove line breaks, tabs and other control characters from the path."`,
    );
    expect(bad({ path: "raw/sales\u0000.csv" })).toMatchInlineSnapshot(
      `"[INVALID_PATH] bucket "acme-data/raw/sales\\u0000.csv": path "raw/sales\\u0000.csv" contains a control character (\\u0000). Remove line breaks, tabs and other control characters from the path."`,
    );
    expect(bad({ bucket: "lake\r\nx" }, local)).toMatchInlineSnapshot(
      `"[INVALID_BUCKET] bucket "lake\\r\\nx/raw/sales.parquet": bucket name "lake\\r\\nx" contains a control character (\\r). Remove line breaks, tabs and other control characters from the bucket name."`,
    );
  });

  it("reject an empty or missing path", () => {
    expect(bad({ path: "" })).toMatchInlineSnapshot(
      `"[INVALID_PATH] bucket "acme-data/": the path is empty. Give the key inside the bucket, e.g. path: "raw/sales.parquet"."`,
    );
    expect(bad({ path: "   " })).toMatchInlineSnapshot(
      `"[INVALID_PATH] bucket "acme-data/   ": the path is empty. Give the key inside the bucket, e.g. path: "raw/sales.parquet"."`,
    );
    expect(bad({ path: undefined as unknown as string })).toMatchInlineSnapshot(
      `"[INVALID_PATH] bucket "acme-data/(no path)": the path is empty. Give the key inside the bucket, e.g. path: "raw/sales.parquet"."`,
    );
  });

  it("keep dots inside names", () => {
    expect(bucket("v1.2/sales..backup.csv").node.path).toBe("v1.2/sales..backup.csv");
    expect(bucket(".hidden/sales.csv").node.path).toBe(".hidden/sales.csv");
  });
});

describe("bucket names", () => {
  it("reject an empty or missing name", () => {
    expect(bad({ bucket: "" })).toMatchInlineSnapshot(
      `"[INVALID_BUCKET] bucket "(unnamed)/raw/sales.parquet": the bucket name is empty. Give the bucket a name, e.g. bucket: "acme-data"."`,
    );
    expect(bad({ bucket: " " }, local)).toMatchInlineSnapshot(
      `"[INVALID_BUCKET] bucket "(unnamed)/raw/sales.parquet": the bucket name is empty. Give the bucket a name, e.g. bucket: "acme-data"."`,
    );
    expect(bad({ bucket: undefined as unknown as string })).toMatchInlineSnapshot(
      `"[INVALID_BUCKET] bucket "(unnamed)/raw/sales.parquet": the bucket name is empty. Give the bucket a name, e.g. bucket: "acme-data"."`,
    );
    expect(failure(() => aws.bucket(undefined as unknown as BucketOptions))).toMatchInlineSnapshot(
      `"[INVALID_BUCKET] provider.bucket() needs { bucket, path }. Write provider.bucket({ bucket: "acme-data", path: "raw/sales.parquet" })."`,
    );
  });

  it("follow S3's naming rules for aws providers", () => {
    expect(bad({ bucket: "ab" })).toMatchInlineSnapshot(
      `"[INVALID_BUCKET] bucket "ab/raw/sales.parquet": "ab" is not a valid S3 bucket name: it must be 3–63 characters long. Follow S3's bucket naming rules, e.g. acme-data-raw."`,
    );
    expect(bad({ bucket: "a".repeat(64) })).toMatch(/must be 3–63 characters long/);
    expect(bad({ bucket: "Acme-Data" })).toMatchInlineSnapshot(
      `"[INVALID_BUCKET] bucket "Acme-Data/raw/sales.parquet": "Acme-Data" is not a valid S3 bucket name: it may hold only lowercase letters, digits, dots and hyphens, and must begin and end with a letter or digit. Follow S3's bucket naming rules, e.g. acme-data-raw."`,
    );
    expect(bad({ bucket: "acme_data" })).toMatch(/may hold only lowercase letters/);
    expect(bad({ bucket: "-acme" })).toMatch(/must begin and end with a letter or digit/);
    expect(bad({ bucket: "acme-" })).toMatch(/must begin and end with a letter or digit/);
    expect(bad({ bucket: "acme..data" })).toMatchInlineSnapshot(
      `"[INVALID_BUCKET] bucket "acme..data/raw/sales.parquet": "acme..data" is not a valid S3 bucket name: it must not contain two adjacent dots. Follow S3's bucket naming rules, e.g. acme-data-raw."`,
    );
    expect(bad({ bucket: "192.168.5.4" })).toMatchInlineSnapshot(
      `"[INVALID_BUCKET] bucket "192.168.5.4/raw/sales.parquet": "192.168.5.4" is not a valid S3 bucket name: it must not look like an IP address. Follow S3's bucket naming rules, e.g. acme-data-raw."`,
    );
    expect(bad({ bucket: "xn--acme" })).toMatchInlineSnapshot(
      `"[INVALID_BUCKET] bucket "xn--acme/raw/sales.parquet": "xn--acme" is not a valid S3 bucket name: it uses a prefix or suffix AWS reserves. Follow S3's bucket naming rules, e.g. acme-data-raw."`,
    );
    expect(bad({ bucket: "sthree-acme" })).toMatch(/reserves/);
    expect(bad({ bucket: "acme-s3alias" })).toMatch(/reserves/);
    expect(bad({ bucket: "acme--ol-s3" })).toMatch(/reserves/);
    for (const name of ["abc", "acme-data", "acme.data.raw", "1acme", "a".repeat(63)]) {
      expect(aws.bucket({ bucket: name, path: "x.csv" }).node.bucket).toBe(name);
    }
  });

  it("are directory names for local providers, where S3's rules do not apply", () => {
    expect(local.bucket({ bucket: "Acme_Data", path: "x.csv" }).location).toBe("/srv/lake/Acme_Data/x.csv");
    expect(bad({ bucket: "a/b" }, local)).toMatchInlineSnapshot(
      `"[INVALID_BUCKET] bucket "a/b/raw/sales.parquet": "a/b" is not a directory name. Use a plain directory name: no / or \\, and not "." or ".."."`,
    );
    expect(bad({ bucket: ".." }, local)).toMatchInlineSnapshot(
      `"[INVALID_BUCKET] bucket "../raw/sales.parquet": ".." is not a directory name. Use a plain directory name: no / or \\, and not "." or ".."."`,
    );
    expect(bad({ bucket: "." }, local)).toMatch(/is not a directory name/);
    expect(bad({ bucket: "a\\b" }, local)).toMatch(/is not a directory name/);
  });
});

describe("locations", () => {
  it("are s3://<bucket>/<path> for aws", () => {
    const node = bucket("raw/sales.parquet").node;
    expect(node.id).toBe("acme-data/raw/sales.parquet");
    expect(node.location).toBe("s3://acme-data/raw/sales.parquet");
  });

  it("are <basePath>/<bucket>/<path> for local, whatever the base path looks like", () => {
    const at = (basePath: string): string =>
      new Provider({ cloud: "local", basePath }).bucket({ bucket: "acme", path: "raw/sales.csv" }).location;
    expect(at("/srv/lake")).toBe("/srv/lake/acme/raw/sales.csv");
    expect(at("/srv/lake/")).toBe("/srv/lake/acme/raw/sales.csv");
    expect(at("/")).toBe("/acme/raw/sales.csv");
    expect(at("./data")).toBe("data/acme/raw/sales.csv");
    expect(at(".")).toBe("./acme/raw/sales.csv");
    expect(at("../shared")).toBe("../shared/acme/raw/sales.csv");
    expect(local.bucket({ bucket: "acme", path: "daily/", format: "csv" }).location).toBe(
      "/srv/lake/acme/daily/",
    );
  });

  it("keep the provider on the node", () => {
    expect(local.bucket({ bucket: "acme", path: "x.csv" }).node.provider).toBe(local.node);
  });
});

describe("schema", () => {
  it("is kept, frozen, in column order", () => {
    const schema: Schema = { id: "int64", amount: "float64", day: "date" };
    const node = bucket("x.parquet", { schema }).node;
    expect(node.schema).toEqual(schema);
    expect(Object.keys(node.schema ?? {})).toEqual(["id", "amount", "day"]);
    expect(Object.isFrozen(node.schema)).toBe(true);
  });

  it("rejects unknown types, an empty schema and a non-object", () => {
    expect(bad({ schema: { id: "bigint" } as unknown as Schema })).toMatchInlineSnapshot(
      `"[INVALID_SCHEMA] bucket "acme-data/raw/sales.parquet": column "id" has unknown type "bigint". Use one of: bool, int8, int16, int32, int64, uint8, uint16, uint32, uint64, float32, float64, string, date, datetime, time, duration, binary."`,
    );
    expect(bad({ schema: {} })).toMatchInlineSnapshot(
      `"[INVALID_SCHEMA] bucket "acme-data/raw/sales.parquet": schema declares no columns. Declare at least one column, or leave schema out."`,
    );
    expect(bad({ schema: ["id"] as unknown as Schema })).toMatchInlineSnapshot(
      `"[INVALID_SCHEMA] bucket "acme-data/raw/sales.parquet": schema must be an object of column name to type. Write e.g. schema: { id: "int64", amount: "float64" }."`,
    );
    expect(bad({ schema: "id int64" as unknown as Schema })).toMatchInlineSnapshot(
      `"[INVALID_SCHEMA] bucket "acme-data/raw/sales.parquet": schema must be an object of column name to type. Write e.g. schema: { id: "int64", amount: "float64" }."`,
    );
  });
});

describe("external", () => {
  it("defaults to false and is kept when given", () => {
    expect(bucket("x.csv").node.external).toBe(false);
    expect(bucket("x.csv", { external: true }).node.external).toBe(true);
  });

  it("must be a boolean", () => {
    expect(bad({ external: "yes" as unknown as boolean })).toMatchInlineSnapshot(
      `"[INVALID_BUCKET] bucket "acme-data/raw/sales.parquet": external must be true or false, got string. Write external: true for a location owned elsewhere, or leave it out."`,
    );
  });
});

describe("bucket values", () => {
  it("are frozen Buckets with frozen nodes and no lineage", () => {
    const b = bucket("raw/sales.parquet", { schema: { id: "int64" } });
    expect(isBucket(b)).toBe(true);
    expect(Object.isFrozen(b)).toBe(true);
    expect(Object.isFrozen(b.node)).toBe(true);
    expect(Object.isFrozen(b.node.provider)).toBe(true);
    expect(b.id).toBe(b.node.id);
    expect(b.location).toBe(b.node.location);
    expect(b.lineage).toEqual([]);
    expect(Object.isFrozen(b.lineage)).toBe(true);
    expect(b.pipeline).toBeUndefined();
    expect(() => {
      (b.node as { path: string }).path = "other.parquet";
    }).toThrow(TypeError);
    expect(b.node.path).toBe("raw/sales.parquet");
  });

  it("have ids derived from bucket and path only: equal declarations give equal nodes", () => {
    const a = bucket("raw/sales.parquet");
    const b = new Provider({ cloud: "aws", region: "eu-west-1" }).bucket({
      bucket: "acme-data",
      path: "raw/sales.parquet",
    });
    expect(a).not.toBe(b);
    expect(a.node).toEqual(b.node);
    expect(a.id).toBe("acme-data/raw/sales.parquet");
  });

  it("isBucket is false for look-alikes", () => {
    expect(isBucket({ node: bucket("x.csv").node, lineage: [] })).toBe(false);
    expect(isBucket(null)).toBe(false);
    expect(isBucket("acme-data/x.csv")).toBe(false);
  });
});

describe("kmsKeyArn (SSE-KMS buckets)", () => {
  const key = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

  it("records a KMS key ARN, multi-Region keys included", () => {
    expect(bucket("raw/sales.parquet", { kmsKeyArn: key }).node.kmsKeyArn).toBe(key);
    const mrk = "arn:aws:kms:eu-west-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab";
    expect(bucket("raw/sales.parquet", { kmsKeyArn: mrk }).node.kmsKeyArn).toBe(mrk);
    expect(bucket("raw/sales.parquet").node).not.toHaveProperty("kmsKeyArn");
  });

  it("refuses an alias or anything else that IAM cannot grant by ARN", () => {
    expect(bad({ kmsKeyArn: "alias/data" })).toMatchInlineSnapshot(
      `"[INVALID_BUCKET] bucket "acme-data/raw/sales.parquet": kmsKeyArn "alias/data" is not a KMS key ARN. Give the key's ARN, e.g. "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" (aliases cannot be granted by ARN)."`,
    );
    expect(bad({ kmsKeyArn: "arn:aws:kms:eu-west-1:111122223333:alias/data" })).toMatch(
      /^\[INVALID_BUCKET\]/,
    );
    expect(bad({ kmsKeyArn: 42 as unknown as string })).toMatch(/^\[INVALID_BUCKET\].*kmsKeyArn 42 is not/);
  });
});
