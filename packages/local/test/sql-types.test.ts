import { writeFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import pl from "nodejs-polars";
import { testProject, type TestProject } from "./fixtures/project.js";

/**
 * SQL tasks write their output's declared types, as the generated Spark driver does: the portable subset of
 * Polars SQL and Spark SQL (see `@glacier/aws-model`'s `sql-portability.ts`), run here on real Polars.
 */

let project: TestProject;
afterEach(() => project?.cleanup());

function orders(): pl.DataFrame {
  return pl.DataFrame({
    region: ["north", "south", "north", "east"],
    qty: pl.Series("qty", [3, 1, 4, 1], pl.Int32),
    amount: pl.Series("amount", [7, 2, -7, 9], pl.Int64),
  });
}

const types = (frame: pl.DataFrame) =>
  Object.fromEntries(Object.entries(frame.schema).map(([c, t]) => [c, (t as { variant: string }).variant]));

const SQL =
  "SELECT region, COUNT(*) AS n, SUM(qty) AS total, SUM(amount) / COUNT(*) AS mean FROM input GROUP BY region ORDER BY region";

describe("a SQL task's result types", () => {
  it("are what Polars makes without a declared schema: COUNT UInt32, SUM of an int32 Int32, / a float", async () => {
    project = testProject();
    project.write("acme", "raw/orders.parquet", orders());
    const p = project.provider;
    const report = p
      .bucket({ bucket: "acme", path: "raw/orders.parquet" })
      .transform(p.local().sql("byRegion", SQL))
      .to(p.bucket({ bucket: "acme", path: "out/by-region.parquet" }));
    expect((await report.run({ mode: "local", projectDir: project.dir })).status).toBe("succeeded");
    const out = project.read("acme", "out/by-region.parquet");
    expect(types(out)).toEqual({
      region: "String",
      n: "UInt32",
      total: "Int32",
      mean: "Float64",
    });
  });

  it("are the output's declared types when it declares them (Spark's BIGINT for COUNT and SUM)", async () => {
    project = testProject();
    project.write("acme", "raw/orders.parquet", orders());
    const p = project.provider;
    const report = p
      .bucket({ bucket: "acme", path: "raw/orders.parquet" })
      .transform(p.local().sql("byRegion", SQL))
      .to(
        p.bucket({
          bucket: "acme",
          path: "out/by-region.parquet",
          schema: { region: "string", n: "int64", total: "int64", mean: "float64" },
        }),
      );
    const result = await report.run({ mode: "local", projectDir: project.dir });
    expect(result.status, JSON.stringify(result.steps)).toBe("succeeded");
    const out = project.read("acme", "out/by-region.parquet");
    expect(types(out)).toEqual({
      region: "String",
      n: "Int64",
      total: "Int64",
      mean: "Float64",
    });
    expect(out.toRecords()).toEqual([
      { region: "east", n: 1, total: 1, mean: 9 },
      { region: "north", n: 2, total: 7, mean: 0 },
      { region: "south", n: 1, total: 1, mean: 2 },
    ]);
  });

  it("read RFC 4180 CSV: quoted commas, doubled quotes and line breaks inside fields (the Spark driver's options)", async () => {
    project = testProject();
    const file = project.path("acme", "raw/notes.csv");
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, 'id,note\n1,"a, b"\n2,"say ""hi"""\n3,"two\nlines"\n');
    const p = project.provider;
    const copy = p
      .bucket({ bucket: "acme", path: "raw/notes.csv" })
      .transform(p.local().sql("notes", "SELECT id, note FROM input ORDER BY id"))
      .to(p.bucket({ bucket: "acme", path: "out/notes.parquet" }));
    expect((await copy.run({ mode: "local", projectDir: project.dir })).status).toBe("succeeded");
    expect(project.read("acme", "out/notes.parquet").getColumn("note").toArray()).toEqual([
      "a, b",
      'say "hi"',
      "two\nlines",
    ]);
  });
});
