import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import pl from "nodejs-polars";
import type { RunResult } from "@glacier/core";
import { readRun } from "@glacier/engine";
import { testProject, type TestProject } from "./fixtures/project.js";
import { stepOf } from "./fixtures/results.js";

let project: TestProject;
afterEach(() => project?.cleanup());

/** Customers with untidy names: mixed case and surrounding whitespace. */
const CUSTOMERS = pl.DataFrame({
  id: pl.Series("id", [1, 2, 3]).cast(pl.Int64),
  name: [" Ada Lovelace ", "GRACE hopper", "\tAlan Turing\n"],
});

type Transform = (df: pl.LazyDataFrame) => pl.LazyDataFrame;

/** A stream collecting what the run prints (not a terminal, so plain lines). */
function collector(options: { tty?: boolean } = {}) {
  let text = "";
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  if (options.tty) Object.assign(stream, { isTTY: true, columns: 160, rows: 30 });
  return { stream, text: () => text };
}

/** Runs customers → `task` → out.parquet with progress on `progress`; returns the result and the output. */
async function runTask(
  task: Transform | { sql: string },
  progress: NodeJS.WritableStream,
): Promise<{ result: RunResult; output: Record<string, unknown>[] }> {
  project = testProject();
  const p = project.provider;
  const local = p.local();
  project.write("crm", "raw/customers.parquet", CUSTOMERS);
  const raw = p.bucket({ bucket: "crm", path: "raw/customers.parquet" });
  const clean = p.bucket({ bucket: "crm", path: "clean/customers.parquet" });
  const pipeline =
    "sql" in task
      ? raw.transform(local.sql("tidyNames", task.sql)).to(clean)
      : raw.transform(local.task(task, { name: "tidyNames" })).to(clean);
  const result = await pipeline.run({ mode: "local", projectDir: project.dir, progress });
  return { result, output: project.read("crm", "clean/customers.parquet").toRecords() };
}

/** The progress lines about steps, with sizes and times replaced: they change from run to run. */
function stepLines(text: string): string {
  return text
    .split("\n")
    .filter((line) => /^[▶⚠✔✖*]/.test(line))
    .map((line) => line.replace(/\d+(\.\d+)? (k|M)?B\b/g, "<bytes>").replace(/\d+(\.\d+)? m?s\b/g, "<time>"))
    .join("\n");
}

