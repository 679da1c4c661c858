import { mkdirSync, readFileSync, readdirSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pl from "nodejs-polars";
import {
  makeUnwritable,
  mountReadOnly,
  sales,
  undoUnwritable,
  unmount,
  type BadInput,
  type CaseProject,
} from "./harness.js";

/** raw/sales.parquet → copy → clean/sales.parquet, with the source's and output's options given. */
function copyPipeline(
  p: CaseProject,
  options: {
    readonly source?: string;
    readonly sourceOptions?: string;
    readonly output?: string;
    readonly outputOptions?: string;
    readonly task?: string;
  } = {},
): void {
  const source = options.source ?? "raw/sales.parquet";
  const output = options.output ?? "clean/sales.parquet";
  p.pipeline(
    `export const sales = at(${JSON.stringify(source)}, ${options.sourceOptions ?? "{}"})
  .transform(local.task(function copy(df: pl.LazyDataFrame) { return ${options.task ?? "df"}; }))
  .to(at(${JSON.stringify(output)}, ${options.outputOptions ?? "{}"}));`,
  );
}

/** A Parquet file whose footer is intact and whose data pages are garbage. */
function corruptPages(path: string): void {
  const bytes = readFileSync(path);
  for (let i = 200; i < bytes.length - 2000; i += 7) bytes[i] = 0xff;
  writeFileSync(path, bytes);
}

/** A CSV with a header and `rows` good rows. */
function csvRows(rows: number): string {
  let text = "order_id,region,amount\n";
  for (let i = 1; i <= rows; i++) text += `${i},north,${i}.5\n`;
  return text;
}

const RUN = ["run", "pipeline.ts"] as const;
const VALIDATE = ["validate", "pipeline.ts"] as const;

/**
 * The catalogue of bad inputs. Add a case by adding an entry: the harness runs it through the real `glacier`
 * binary and checks exit code, error code, names, fix and that the data directory is unchanged.
 */
export const CASES: readonly BadInput[] = [
  // ── Item 1: a step may only replace files it wrote ─────────────────────────────────────────────────────
  {
    name: "a directory dataset written over its own source directory",
    area: "ownership",
    setup(p) {
      p.write("acme/raw/sales.parquet", sales());
      p.write("acme/raw/notes.txt", "keep me");
      p.write("acme/raw/archive/2023.parquet", sales(10, 2));
      copyPipeline(p, { output: "raw/", outputOptions: `{ format: "parquet" }` });
    },
    args: RUN,
    exit: 2,
    code: "LOCATION_OVERLAP",
    names: ['bucket "acme/raw/"', "<data>/acme/raw/sales.parquet", 'step "copy"'],
    fix: /give "acme\/raw\/" a path no other bucket lives under/,
  },
  {
    name: "validate: a directory dataset over its own source",
    area: "ownership",
    setup(p) {
      copyPipeline(p, { output: "raw/", outputOptions: `{ format: "parquet" }` });
    },
    args: VALIDATE,
    exit: 2,
    code: "LOCATION_OVERLAP",
    names: ["acme/raw/", "acme/raw/sales.parquet", '"copy"'],
    fix: /move "acme\/raw\/sales.parquet" out of it/,
  },
  {
    name: "a first run into a directory holding a user's README",
    area: "ownership",
    setup(p) {
      p.write("acme/raw/sales.parquet", sales());
      p.write("acme/clean/README.md", "# clean data lands here\n");
      copyPipeline(p, { output: "clean/", outputOptions: `{ format: "parquet" }` });
    },
    args: RUN,
    exit: 2,
    code: "OUTPUT_NOT_OWNED",
    names: ['bucket "acme/clean/"', 'step "copy"', "<data>/acme/clean/", "README.md"],
    fix: /Move those files out of/,
  },
  {
    name: "a directory dataset over another step's output (validate)",
    area: "ownership",
    setup(p) {
      p.pipeline(`const input = at("in.parquet");
export const report = input.transform(local.task(function report(df: pl.LazyDataFrame) { return df; })).to(at("out/sub/report.parquet"));
export const all = input.transform(local.task(function all(df: pl.LazyDataFrame) { return df; })).to(at("out/", { format: "parquet" }));`);
    },
    args: VALIDATE,
    exit: 2,
    code: "LOCATION_OVERLAP",
    names: ['bucket "acme/out/"', '"all"', '"report"', "acme/out/sub/report.parquet"],
    fix: /path no other bucket lives under/,
  },
  {
    name: "a directory dataset over another step's output (run)",
    area: "ownership",
    setup(p) {
      p.write("acme/in.parquet", sales());
      p.write("acme/out/sub/report.parquet", sales(5));
      p.pipeline(`const input = at("in.parquet");
export const report = input.transform(local.task(function report(df: pl.LazyDataFrame) { return df; })).to(at("out/sub/report.parquet"));
export const all = input.transform(local.task(function all(df: pl.LazyDataFrame) { return df; })).to(at("out/", { format: "parquet" }));`);
    },
    args: RUN,
    exit: 2,
    code: "LOCATION_OVERLAP",
    names: ['bucket "acme/out/"', '"all"', '"report"'],
    fix: /path no other bucket lives under/,
  },
  {
    name: "a dataset input another step writes into without depending on it",
    area: "ownership",
    setup(p) {
      p.pipeline(`export const drop = at("a.parquet").transform(local.task(function drop(df: pl.LazyDataFrame) { return df; })).to(at("raw/new.parquet"));
export const all = at("raw/", { format: "parquet" }).transform(local.task(function readAll(df: pl.LazyDataFrame) { return df; })).to(at("all.parquet"));`);
    },
    args: VALIDATE,
    exit: 2,
    code: "LOCATION_OVERLAP",
    names: ['"readAll"', '"drop"', "acme/raw/new.parquet"],
    fix: /move one of them/,
  },
  {
    name: "a glob input matching another step's output",
    area: "ownership",
    setup(p) {
      p.pipeline(`export const drop = at("a.parquet").transform(local.task(function drop(df: pl.LazyDataFrame) { return df; })).to(at("raw/new.parquet"));
export const all = at("raw/*.parquet").transform(local.task(function readAll(df: pl.LazyDataFrame) { return df; })).to(at("all.parquet"));`);
    },
    args: VALIDATE,
    exit: 2,
    code: "LOCATION_OVERLAP",
    names: ['bucket "acme/raw/*.parquet"', "acme/raw/new.parquet"],
    fix: /move one of them/,
  },
  {
    name: "an output file path another bucket uses as a directory",
    area: "ownership",
    setup(p) {
      p.pipeline(`export const one = at("a.parquet").transform(local.task(function one(df: pl.LazyDataFrame) { return df; })).to(at("out/x.parquet"));
export const two = at("a.parquet").transform(local.task(function two(df: pl.LazyDataFrame) { return df; })).to(at("out/x.parquet/y.parquet"));`);
    },
    args: VALIDATE,
    exit: 2,
    code: "LOCATION_OVERLAP",
    names: ['bucket "acme/out/x.parquet"', '"one"', '"two"'],
    fix: /path no other bucket lives under/,
  },
  {
    name: "a user's file dropped into an output directory after a run",
    area: "ownership",
    async setup(p) {
      p.write("acme/raw/sales.parquet", sales());
      copyPipeline(p, { output: "daily/", outputOptions: `{ format: "parquet" }` });
      await p.glacier(RUN);
      p.write("acme/daily/extra.parquet", sales(3, 9));
      copyPipeline(p, { output: "daily/", outputOptions: `{ format: "parquet" }`, task: "df.head(10)" });
    },
    args: RUN,
    exit: 2,
    code: "OUTPUT_NOT_OWNED",
    names: ['bucket "acme/daily/"', "extra.parquet", 'step "copy"'],
    fix: /Move those files out of/,
  },
  {
    name: "a user's subdirectory inside an output directory",
    area: "ownership",
    setup(p) {
      p.write("acme/raw/sales.parquet", sales());
      p.write("acme/daily/archive/2023.parquet", sales(5, 3));
      copyPipeline(p, { output: "daily/", outputOptions: `{ format: "parquet" }` });
    },
    args: RUN,
    exit: 2,
    code: "OUTPUT_NOT_OWNED",
    names: ["archive/2023.parquet", "<data>/acme/daily/"],
    fix: /point the bucket at a directory of its own/,
  },

  // ── Item 5: sources are checked on every run ───────────────────────────────────────────────────────────
  {
    name: "a source truncated after a good run",
    area: "sources",
    async setup(p) {
      const file = p.write("acme/raw/sales.parquet", sales(2000));
      copyPipeline(p);
      await p.glacier(RUN);
      truncateSync(file, 100);
    },
    args: RUN,
    exit: 2,
    code: "SOURCE_UNREADABLE",
    names: ['bucket "acme/raw/sales.parquet"', "<data>/acme/raw/sales.parquet"],
    fix: /not truncated/,
  },
  {
    name: "a source overwritten with garbage after a good run",
    area: "sources",
    async setup(p) {
      p.write("acme/raw/sales.parquet", sales());
      copyPipeline(p);
      await p.glacier(RUN);
      p.write("acme/raw/sales.parquet", "PAR1 this is not parquet at all");
    },
    args: RUN,
    exit: 2,
    code: "SOURCE_UNREADABLE",
    names: ["<data>/acme/raw/sales.parquet", "parquet"],
    fix: /Check that the data is parquet/,
  },
  {
    name: "a source whose columns changed after a good run (declared schema)",
    area: "sources",
    async setup(p) {
      p.write("acme/raw/sales.parquet", sales());
      const schema = `{ schema: { order_id: "int64", region: "string", amount: "float64" } }`;
      copyPipeline(p, { sourceOptions: schema });
      await p.glacier(RUN);
      p.write("acme/raw/sales.parquet", sales().rename({ amount: "value" }));
    },
    args: RUN,
    exit: 2,
    code: "SCHEMA_MISMATCH",
    names: ['bucket "acme/raw/sales.parquet"', 'missing column "amount"', 'unexpected column "value"'],
    fix: /update the bucket's schema/,
  },
  {
    name: "a source whose types changed after a good run (declared schema)",
    area: "sources",
    async setup(p) {
      p.write("acme/raw/sales.parquet", sales());
      copyPipeline(p, {
        sourceOptions: `{ schema: { order_id: "int64", region: "string", amount: "float64" } }`,
      });
      await p.glacier(RUN);
      p.write("acme/raw/sales.parquet", sales().withColumns(pl.col("order_id").cast(pl.Utf8)));
    },
    args: RUN,
    exit: 2,
    code: "SCHEMA_MISMATCH",
    names: ['column "order_id" is String, declared int64'],
    fix: /Fix the data or the task/,
  },
  {
    name: "a dataset file whose columns differ from the others",
    area: "sources",
    setup(p) {
      p.write("acme/events/a.parquet", sales());
      p.write("acme/events/b.parquet", sales().rename({ amount: "value" }));
      copyPipeline(p, { source: "events/", sourceOptions: `{ format: "parquet" }` });
    },
    args: RUN,
    exit: 2,
    code: "SCHEMA_MISMATCH",
    names: [
      'bucket "acme/events/"',
      "<data>/acme/events/b.parquet",
      "<data>/acme/events/a.parquet",
      '"amount"',
    ],
    fix: /Rewrite or remove the odd file/,
  },
  {
    name: "a dataset file whose column type differs from the others",
    area: "sources",
    setup(p) {
      p.write("acme/events/a.parquet", sales());
      p.write("acme/events/b.parquet", sales().withColumns(pl.col("order_id").cast(pl.Utf8)));
      copyPipeline(p, { source: "events/", sourceOptions: `{ format: "parquet" }` });
    },
    args: RUN,
    exit: 2,
    code: "SCHEMA_MISMATCH",
    names: ["<data>/acme/events/b.parquet", 'column "order_id" is String there, Int64'],
    fix: /Rewrite or remove the odd file/,
  },
  {
    name: "a truncated file inside a dataset",
    area: "sources",
    setup(p) {
      p.write("acme/events/a.parquet", sales());
      truncateSync(p.write("acme/events/b.parquet", sales()), 50);
      copyPipeline(p, { source: "events/", sourceOptions: `{ format: "parquet" }` });
    },
    args: RUN,
    exit: 2,
    code: "SOURCE_UNREADABLE",
    names: ['bucket "acme/events/"', "<data>/acme/events/b.parquet"],
    fix: /not truncated/,
  },
  {
    name: "a CSV value that breaks the declared type",
    area: "sources",
    setup(p) {
      p.write("acme/raw/sales.csv", `${csvRows(300)}oops,south,1.0\n`);
      copyPipeline(p, {
        source: "raw/sales.csv",
        sourceOptions: `{ schema: { order_id: "int64", region: "string", amount: "float64" } }`,
      });
    },
    args: RUN,
    exit: 1,
    code: "SCHEMA_MISMATCH",
    names: ['bucket "acme/raw/sales.csv"', "<data>/acme/raw/sales.csv (line 302)", "oops", "'order_id'"],
    fix: /declare the column's real type/,
  },

  // ── Item 6: errors blame the right thing ───────────────────────────────────────────────────────────────
  {
    name: "a Parquet source with corrupt data pages (footer intact)",
    area: "errors",
    setup(p) {
      corruptPages(p.write("acme/raw/sales.parquet", sales(20000)));
      copyPipeline(p);
    },
    args: RUN,
    exit: 1,
    code: "SOURCE_UNREADABLE",
    names: ['bucket "acme/raw/sales.parquet"', "<data>/acme/raw/sales.parquet", "copy"],
    fix: /Replace or repair the file .* the task is not at fault/,
  },
  {
    name: "corrupt data pages in one file of a dataset",
    area: "errors",
    setup(p) {
      p.write("acme/events/a.parquet", sales(20000, 1));
      corruptPages(p.write("acme/events/b.parquet", sales(20000, 2)));
      copyPipeline(p, { source: "events/", sourceOptions: `{ format: "parquet" }` });
    },
    args: RUN,
    exit: 1,
    code: "SOURCE_UNREADABLE",
    names: ['bucket "acme/events/"', "<data>/acme/events/b.parquet"],
    fix: /Replace or repair the file/,
  },
  {
    name: "a ragged CSV (a row with more fields than the header)",
    area: "errors",
    setup(p) {
      p.write("acme/raw/sales.csv", `${csvRows(300)}301,south,1.0,EXTRA\n302,east,2.0\n`);
      copyPipeline(p, { source: "raw/sales.csv" });
    },
    args: RUN,
    exit: 1,
    code: "SOURCE_UNREADABLE",
    names: ['bucket "acme/raw/sales.csv"', "<data>/acme/raw/sales.csv", "more fields"],
    fix: /Replace or repair the file/,
  },
  {
    name: "a CSV with invalid UTF-8 past its header",
    area: "errors",
    setup(p) {
      p.write(
        "acme/raw/sales.csv",
        Buffer.concat([
          Buffer.from(csvRows(300)),
          Buffer.from([0x33, 0x30, 0x31, 0x2c, 0xff, 0xfe, 0x2c, 0x31, 0x0a]),
        ]),
      );
      copyPipeline(p, { source: "raw/sales.csv" });
    },
    args: RUN,
    exit: 1,
    code: "SOURCE_UNREADABLE",
    names: ["<data>/acme/raw/sales.csv", "utf-8"],
    fix: /Replace or repair the file/,
  },
  {
    name: "a Parquet file declared as CSV",
    area: "errors",
    setup(p) {
      p.write("acme/raw/sales.parquet", sales());
      copyPipeline(p, { sourceOptions: `{ format: "csv" }` });
    },
    args: RUN,
    exit: 1,
    code: "SOURCE_UNREADABLE",
    names: ['bucket "acme/raw/sales.parquet"', "<data>/acme/raw/sales.parquet", "cannot be read as csv"],
    fix: /not csv\); the task is not at fault/,
  },
  {
    name: "a read-only output directory",
    area: "errors",
    setup(p) {
      p.write("acme/raw/sales.parquet", sales());
      p.write("acme/clean/.keep", "");
      copyPipeline(p);
      return makeUnwritable(p.path("acme/clean")) ? undefined : "skip";
    },
    teardown: (p) => undoUnwritable(p.path("acme/clean")),
    args: RUN,
    exit: 2,
    code: "STORAGE_ERROR",
    names: ['bucket "acme/clean/sales.parquet"', 'step "copy"', "<data>/acme/clean", "is not writable"],
    fix: /Make .*acme\/clean writable/,
  },
  {
    name: "an output on a read-only file system",
    area: "errors",
    setup(p) {
      p.write("acme/raw/sales.parquet", sales());
      copyPipeline(p);
      return mountReadOnly(p.path("acme/clean")) ? undefined : "skip";
    },
    teardown: (p) => unmount(p.path("acme/clean")),
    args: RUN,
    exit: 2,
    code: "STORAGE_ERROR",
    names: ['step "copy"', "<data>/acme/clean", "read-only file system"],
    fix: /writable/,
  },
  {
    name: "an output whose parent directory is a file",
    area: "errors",
    setup(p) {
      p.write("acme/raw/sales.parquet", sales());
      p.write("acme/clean", "a file where a directory must be");
      copyPipeline(p);
    },
    args: RUN,
    exit: 2,
    code: "STORAGE_ERROR",
    names: ['step "copy"', "<data>/acme/clean is a file, not a directory"],
    fix: /Move .*acme\/clean out of the way, or change the bucket's path/,
  },
  {
    name: "a directory dataset output whose path is a file",
    area: "errors",
    setup(p) {
      p.write("acme/raw/sales.parquet", sales());
      p.write("acme/daily", "a file");
      copyPipeline(p, { output: "daily/", outputOptions: `{ format: "parquet" }` });
    },
    args: RUN,
    exit: 2,
    code: "STORAGE_ERROR",
    names: ['bucket "acme/daily/"', "<data>/acme/daily is a file, not a directory"],
    fix: /change the bucket's path/,
  },
  {
    name: "a single-file output whose path is a directory",
    area: "errors",
    setup(p) {
      p.write("acme/raw/sales.parquet", sales());
      p.write("acme/clean/sales.parquet/user.txt", "mine");
      copyPipeline(p);
    },
    args: RUN,
    exit: 2,
    code: "STORAGE_ERROR",
    names: ["<data>/acme/clean/sales.parquet is a directory, not a file"],
    fix: /out of the way/,
  },
  {
    name: "a .glacier directory that cannot be written",
    area: "errors",
    setup(p) {
      p.write("acme/raw/sales.parquet", sales());
      copyPipeline(p);
      p.write("../.glacier/.keep", "");
      return makeUnwritable(join(p.dir, ".glacier")) ? undefined : "skip";
    },
    teardown: (p) => undoUnwritable(join(p.dir, ".glacier")),
    args: RUN,
    exit: 2,
    code: "STORAGE_ERROR",
    names: ["<dir>/.glacier", "is not writable"],
    fix: /Make .*\.glacier a writable directory/,
  },
  {
    name: "a .glacier that is a file",
    area: "errors",
    setup(p) {
      p.write("acme/raw/sales.parquet", sales());
      copyPipeline(p);
      p.write("../.glacier", "not a directory");
    },
    args: RUN,
    exit: 2,
    code: "STORAGE_ERROR",
    names: ["<dir>/.glacier is a file, not a directory"],
    fix: /writable directory/,
  },
  {
    name: "a corrupt run record, resumed",
    area: "errors",
    async setup(p) {
      p.write("acme/raw/sales.parquet", sales());
      copyPipeline(p);
      await p.glacier(RUN);
      const runs = join(p.dir, ".glacier", "runs");
      const [runId] = readdirSync(runs);
      writeFileSync(join(runs, runId as string, "run.json"), '{"version":1,"runId":');
      writeFileSync(join(p.dir, "run-id"), runId as string);
    },
    args: ["run", "pipeline.ts", "--resume", "<run-id>"],
    exit: 2,
    code: "RUN_RECORD_INVALID",
    names: ["<dir>/.glacier/runs/", "run.json", "is not a readable run record"],
    fix: /start a new run/,
  },
  {
    name: "--local-storage pointing at a file",
    area: "options",
    setup(p) {
      p.write("../lake", "a file, not a directory");
      p.pipeline(
        `export const sales = at("raw/sales.parquet").transform(local.task(function copy(df: pl.LazyDataFrame) { return df; })).to(at("clean/sales.parquet"));`,
        { aws: true },
      );
    },
    args: ["run", "pipeline.ts", "--local-storage", "lake"],
    exit: 2,
    code: "INVALID_OPTION",
    names: ["--local-storage", "<dir>/lake is a file"],
    fix: /Point --local-storage .* at a directory/,
  },

  // ── Bad inputs the runtime already reported: kept here so they stay reported ─────────────────────────────
  {
    name: "a missing source file",
    area: "sources",
    setup: (p) => copyPipeline(p),
    args: RUN,
    exit: 2,
    code: "SOURCE_MISSING",
    names: ['bucket "acme/raw/sales.parquet"', "<data>/acme/raw/sales.parquet"],
    fix: /Create the file first, or fix the bucket's path/,
  },
  {
    name: "an empty dataset directory",
    area: "sources",
    setup(p) {
      p.write("acme/events/_SUCCESS", "");
      copyPipeline(p, { source: "events/", sourceOptions: `{ format: "parquet" }` });
    },
    args: RUN,
    exit: 2,
    code: "SOURCE_MISSING",
    names: ['bucket "acme/events/"', "<data>/acme/events/"],
    fix: /Put data files in the dataset/,
  },
  {
    name: "a dataset mixing file types",
    area: "sources",
    setup(p) {
      p.write("acme/events/a.parquet", sales());
      p.write("acme/events/b.csv", "order_id\n1\n");
      copyPipeline(p, { source: "events/", sourceOptions: `{ format: "parquet" }` });
    },
    args: RUN,
    exit: 2,
    code: "SOURCE_UNREADABLE",
    names: ['bucket "acme/events/"', ".csv", ".parquet"],
    fix: /Keep one format per dataset/,
  },
  {
    name: "a truncated source on the first run",
    area: "sources",
    setup(p) {
      truncateSync(p.write("acme/raw/sales.parquet", sales(2000)), 64);
      copyPipeline(p);
    },
    args: RUN,
    exit: 2,
    code: "SOURCE_UNREADABLE",
    names: ["<data>/acme/raw/sales.parquet", "PAR1"],
    fix: /not truncated/,
  },
  {
    name: "a source not matching its declared schema on the first run",
    area: "sources",
    setup(p) {
      p.write("acme/raw/sales.parquet", sales());
      copyPipeline(p, {
        sourceOptions: `{ schema: { order_id: "int32", region: "string", amount: "float64" } }`,
      });
    },
    args: RUN,
    exit: 2,
    code: "SCHEMA_MISMATCH",
    names: ['column "order_id" is Int64, declared int32'],
    fix: /update the bucket's schema/,
  },
  {
    name: "a task whose result breaks the output's declared schema",
    area: "tasks",
    setup(p) {
      p.write("acme/raw/sales.parquet", sales());
      copyPipeline(p, {
        outputOptions: `{ schema: { order_id: "int64", region: "string", amount: "int64" } }`,
      });
    },
    args: RUN,
    exit: 1,
    code: "SCHEMA_MISMATCH",
    names: ['bucket "acme/clean/sales.parquet"', 'column "amount" is Float64, declared int64'],
    fix: /Fix the data or the task/,
  },
  {
    name: "a task that returns a DataFrame instead of a LazyDataFrame",
    area: "tasks",
    setup(p) {
      p.write("acme/raw/sales.parquet", sales());
      copyPipeline(p, { task: "df.collectSync()" });
    },
    // The type-check would refuse it first; this is the run-time check a JavaScript user meets.
    args: [...RUN, "--no-typecheck"],
    exit: 1,
    code: "TASK_RESULT_INVALID",
    names: ["failed copy:", "a DataFrame"],
    fix: /Return df.lazy\(\)/,
  },
  {
    name: "a task that throws",
    area: "tasks",
    setup(p) {
      p.write("acme/raw/sales.parquet", sales());
      copyPipeline(p, { task: `(() => { throw new Error("the task exploded"); })()` });
    },
    args: RUN,
    exit: 1,
    code: "TASK_FAILED",
    names: ["failed copy:", "the task exploded"],
    fix: /Fix the task/,
  },
  {
    name: "a task selecting a column that does not exist",
    area: "tasks",
    setup(p) {
      p.write("acme/raw/sales.parquet", sales());
      copyPipeline(p, { task: `df.select("nope")` });
    },
    args: RUN,
    exit: 1,
    code: "TASK_FAILED",
    names: ["failed copy:", "nope"],
    fix: /Fix the task/,
  },
  {
    name: "an unknown run parameter",
    area: "options",
    setup(p) {
      p.write("acme/raw/sales.parquet", sales());
      copyPipeline(p);
    },
    args: ["run", "pipeline.ts", "--param", "minimum=3"],
    exit: 2,
    code: "PARAM_UNKNOWN",
    names: ['param "minimum"'],
    fix: /add params: \{ … \} to a task's options/,
  },
  {
    name: "a missing required run parameter",
    area: "options",
    setup(p) {
      p.write("acme/raw/sales.parquet", sales());
      p.pipeline(`export const sales = at("raw/sales.parquet")
  .transform(local.task(function onDay(df: pl.LazyDataFrame, ctx) { return df.head(ctx.params.n); }, { params: { n: param.integer() } }))
  .to(at("clean/sales.parquet"));`);
    },
    args: RUN,
    exit: 2,
    code: "PARAM_MISSING",
    names: ['param "n"'],
    fix: /--param n=/,
  },
  {
    name: "a run parameter of the wrong type",
    area: "options",
    setup(p) {
      p.write("acme/raw/sales.parquet", sales());
      p.pipeline(`export const sales = at("raw/sales.parquet")
  .transform(local.task(function onDay(df: pl.LazyDataFrame, ctx) { return df.head(ctx.params.n); }, { params: { n: param.integer() } }))
  .to(at("clean/sales.parquet"));`);
    },
    args: ["run", "pipeline.ts", "--param", "n=many"],
    exit: 2,
    code: "PARAM_INVALID",
    names: ['param "n"', "many"],
    fix: /whole number|integer/,
  },
  {
    name: "--concurrency 0",
    area: "options",
    setup: (p) => copyPipeline(p),
    args: ["run", "pipeline.ts", "--concurrency", "0"],
    exit: 2,
    code: "INVALID_OPTION",
    names: ["concurrency", "0"],
    fix: /1 or more|≥ 1|at least 1/,
  },
  {
    name: "--resume of a run that does not exist",
    area: "options",
    setup(p) {
      p.write("acme/raw/sales.parquet", sales());
      copyPipeline(p);
    },
    args: ["run", "pipeline.ts", "--resume", "20240101T000000Z-dead"],
    exit: 2,
    code: "RUN_NOT_FOUND",
    names: ['run "20240101T000000Z-dead"'],
    fix: /glacier runs/,
  },
  {
    name: "an unknown pipeline",
    area: "options",
    setup(p) {
      p.write("acme/raw/sales.parquet", sales());
      copyPipeline(p);
    },
    args: ["run", "pipeline.ts", "--pipeline", "nope"],
    exit: 2,
    code: "UNKNOWN_PIPELINE",
    names: ['pipeline "nope"'],
    fix: /Pipelines: sales/,
  },
  {
    name: "an entry file that does not exist",
    area: "definition",
    setup: () => undefined,
    args: ["run", "nope.ts"],
    exit: 2,
    code: "ENTRY_NOT_FOUND",
    names: ["nope.ts"],
    fix: /./,
  },
  {
    name: "two steps writing one location",
    area: "definition",
    setup(p) {
      p.pipeline(`export const one = at("a.parquet").transform(local.task(function first(df: pl.LazyDataFrame) { return df; })).to(at("out.parquet"));
export const two = at("b.parquet").transform(local.task(function second(df: pl.LazyDataFrame) { return df.head(1); })).to(at("out.parquet"));`);
    },
    args: VALIDATE,
    exit: 2,
    code: "DUPLICATE_WRITER",
    names: ['bucket "acme/out.parquet"', '"first"', '"second"'],
    fix: /send one of the steps to another bucket path/,
  },
  {
    name: "two steps reading each other's output (a cycle)",
    area: "definition",
    setup(p) {
      p.pipeline(`export const a = at("b.parquet").transform(local.task(function ab(df: pl.LazyDataFrame) { return df; })).to(at("a.parquet"));
export const b = at("a.parquet").transform(local.task(function ba(df: pl.LazyDataFrame) { return df; })).to(at("b.parquet"));`);
    },
    args: VALIDATE,
    exit: 2,
    code: "CYCLE",
    names: ["ab", "ba"],
    fix: /write one of them to a new bucket path/,
  },
  {
    name: "a container size Fargate does not offer",
    area: "definition",
    setup(p) {
      p.write("acme/raw/sales.parquet", sales());
      p.pipeline(`const big = provider.container({ cpu: 4, memory: 64 });
export const sales = at("raw/sales.parquet").transform(big.task(function copy(df: pl.LazyDataFrame) { return df; })).to(at("clean/sales.parquet"));`);
    },
    args: RUN,
    exit: 2,
    code: "INVALID_OPTION",
    names: ['option "container.memory"', "64 GB", "4 vCPU"],
    fix: /Fargate allows .*4 vCPU: 8–30 GB.*\(64 GB fits 16 vCPU\)/,
  },
  // ── Sources in every format, and definitions, options and tasks ───────────────────────────────────────
  {
    name: "a source path that is a directory where a file is declared",
    area: "sources",
    setup(p) {
      p.write("acme/raw/sales.parquet/part.parquet", sales());
      copyPipeline(p);
    },
    args: RUN,
    exit: 2,
    code: "SOURCE_UNREADABLE",
    names: ['bucket "acme/raw/sales.parquet"', "<data>/acme/raw/sales.parquet is a directory"],
    fix: /Write path: "raw\/sales.parquet\/"/,
  },
  {
    name: "a directory dataset source that is a file",
    area: "sources",
    setup(p) {
      p.write("acme/events", "a file");
      copyPipeline(p, { source: "events/", sourceOptions: `{ format: "parquet" }` });
    },
    args: RUN,
    exit: 2,
    code: "SOURCE_UNREADABLE",
    names: ['bucket "acme/events/"', "<data>/acme/events is a file"],
    fix: /Write path: "events"/,
  },
  {
    name: "an empty CSV file",
    area: "sources",
    setup(p) {
      p.write("acme/raw/sales.csv", "");
      copyPipeline(p, { source: "raw/sales.csv" });
    },
    args: RUN,
    exit: 2,
    code: "SOURCE_UNREADABLE",
    names: ["<data>/acme/raw/sales.csv", "empty CSV"],
    fix: /Check that the data is csv/,
  },
  {
    name: "an empty Parquet file",
    area: "sources",
    setup(p) {
      p.write("acme/raw/sales.parquet", "");
      copyPipeline(p);
    },
    args: RUN,
    exit: 2,
    code: "SOURCE_UNREADABLE",
    names: ["<data>/acme/raw/sales.parquet", "footer"],
    fix: /not truncated/,
  },
  {
    name: "an NDJSON file with a line that is not JSON",
    area: "sources",
    setup(p) {
      p.write("acme/raw/sales.ndjson", '{"a":1}\n{"a":2}\nnot json\n');
      copyPipeline(p, { source: "raw/sales.ndjson" });
    },
    args: RUN,
    exit: 2,
    code: "SOURCE_UNREADABLE",
    names: ['bucket "acme/raw/sales.ndjson"', "<data>/acme/raw/sales.ndjson", "ndjson"],
    fix: /Check that the data is ndjson/,
  },
  {
    name: "a truncated Arrow IPC file",
    area: "sources",
    setup(p) {
      p.write("acme/raw/sales.arrow", "ARROW1garbage");
      copyPipeline(p, { source: "raw/sales.arrow" });
    },
    args: RUN,
    exit: 2,
    code: "SOURCE_UNREADABLE",
    names: ['bucket "acme/raw/sales.arrow"', "<data>/acme/raw/sales.arrow", "ipc"],
    fix: /not truncated/,
  },
  {
    name: "a CSV header missing a declared column",
    area: "sources",
    setup(p) {
      p.write("acme/raw/sales.csv", "order_id,region\n1,north\n");
      copyPipeline(p, {
        source: "raw/sales.csv",
        sourceOptions: `{ schema: { order_id: "int64", region: "string", amount: "float64" } }`,
      });
    },
    args: RUN,
    exit: 2,
    code: "SCHEMA_MISMATCH",
    names: ["<data>/acme/raw/sales.csv", 'missing column "amount" (float64)'],
    fix: /update the bucket's schema/,
  },
  {
    name: "a bucket with an extension of no known format",
    area: "definition",
    setup: (p) => copyPipeline(p, { source: "raw/sales.xlsx" }),
    args: VALIDATE,
    exit: 2,
    code: "UNKNOWN_FORMAT",
    names: ['bucket "acme/raw/sales.xlsx"', ".xlsx"],
    fix: /pass format:/,
  },
  {
    name: "a bucket path that climbs out of its bucket",
    area: "definition",
    setup: (p) => copyPipeline(p, { source: "../sales.parquet" }),
    args: VALIDATE,
    exit: 2,
    code: "INVALID_PATH",
    names: ['path "../sales.parquet"'],
    fix: /remove the \.\. segment/,
  },
  {
    name: "a step writing to a glob",
    area: "definition",
    setup: (p) => copyPipeline(p, { output: "out/*.parquet" }),
    args: VALIDATE,
    exit: 2,
    code: "INVALID_TARGET",
    names: ['bucket "acme/out/*.parquet"', 'step "copy"'],
    fix: /a directory dataset ending in "\/"/,
  },
  {
    name: "an S3 bucket name S3 does not allow",
    area: "definition",
    setup(p) {
      p.pipeline(`export const a = provider.bucket({ bucket: "Bad_Name", path: "a.parquet" });`, {
        aws: true,
      });
    },
    args: VALIDATE,
    exit: 2,
    code: "INVALID_BUCKET",
    names: ['"Bad_Name" is not a valid S3 bucket name'],
    fix: /Follow S3's bucket naming rules/,
  },
  {
    name: "two pipelines with one name",
    area: "definition",
    setup(p) {
      p.pipeline(`export const a = at("a.parquet").transform(local.task(function one(df: pl.LazyDataFrame) { return df; })).to(at("o1.parquet")).withName("same");
export const b = at("b.parquet").transform(local.task(function two(df: pl.LazyDataFrame) { return df; })).to(at("o2.parquet")).withName("same");`);
    },
    args: VALIDATE,
    exit: 2,
    code: "INVALID_NAME",
    names: ['pipeline "same"'],
    fix: /Give each pipeline its own withName/,
  },
  {
    name: "a task with negative retries",
    area: "definition",
    setup(p) {
      p.pipeline(
        `export const a = at("a.parquet").transform(local.task(function one(df: pl.LazyDataFrame) { return df; }, { retries: -1 })).to(at("o1.parquet"));`,
      );
    },
    args: VALIDATE,
    exit: 2,
    code: "INVALID_OPTION",
    names: ['task "one"', "retries -1"],
    fix: /Set retries to a whole number between 0 and 10/,
  },
  {
    name: "an entry that throws while loading",
    area: "definition",
    setup: (p) => p.pipeline(`throw new Error("boom at load");`),
    args: VALIDATE,
    exit: 2,
    code: "ENTRY_LOAD_FAILED",
    names: ['file "pipeline.ts"', "boom at load"],
    fix: /Fix the module/,
  },
  {
    name: "an entry that exports no pipeline",
    area: "definition",
    setup: (p) => p.pipeline(`export const x = 1;`),
    args: VALIDATE,
    exit: 2,
    code: "NO_PIPELINES",
    names: ["pipeline.ts"],
    fix: /Export the bucket a chain produces/,
  },
  {
    name: "an unknown --mode",
    area: "options",
    setup: (p) => copyPipeline(p),
    args: ["run", "pipeline.ts", "--mode", "mars"],
    exit: 2,
    code: "UNKNOWN_MODE",
    names: ['option "--mode"', '"mars"'],
    fix: /Use --mode local\|cloud/,
  },
  {
    name: "--resume together with --force",
    area: "options",
    setup(p) {
      p.write("acme/raw/sales.parquet", sales());
      copyPipeline(p);
    },
    args: ["run", "pipeline.ts", "--resume", "20240101T000000Z-dead", "--force"],
    exit: 2,
    code: "INVALID_OPTION",
    names: ["--resume and --force"],
    fix: /not both/,
  },
  {
    name: "--local-storage with --mode cloud",
    area: "options",
    setup: (p) => copyPipeline(p),
    args: ["run", "pipeline.ts", "--mode", "cloud", "--local-storage", "lake"],
    exit: 2,
    code: "INVALID_OPTION",
    names: ['option "--local-storage"'],
    fix: /Drop --local-storage, or add --mode local/,
  },
  {
    name: "visualize --format of no known kind",
    area: "options",
    setup: (p) => copyPipeline(p),
    args: ["visualize", "pipeline.ts", "--format", "pdf"],
    exit: 2,
    code: "INVALID_OPTION",
    names: ['option "--format"', '"pdf"'],
    fix: /Use --format mermaid/,
  },
  {
    name: "a --param without a value",
    area: "options",
    setup: (p) => copyPipeline(p),
    args: ["run", "pipeline.ts", "--param", "oops"],
    exit: 2,
    code: "PARAM_INVALID",
    names: ['param "oops"', "key=value"],
    fix: /Write --param minOrders=5/,
  },
  {
    name: "visualize --output under a file",
    area: "options",
    setup(p) {
      p.write("../f", "a file");
      copyPipeline(p);
    },
    args: ["visualize", "pipeline.ts", "-o", "f/out.md"],
    exit: 2,
    code: "INVALID_OPTION",
    names: ['option "--output"', "<dir>/f is a file, not a directory"],
    fix: /Choose a writable path/,
  },
  {
    name: "generate into a path that is a file",
    area: "options",
    setup(p) {
      p.write("../outfile", "a file");
      p.pipeline(
        `export const sales = at("raw/sales.parquet").transform(local.task(function copy(df: pl.LazyDataFrame) { return df; })).to(at("clean/sales.parquet"));`,
        { aws: true },
      );
    },
    args: ["generate", "outfile", "pipeline.ts"],
    exit: 2,
    code: "INVALID_OPTION",
    names: ["<dir>/outfile is a file, not a directory"],
    fix: /Choose another directory, or move .*outfile out of the way/,
  },
  {
    name: "a SQL task selecting a column that does not exist",
    area: "tasks",
    setup(p) {
      p.write("acme/raw/sales.parquet", sales());
      p.pipeline(
        `export const a = at("raw/sales.parquet").transform(local.sql("pick", "SELECT nope FROM input")).to(at("o1.parquet"));`,
      );
    },
    args: RUN,
    exit: 1,
    code: "TASK_FAILED",
    names: ["failed pick:", '"nope"'],
    fix: /Fix the query/,
  },
  {
    name: "a SQL task that does not parse",
    area: "tasks",
    setup(p) {
      p.write("acme/raw/sales.parquet", sales());
      p.pipeline(
        `export const a = at("raw/sales.parquet").transform(local.sql("pick", "SELEC x FRM input")).to(at("o1.parquet"));`,
      );
    },
    args: RUN,
    exit: 1,
    code: "TASK_FAILED",
    names: ["failed pick:", "SELEC"],
    fix: /Fix the query/,
  },
  // ── Added with the Spark commit and the SQL portability work ─────────────────────────────────────────
  {
    name: "validate: a Spark SQL task outside the portable subset",
    area: "definition",
    setup(p) {
      p.pipeline(
        `const spark = provider.spark();
export const a = at("raw/sales.parquet", { schema: { order_id: "int64", region: "string", amount: "float64" } })
  .transform(spark.sql("byRegion", "SELECT Region, COUNT(*) AS n FROM input GROUP BY Region"))
  .to(at("out/by-region.parquet"));`,
        { aws: true },
      );
    },
    args: VALIDATE,
    exit: 0,
    code: "SQL_NOT_PORTABLE",
    names: ['step "byRegion"', "COUNT(…) AS n", "UInt32", "BIGINT"],
    fix: /Declare the column's type in the output bucket's schema .*or write CAST\(COUNT\(…\) AS BIGINT\)/,
  },
  {
    name: "validate: a Spark SQL identifier in the wrong case",
    area: "definition",
    setup(p) {
      p.pipeline(
        `const spark = provider.spark();
export const a = at("raw/sales.parquet", { schema: { order_id: "int64", region: "string", amount: "float64" } })
  .transform(spark.sql("pick", "SELECT Region, amount FROM input"))
  .to(at("out/pick.parquet"));`,
        { aws: true },
      );
    },
    args: VALIDATE,
    exit: 0,
    code: "SQL_NOT_PORTABLE",
    names: ['step "pick"', "the identifier Region matches column region only when case is ignored"],
    fix: /Write it as the column is named: region/,
  },
  {
    name: "a task that throws a string, not an Error",
    area: "tasks",
    setup(p) {
      p.write("acme/raw/sales.parquet", sales());
      copyPipeline(p, { task: `(() => { throw "no more coffee"; })()` });
    },
    args: RUN,
    exit: 1,
    code: "TASK_FAILED",
    names: ["failed copy:", "the task threw: no more coffee"],
    fix: /it threw a string, not an Error, so there is no stack trace: throw new Error\("…"\) to get one/,
  },
  {
    name: "a task that throws a plain object",
    area: "tasks",
    setup(p) {
      p.write("acme/raw/sales.parquet", sales());
      copyPipeline(p, { task: `(() => { throw { status: 503, reason: "upstream away" }; })()` });
    },
    args: RUN,
    exit: 1,
    code: "TASK_FAILED",
    names: ["failed copy:", '{"status":503,"reason":"upstream away"}'],
    fix: /it threw a plain object, not an Error, so there is no stack trace/,
  },
  {
    name: "a CSV with a byte-order mark and a ragged row",
    area: "sources",
    setup(p) {
      // Excel's "CSV UTF-8": a BOM before the header; a declared schema whose first column the BOM touches.
      p.write("acme/raw/sales.csv", `\uFEFF${csvRows(3)}4,south,4.5,extra\n5,east,5.5\n`);
      copyPipeline(p, {
        source: "raw/sales.csv",
        sourceOptions: `{ schema: { order_id: "int64", region: "string", amount: "float64" } }`,
      });
    },
    args: RUN,
    exit: 1,
    code: "SOURCE_UNREADABLE",
    names: ['bucket "acme/raw/sales.csv"', "<data>/acme/raw/sales.csv", "more fields"],
    fix: /Replace or repair the file/,
  },
  {
    name: "a task option of the wrong type (retries as text)",
    area: "definition",
    setup(p) {
      p.write("acme/raw/sales.parquet", sales());
      p.pipeline(`export const sales = at("raw/sales.parquet")
  .transform(local.task(function copy(df: pl.LazyDataFrame) { return df; }, { retries: "3" as unknown as number }))
  .to(at("clean/sales.parquet"));`);
    },
    args: RUN,
    exit: 2,
    code: "INVALID_OPTION",
    names: ["pipeline.ts", 'task "copy"', 'retries "3" is not a whole number'],
    fix: /Set retries to a whole number between 0 and 10/,
  },
  {
    name: "a bucket schema naming a type that does not exist",
    area: "definition",
    setup(p) {
      p.write("acme/raw/sales.parquet", sales());
      copyPipeline(p, { sourceOptions: `{ schema: { order_id: "integer" as never } }` });
    },
    args: RUN,
    exit: 2,
    code: "INVALID_SCHEMA",
    names: ['bucket "acme/raw/sales.parquet"', 'column "order_id" has unknown type "integer"'],
    fix: /Use one of: bool, .*int64/,
  },
  {
    name: "an output directory that is a symbolic link out of the data directory",
    area: "environment",
    setup(p) {
      p.write("acme/raw/sales.parquet", sales());
      const outside = join(p.dir, "elsewhere");
      mkdirSync(outside, { recursive: true });
      writeFileSync(join(outside, "precious.txt"), "not Glacier's");
      symlinkSync(outside, p.path("acme/clean"));
      copyPipeline(p, { output: "clean/", outputOptions: `{ format: "parquet" }` });
    },
    args: RUN,
    exit: 2,
    code: "OUTPUT_NOT_OWNED",
    names: ['bucket "acme/clean/"', 'step "copy"', "precious.txt"],
    fix: /Move those files out/,
  },
  {
    name: "a source file that is a dangling symbolic link",
    area: "environment",
    setup(p) {
      mkdirSync(p.path("acme/raw"), { recursive: true });
      symlinkSync(join(p.dir, "gone.parquet"), p.path("acme/raw/sales.parquet"));
      copyPipeline(p);
    },
    args: RUN,
    exit: 2,
    code: "SOURCE_MISSING",
    names: [
      'bucket "acme/raw/sales.parquet"',
      "<data>/acme/raw/sales.parquet is a symbolic link to <dir>/gone.parquet",
    ],
    fix: /Point the link at the data/,
  },
  {
    name: "--concurrency that is not a number",
    area: "options",
    setup: (p) => copyPipeline(p),
    args: ["run", "pipeline.ts", "--concurrency", "lots"],
    exit: 2,
    code: "INVALID_OPTION",
    names: ['option "--concurrency"', '"lots" is not a whole number'],
    fix: /For example --concurrency 4/,
  },
  {
    name: "a parameter default of the wrong type",
    area: "definition",
    setup(p) {
      p.write("acme/raw/sales.parquet", sales());
      p.pipeline(`export const sales = at("raw/sales.parquet")
  .transform(local.task(function onDay(df: pl.LazyDataFrame, ctx) { return df.head(ctx.params.n); }, { params: { n: param.integer({ default: "ten" as unknown as number }) } }))
  .to(at("clean/sales.parquet"));`);
    },
    args: RUN,
    exit: 2,
    code: "INVALID_PARAM",
    names: ['param "n"', 'the default "ten" in task "onDay" is not an integer'],
    fix: /Give a default that is an integer/,
  },
  // ── Partitions ──────────────────────────────────────────────────────────────────────────────────────────
  {
    name: "a partitioned bucket whose path has no placeholder for its key",
    area: "definition",
    setup(p) {
      p.pipeline(
        `import { daily } from "@glacier/core";
export const a = at("raw/sales.parquet", { partitions: daily({ start: "2026-11-01" }) })
  .transform(local.task(function copy(df: pl.LazyDataFrame) { return df; }))
  .to(at("clean/sales.parquet"));`,
      );
    },
    args: VALIDATE,
    exit: 2,
    code: "INVALID_PARTITION",
    names: ['bucket "acme/raw/sales.parquet"', "{day}"],
    fix: /Put the key in the path/,
  },
  {
    name: "a daily input written into an hourly output",
    area: "definition",
    setup(p) {
      p.pipeline(
        `import { daily, hourly } from "@glacier/core";
const days = at("events/{day}.parquet", { partitions: daily({ start: "2026-11-01" }) });
const hours = at("hours/{hour}.parquet", { partitions: hourly({ start: "2026-11-01T00" }) });
export const a = days.transform(local.task(function copy(df: pl.LazyDataFrame) { return df; })).to(hours);`,
      );
    },
    args: [...VALIDATE, "--no-typecheck"],
    exit: 2,
    code: "PARTITION_MISMATCH",
    names: ['step "copy', "acme/events/{day}.parquet", "acme/hours/{hour}.parquet"],
    fix: /Give both buckets the same scheme/,
  },
  {
    name: "generate: a per-partition step on Spark",
    area: "definition",
    setup(p) {
      p.pipeline(
        `import { daily } from "@glacier/core";
const days = daily({ start: "2026-11-01" });
const spark = provider.spark();
export const a = at("events/{day}.parquet", { partitions: days })
  .transform(spark.sql("copy", "SELECT * FROM input"))
  .to(at("clean/{day}.parquet", { partitions: days }));`,
        { aws: true },
      );
    },
    args: ["generate", "terraform", "pipeline.ts"],
    exit: 2,
    code: "INVALID_TASK",
    names: ['step "copy', "acme/clean/{day}.parquet", "a spark executor cannot run per partition"],
    fix: /Run the per-partition step on provider.serverless\(\) or provider.container\(\)/,
  },
  ...(
    [
      [
        "a --partition key outside the scheme's range",
        "2026-12-01",
        /Pass a key from 2026-11-01 to 2026-11-05/,
      ],
      ["a --partition key that is not a day", "2026-11-31", /Write it as 2026-12-01/],
    ] as const
  ).map(([name, key, fix]): BadInput => ({
    name,
    area: "options",
    setup(p) {
      for (let d = 1; d <= 5; d++) p.write(`acme/events/2026-11-0${d}.parquet`, sales(10, d));
      p.pipeline(
        `import { daily } from "@glacier/core";
const days = daily({ start: "2026-11-01", end: "2026-11-05" });
export const a = at("events/{day}.parquet", { partitions: days })
  .transform(local.task(function copy(df: pl.LazyDataFrame) { return df; }))
  .to(at("clean/{day}.parquet", { partitions: days }));`,
      );
    },
    args: [...RUN, "--partition", key],
    exit: 2,
    code: "INVALID_PARTITION",
    names: ['bucket "acme/', key],
    fix,
  })),
];
