import { describe, expect, it } from "vitest";
import { Provider, type ProviderConfig } from "@glacier/core";
import { failure } from "./support.js";

/** A config only JavaScript callers (or a cast) can write. */
const untyped = (config: unknown): ProviderConfig => config as ProviderConfig;

describe("aws providers", () => {
  it("record region, account and tags as frozen data", () => {
    const provider = new Provider({
      cloud: "aws",
      region: "eu-west-1",
      accountId: "123456789012",
      tags: { team: "data", "cost-center": "42" },
    });
    expect(provider.cloud).toBe("aws");
    expect(provider.node).toEqual({
      kind: "provider",
      cloud: "aws",
      region: "eu-west-1",
      accountId: "123456789012",
      tags: { team: "data", "cost-center": "42" },
    });
    expect(Object.isFrozen(provider)).toBe(true);
    expect(Object.isFrozen(provider.node)).toBe(true);
    expect(provider.node.cloud === "aws" && Object.isFrozen(provider.node.tags)).toBe(true);
  });

  it("default to no tags and no account id", () => {
    expect(new Provider({ cloud: "aws", region: "us-east-1" }).node).toEqual({
      kind: "provider",
      cloud: "aws",
      region: "us-east-1",
      tags: {},
    });
  });

  it("accept the region codes of every partition", () => {
    for (const region of ["us-east-1", "ap-southeast-2", "us-gov-west-1", "cn-north-1", "il-central-1"]) {
      expect(new Provider({ cloud: "aws", region }).node).toMatchObject({ region });
    }
  });

  it("copy the tags, so changing the caller's object later changes nothing", () => {
    const tags: Record<string, string> = { team: "data" };
    const provider = new Provider({ cloud: "aws", region: "eu-west-1", tags });
    tags["team"] = "other";
    expect(provider.node).toMatchObject({ tags: { team: "data" } });
  });

  it("reject a region that is not an AWS region code", () => {
    expect(failure(() => new Provider({ cloud: "aws", region: "Ireland" }))).toMatchInlineSnapshot(
      `"[INVALID_PROVIDER] option "provider.region": "Ireland" is not an AWS region. Use a region code such as "eu-west-1"."`,
    );
    expect(failure(() => new Provider(untyped({ cloud: "aws" })))).toMatchInlineSnapshot(
      `"[INVALID_PROVIDER] option "provider.region": undefined is not an AWS region. Use a region code such as "eu-west-1"."`,
    );
  });

  it("reject an account id that is not 12 digits, including a number", () => {
    expect(
      failure(() => new Provider({ cloud: "aws", region: "eu-west-1", accountId: "12345" })),
    ).toMatchInlineSnapshot(
      `"[INVALID_PROVIDER] option "provider.accountId": "12345" is not a 12-digit AWS account id. Leave it out or give the 12 digits."`,
    );
    // A number loses leading zeros and would leak into ARNs as a number: only the string form is an id.
    expect(
      failure(() => new Provider(untyped({ cloud: "aws", region: "eu-west-1", accountId: 123456789012 }))),
    ).toMatchInlineSnapshot(
      `"[INVALID_PROVIDER] option "provider.accountId": 123456789012 is not a 12-digit AWS account id. Leave it out or give the 12 digits."`,
    );
  });

  it("reject tags AWS would refuse", () => {
    const region = "eu-west-1";
    expect(failure(() => new Provider({ cloud: "aws", region, tags: { "": "x" } }))).toMatchInlineSnapshot(
      `"[INVALID_PROVIDER] option "provider.tags": tag "" is not a valid AWS tag. Use string keys (1–128 characters) and string values (≤ 256) of letters, digits, spaces and + - = . _ : / @."`,
    );
    expect(
      failure(() => new Provider({ cloud: "aws", region, tags: { team: "x".repeat(257) } })),
    ).toMatchInlineSnapshot(
      `"[INVALID_PROVIDER] option "provider.tags": tag "team" is not a valid AWS tag. Use string keys (1–128 characters) and string values (≤ 256) of letters, digits, spaces and + - = . _ : / @."`,
    );
    expect(failure(() => new Provider({ cloud: "aws", region, tags: { ["k".repeat(129)]: "v" } }))).toMatch(
      /^\[INVALID_PROVIDER\] option "provider.tags": tag "k{129}" is not a valid AWS tag/,
    );
    expect(
      failure(() => new Provider({ cloud: "aws", region, tags: { "team#1": "data" } })),
    ).toMatchInlineSnapshot(
      `"[INVALID_PROVIDER] option "provider.tags": tag "team#1" is not a valid AWS tag. Use string keys (1–128 characters) and string values (≤ 256) of letters, digits, spaces and + - = . _ : / @."`,
    );
    expect(
      failure(() => new Provider(untyped({ cloud: "aws", region, tags: { team: 7 } }))),
    ).toMatchInlineSnapshot(
      `"[INVALID_PROVIDER] option "provider.tags": tag "team" is not a valid AWS tag. Use string keys (1–128 characters) and string values (≤ 256) of letters, digits, spaces and + - = . _ : / @."`,
    );
    expect(
      failure(() => new Provider({ cloud: "aws", region, tags: { "AWS:createdBy": "me" } })),
    ).toMatchInlineSnapshot(
      `"[INVALID_PROVIDER] option "provider.tags": tag "AWS:createdBy" uses the aws: prefix, which AWS reserves. Rename the tag key."`,
    );
    expect(
      failure(() => new Provider(untyped({ cloud: "aws", region, tags: "team=data" }))),
    ).toMatchInlineSnapshot(
      `"[INVALID_PROVIDER] option "provider.tags": tags must be an object of key to value. Write tags: { team: "data" }."`,
    );
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`t${i}`, "x"]));
    expect(failure(() => new Provider({ cloud: "aws", region, tags: many }))).toMatchInlineSnapshot(
      `"[INVALID_PROVIDER] option "provider.tags": 51 tags is more than AWS's 50 per resource. Keep at most 50 tags."`,
    );
  });

  it("accept tags with the characters AWS allows, unicode letters included", () => {
    const tags = { "app:name/part": "a b+c=d.e_f@g-h", équipe: "données" };
    expect(new Provider({ cloud: "aws", region: "eu-west-1", tags }).node).toMatchObject({ tags });
  });
});

