import { describe, expect, it } from "vitest";
import { sqlColumnLineage, type SqlLineageInput } from "../src/openlineage/sql-column-lineage.js";

const orders: SqlLineageInput = {
  table: "orders",
  namespace: "s3://acme",
  name: "raw/orders",
  columns: ["id", "cid", "amount", "qty"],
};
const customers: SqlLineageInput = { table: "customers", namespace: "s3://acme", name: "raw/customers" };
const input: SqlLineageInput = { ...orders, table: "input" };

const edge = (from: SqlLineageInput, field: string, type: string, subtype: string) => ({
  namespace: from.namespace,
  name: from.name,
  field,
  transformations: [{ type, subtype }],
});

describe("sqlColumnLineage", () => {
  it("follows plain columns, aliases, expressions over several columns and aggregates", () => {
    const lineage = sqlColumnLineage(
      "SELECT id, cid AS customer, amount * qty AS value, SUM(amount * qty) AS total FROM input " +
        "WHERE qty > :min GROUP BY id, cid, amount, qty HAVING SUM(qty) > 1 ORDER BY total",
      [input],
    );
    expect(lineage?.fields).toEqual({
      id: { inputFields: [edge(input, "id", "DIRECT", "IDENTITY")] },
      customer: { inputFields: [edge(input, "cid", "DIRECT", "IDENTITY")] },
      value: {
        inputFields: [
          edge(input, "amount", "DIRECT", "TRANSFORMATION"),
          edge(input, "qty", "DIRECT", "TRANSFORMATION"),
        ],
      },
      total: {
        inputFields: [
          edge(input, "amount", "DIRECT", "AGGREGATION"),
          edge(input, "qty", "DIRECT", "AGGREGATION"),
        ],
      },
    });
    expect(lineage?.dataset).toEqual([
      edge(input, "qty", "INDIRECT", "FILTER"),
      edge(input, "id", "INDIRECT", "GROUP_BY"),
      edge(input, "cid", "INDIRECT", "GROUP_BY"),
      edge(input, "amount", "INDIRECT", "GROUP_BY"),
      edge(input, "qty", "INDIRECT", "GROUP_BY"),
    ]);
  });

  it("expands * over an input with a declared schema, and gives nothing over one without", () => {
    expect(Object.keys(sqlColumnLineage("SELECT * FROM input", [input])?.fields ?? {})).toEqual(
      orders.columns,
    );
    expect(
      sqlColumnLineage("SELECT o.* FROM orders o JOIN customers c ON o.cid = c.id", [orders, customers])
        ?.fields["amount"],
    ).toEqual({ inputFields: [edge(orders, "amount", "DIRECT", "IDENTITY")] });
    expect(sqlColumnLineage("SELECT * FROM customers", [customers])).toBeUndefined();
  });

  it("resolves unqualified columns by the declared schemas, and never guesses", () => {
    // Only orders declares amount, but customers' columns are unknown: it could hold one too.
    expect(
      sqlColumnLineage("SELECT amount FROM orders JOIN customers ON orders.cid = customers.id", [
        orders,
        customers,
      ]),
    ).toBeUndefined();
    expect(
      sqlColumnLineage("SELECT amount FROM orders JOIN customers ON orders.cid = customers.id", [
        orders,
        { ...customers, columns: ["id", "region"] },
      ])?.fields,
    ).toEqual({ amount: { inputFields: [edge(orders, "amount", "DIRECT", "IDENTITY")] } });
    for (const sql of [
      "SELEC id FROM input", // does not parse
      "SELECT id FROM elsewhere", // not an input
      "SELECT nope FROM input", // not a column of the declared schema
      "SELECT amount + 1 FROM input", // unnamed expression
      "WITH x AS (SELECT id FROM input) SELECT id FROM x",
      "SELECT id FROM input UNION SELECT id FROM input",
      "SELECT id, SUM(amount) OVER (PARTITION BY cid) AS s FROM input",
    ]) {
      expect(sqlColumnLineage(sql, [input]), sql).toBeUndefined();
    }
  });
});