describe("a step whose plan polars cannot serialise", () => {
  it("runs on the main thread and says so, with the rewrite, in the progress, the result and the record", async () => {
    const progress = collector();
    const { result, output } = await runTask(function lower(df) {
      return df.withColumns(pl.col("name").str.toLowerCase());
    }, progress.stream);
    expect(result.status).toBe("succeeded");
    expect(output).toEqual([
      { id: 1, name: " ada lovelace " },
      { id: 2, name: "grace hopper" },
      { id: 3, name: "\talan turing\n" },
    ]);
    const step = stepOf(result, "tidyNames");
    expect(step.notes).toMatchInlineSnapshot(`
      [
        {
          "columns": [
            "name",
          ],
          "expressions": [
            {
              "call": "str.toLowerCase()",
              "rewrite": "SQL lower(name)",
            },
          ],
          "hint": "Rewrite str.toLowerCase() as SQL lower(name) (SQL runs as executor.sql, or as pl.SQLContext inside the task).",
          "kind": "main-thread",
          "message": "ran on the main thread (blocking other steps, without its timeout): nodejs-polars cannot serialise str.toLowerCase() (column "name") for a worker thread.",
        },
      ]
    `);
    expect(stepLines(progress.text())).toMatchInlineSnapshot(`
      "▶ tidyNames started
      ⚠ tidyNames main thread: str.toLowerCase() → SQL lower(name)
      ✔ tidyNames succeeded  3 rows  <bytes>  <time>"
    `);
    // JSON consumers of run.json see the same note.
    expect((await readRun(result.runId, { projectDir: project.dir })).steps[0]?.notes).toEqual(step.notes);
  });

  it("names every call it finds, and says when a call has no serialisable form", async () => {
    const { result, output } = await runTask(function tidy(df) {
      return df.withColumns(pl.col("name").str.strip(), pl.col("name").str.encode("hex").alias("hex"));
    }, collector().stream);
    expect(result.status).toBe("succeeded");
    expect(output.map((r) => r["name"])).toEqual(["Ada Lovelace", "GRACE hopper", "Alan Turing"]);
    expect(output[1]?.["hex"]).toBe("475241434520686f70706572");
    expect(stepOf(result, "tidyNames").notes).toMatchInlineSnapshot(`
      [
        {
          "columns": [
            "name",
          ],
          "expressions": [
            {
              "call": "str.strip()",
              "rewrite": "str.stripChars(pl.lit(null))",
            },
            {
              "call": "str.encode()",
            },
          ],
          "hint": "Rewrite str.strip() as str.stripChars(pl.lit(null)). str.encode() has no serialisable form in nodejs-polars 0.26: keep it in a small step of its own.",
          "kind": "main-thread",
          "message": "ran on the main thread (blocking other steps, without its timeout): nodejs-polars cannot serialise str.strip(), str.encode() (column "name") for a worker thread.",
        },
      ]
    `);
  });

  it("lists the known calls when the task's source does not show which one it used", async () => {
    // Built outside the task: its source names no unserialisable call.
    const upper = (column: string) => pl.col(column).str.toUpperCase();
    const { result, output } = await runTask(function shout(df) {
      return df.withColumns(upper("name"));
    }, collector().stream);
    expect(output.map((r) => r["name"])).toEqual([" ADA LOVELACE ", "GRACE HOPPER", "\tALAN TURING\n"]);
    expect(stepOf(result, "tidyNames").notes).toMatchInlineSnapshot(`
      [
        {
          "columns": [
            "name",
          ],
          "expressions": [],
          "hint": "Unserialisable in nodejs-polars 0.26: str.strip() → str.stripChars(pl.lit(null)); str.lstrip() → str.stripCharsStart(pl.lit(null)); str.rstrip() → str.stripCharsEnd(pl.lit(null)); str.toLowerCase() → SQL lower(<column>); str.toUpperCase() → SQL upper(<column>); str.lengths() → SQL length(<column>); str.jsonPathMatch() → str.jsonDecode(dtype).struct.field("key"); toPhysical() → cast() to the physical type; str.encode(), str.decode(), hash(), reinterpret(), extendConstant() have no serialisable form. SQL runs as executor.sql, or as pl.SQLContext inside the task.",
          "kind": "main-thread",
          "message": "ran on the main thread (blocking other steps, without its timeout): its plan holds an expression nodejs-polars cannot serialise for a worker thread (column "name").",
        },
      ]
    `);
  });

  it("keeps the note on a step that then fails", async () => {
    project = testProject();
    const p = project.provider;
    project.write("crm", "raw/customers.parquet", CUSTOMERS);
    const lower = p.local().task(function lower(df: pl.LazyDataFrame) {
      return df.withColumns(pl.col("name").str.toLowerCase());
    });
    const result = await p
      .bucket({ bucket: "crm", path: "raw/customers.parquet" })
      .transform(lower)
      .to(
        p.bucket({ bucket: "crm", path: "clean/customers.parquet", schema: { id: "int64", name: "int64" } }),
      )
      .run({ mode: "local", projectDir: project.dir });
    const step = stepOf(result, "lower");
    expect([step.status, step.code]).toEqual(["failed", "SCHEMA_MISMATCH"]);
    expect(step.notes?.map((n) => n.expressions)).toEqual([
      [{ call: "str.toLowerCase()", rewrite: "SQL lower(name)" }],
    ]);
  });

  it("shows the note on the step's row of the live view", async () => {
    const terminal = collector({ tty: true });
    const { result } = await runTask(function lower(df) {
      return df.withColumns(pl.col("name").str.toLowerCase());
    }, terminal.stream);
    expect(result.status).toBe("succeeded");
    // eslint-disable-next-line no-control-regex
    const plain = terminal.text().replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "");
    const row = plain
      .split("\n")
      .filter((line) => line.startsWith("✔ tidyNames"))
      .at(-1);
    expect(stepLines(row ?? "")).toMatchInlineSnapshot(
      `"✔ tidyNames  3 rows  <bytes>  <time>  ⚠ main thread: str.toLowerCase() → SQL lower(name)"`,
    );
    // Drawn as the step starts on the main thread, whose run blocks the redraw timer.
    const running = plain
      .split("\n")
      .filter((line) => /^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] tidyNames/.test(line))
      .at(-1);
    expect(stepLines(running?.replace(/^./, "*") ?? "")).toMatchInlineSnapshot(
      `"* tidyNames  <time>  ⚠ main thread: str.toLowerCase() → SQL lower(name)"`,
    );
  });
});

describe("the suggested rewrites", () => {
  it("run in a worker thread, give the same result and leave no note", async () => {
    const progress = collector();
    const { result, output } = await runTask(function lower(df) {
      return pl.SQLContext({ t: df }).execute("SELECT * REPLACE (lower(name) AS name) FROM t");
    }, progress.stream);
    expect(result.status).toBe("succeeded");
    expect(output).toEqual([
      { id: 1, name: " ada lovelace " },
      { id: 2, name: "grace hopper" },
      { id: 3, name: "\talan turing\n" },
    ]);
    expect(stepOf(result, "tidyNames").notes).toBeUndefined();
    expect(stepLines(progress.text())).toMatchInlineSnapshot(`
      "▶ tidyNames started
      ✔ tidyNames succeeded  3 rows  <bytes>  <time>"
    `);
    expect((await readRun(result.runId, { projectDir: project.dir })).steps[0]).not.toHaveProperty("notes");
  });

  it("str.stripChars(pl.lit(null)) strips like str.strip(), in a worker thread", async () => {
    const { result, output } = await runTask(function tidy(df) {
      return df.withColumns(pl.col("name").str.stripChars(pl.lit(null)));
    }, collector().stream);
    expect(output.map((r) => r["name"])).toEqual(["Ada Lovelace", "GRACE hopper", "Alan Turing"]);
    expect(stepOf(result, "tidyNames").notes).toBeUndefined();
  });

  it("a SQL task with upper() leaves no note", async () => {
    const { result, output } = await runTask(
      { sql: "SELECT id, upper(name) AS name FROM input" },
      collector().stream,
    );
    expect(output.map((r) => r["name"])).toEqual([" ADA LOVELACE ", "GRACE HOPPER", "\tALAN TURING\n"]);
    expect(stepOf(result, "tidyNames").notes).toBeUndefined();
  });
});