describe("local providers", () => {
  it("record the base path", () => {
    const provider = new Provider({ cloud: "local", basePath: "/srv/lake" });
    expect(provider.cloud).toBe("local");
    expect(provider.node).toEqual({ kind: "provider", cloud: "local", basePath: "/srv/lake" });
    expect(Object.isFrozen(provider.node)).toBe(true);
  });

  it("spell one directory one way, so locations (the graph's keys) agree", () => {
    const spellings = ["./data", "data", "data/", "data//", "./data/./"];
    const locations = spellings.map(
      (basePath) =>
        new Provider({ cloud: "local", basePath }).bucket({ bucket: "b", path: "x.csv" }).location,
    );
    expect(new Set(locations)).toEqual(new Set(["data/b/x.csv"]));
    expect(new Provider({ cloud: "local", basePath: "/" }).node).toMatchObject({ basePath: "/" });
    expect(new Provider({ cloud: "local", basePath: "/tmp/lake/" }).node).toMatchObject({
      basePath: "/tmp/lake",
    });
    expect(new Provider({ cloud: "local", basePath: "./" }).node).toMatchObject({ basePath: "." });
  });

  it("reject an empty or missing base path", () => {
    expect(failure(() => new Provider({ cloud: "local", basePath: "  " }))).toMatchInlineSnapshot(
      `"[INVALID_PROVIDER] option "provider.basePath": a local provider needs a basePath. Write new Provider({ cloud: "local", basePath: "./data" })."`,
    );
    expect(failure(() => new Provider(untyped({ cloud: "local" })))).toMatchInlineSnapshot(
      `"[INVALID_PROVIDER] option "provider.basePath": a local provider needs a basePath. Write new Provider({ cloud: "local", basePath: "./data" })."`,
    );
  });
});

describe("provider configuration", () => {
  it("rejects an unknown cloud", () => {
    expect(
      failure(() => new Provider(untyped({ cloud: "gcp", region: "europe-west1" }))),
    ).toMatchInlineSnapshot(
      `"[INVALID_PROVIDER] option "provider.cloud": "gcp" is not a supported cloud. Use cloud: "aws" or cloud: "local"."`,
    );
  });

  it("rejects a missing configuration", () => {
    expect(failure(() => new Provider(untyped(undefined)))).toMatchInlineSnapshot(
      `"[INVALID_PROVIDER] option "provider": new Provider() needs a configuration. Write new Provider({ cloud: "aws", region: "eu-west-1" })."`,
    );
    expect(failure(() => new Provider(untyped(null)))).toMatch(/^\[INVALID_PROVIDER\] option "provider"/);
  });
});
