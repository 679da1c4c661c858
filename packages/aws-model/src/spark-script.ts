import {
  allPartitionsBucket,
  stepChecks,
  type BucketNode,
  type DataTypeName,
  type Format,
  type Schema,
  type StepNode,
} from "@glacier/core";
import { compileCheck, stagingKey, stepInputs } from "@glacier/core/internal";

/**
 * The PySpark driver that runs a `spark.sql(...)` task on EMR Serverless: registers each input as a temp view
 * (`input` for a single source, the `Pipeline` keys otherwise), runs the SQL (with the task's declared params
 * as named parameter markers, `:name`), checks declared columns, and writes the output in its bucket's format.
 *
 * What Glacier controls is made to match the local executor (Polars): CSV is read and written as RFC 4180
 * (`"` quotes, doubled inside a field, fields across lines; Spark's defaults are a backslash escape and one
 * record per line), and declared columns of inputs and of the result are cast to their declared types (see
 * {@link SPARK_TYPE}; `@glacier/local` casts a SQL task's result the same way). The rest of the portable
 * subset is the task's own: see `sql-portability.ts`.
 *
 * Writes go through the step's own staging prefix (`stagingKey` of `@glacier/core`:
 * `.glacier-tmp/<step token>/<run id>-spark/<output key>/`, the prefix its role may write) and are committed
 * copy-before-replace: each staged part is copied over its target (S3 makes an object visible only when its
 * upload completes, so a single-file output is replaced atomically and a failed copy leaves the previous output
 * whole), then a dataset's earlier parts (its manifest's) that the new generation did not overwrite are deleted, and only then
 * the staging directory. Nothing is deleted before its replacement exists.
 *
 * A directory dataset is its step's alone, as in every executor: its `_glacier_manifest.json` (the format of
 * `@glacier/local`'s `output-manifest.ts`) lists the files the step wrote, and the driver replaces or deletes
 * only those. A directory holding data files the manifest does not list fails the job with
 * `GlacierStepError: OUTPUT_NOT_OWNED` before anything in it changes; the new parts are recorded in the
 * manifest before they are copied, so a job killed halfway still owns them next time. A single-file output becomes exactly
 * one object at its key (`repartition(1)`: the query itself stays parallel); a directory dataset becomes
 * `part-00000.<ext>`, `part-00001.<ext>`, …
 *
 * Data checks (the step's and its output bucket's, compiled to Spark SQL by core's `compileCheck`) run on the
 * staged result, read back as the view `glacier_checked`, before the commit; a relationships check's bucket is
 * read like an input. Their results are written to {@link sparkChecksKey} (the cloud executor records them);
 * a failing blocking check deletes the staged result and fails the job with `GlacierStepError: CHECK_FAILED`
 * naming the check, its failing count and a sample row, so nothing is committed. A Polars expression check
 * (`check.expr`) has no SQL form: validation refuses it on a spark step.
 *
 * What the driver touches is exactly what `writeStatements(…, spark = true)` grants: objects and listings under
 * the staging prefix, the output key(s), the dataset directory's own key (EMRFS's HEAD before a listing) and
 * EMRFS's `_$folder$` markers.
 */

const SPARK_FORMAT: Readonly<Record<Exclude<Format, "ipc">, string>> = {
  parquet: "parquet",
  csv: "csv",
  ndjson: "json",
};
const EXTENSION: Readonly<Record<Exclude<Format, "ipc">, string>> = {
  parquet: "parquet",
  csv: "csv",
  ndjson: "jsonl",
};

/**
 * The Spark SQL type each declared type is cast to (the driver's `cast_declared`). Spark has no unsigned
 * integers, no time of day and no duration type: such columns are left as Spark computes them, and
 * `sqlPortability` flags them.
 */
export const SPARK_TYPE: Readonly<Record<DataTypeName, string | null>> = {
  bool: "boolean",
  int8: "tinyint",
  int16: "smallint",
  int32: "int",
  int64: "bigint",
  uint8: null,
  uint16: null,
  uint32: null,
  uint64: null,
  float32: "float",
  float64: "double",
  string: "string",
  date: "date",
  datetime: "timestamp",
  time: null,
  duration: null,
  binary: "binary",
};

function sparkTypes(schema: Schema | undefined): Record<string, string> {
  return Object.fromEntries(
    Object.entries(schema ?? {}).flatMap(([column, type]) => {
      const spark = SPARK_TYPE[type];
      return spark === null ? [] : [[column, spark]];
    }),
  );
}

function sparkFormat(format: Format): Exclude<Format, "ipc"> {
  if (format === "ipc") throw new Error("Arrow IPC is not a Spark format; validation rejects it earlier");
  return format;
}

/** Where a spark step's job writes its check results (JSON): in the step's staging prefix, beside its run's. */
export function sparkChecksKey(stepId: string, runId: string): string {
  return stagingKey(stepId, runId === "{run}" ? "{run}" : `${runId}-spark`, "_glacier_checks.json");
}

/** What the driver reads a bucket with: its URI, Spark format, declared columns and types. */
function sparkSource(table: string, declared: BucketNode) {
  // A partitioned bucket is read whole (every partition), as the local executor reads it: its key
  // directories are layout, not data, so Spark's partition discovery is off (`partitioned`).
  const bucket = declared.partitions ? allPartitionsBucket(declared) : declared;
  return {
    table,
    uri: `s3://${bucket.bucket}/${declared.partitions ? sparkGlob(bucket.path) : bucket.path}`,
    ...(declared.partitions ? { partitioned: true } : {}),
    format: SPARK_FORMAT[sparkFormat(bucket.format)],
    columns: bucket.schema ? Object.keys(bucket.schema) : [],
    // Text formats carry no types: Spark infers them (an int column as INT), Polars reads the declared ones.
    types: bucket.format === "parquet" ? {} : sparkTypes(bucket.schema),
  };
}

/** The step's checks as the driver runs them, and the related buckets they read (as views). */
function sparkChecks(step: StepNode) {
  const related: ReturnType<typeof sparkSource>[] = [];
  const checks = stepChecks(step).flatMap((node) => {
    const compiled = compileCheck(node, `glacier_related_${related.length}`);
    if (compiled === undefined) return []; // check.expr: refused by validation.
    const { related: rel, ...rest } = compiled;
    if (rel !== undefined) related.push(sparkSource(rel.view, rel.bucket));
    return [rest];
  });
  return { checks, related };
}

/** A Python string literal holding `text`: a raw triple-quoted string when it can, JSON escapes otherwise. */
function pythonLiteral(text: string): string {
  return text.includes("'''") || text.endsWith("\\") ? JSON.stringify(text) : `r'''${text}'''`;
}

/**
 * A glob as Hadoop reads it: `**` is no recursive wildcard there, so the files of every partition directory
 * (`events/day=<*>/<**>/<*>.parquet`) become the partition directories (`events/day=<*>/`), read recursively.
 */
function sparkGlob(path: string): string {
  const recursive = path.indexOf("/**/");
  return recursive === -1 ? path : path.slice(0, recursive + 1);
}

/**
 * The driver's text for one spark step. Deterministic: the same step always yields the same bytes.
 *
 * @example
 * ```ts
 * sparkScript(regionalStep)
 * // """Glacier Spark SQL driver for step regionalSummary->lake/output/regional_revenue.parquet. …"""
 * // STEP = json.loads(r'''{ "sql": "SELECT region, SUM(amount) …", "inputs": [{ "table": "input", … }] … }''')
 * ```
 */
export function sparkScript(step: StepNode): string {
  const output = step.output;
  const config = {
    step: step.id,
    name: step.name,
    sql: step.task.sql ?? "",
    params: Object.fromEntries(
      Object.keys(step.task.params)
        .sort()
        .map((name) => [name, { default: step.task.params[name]?.default ?? null }]),
    ),
    inputs: stepInputs(step).map(([table, bucket]) => sparkSource(table, bucket)),
    output: {
      id: output.id,
      uri: `s3://${output.bucket}/${output.path}`,
      stagingUri: `s3://${output.bucket}/${stagingKey(step.id, "{run}", output.path.replace(/\/+$/, ""))}/`,
      format: SPARK_FORMAT[sparkFormat(output.format)],
      extension: EXTENSION[sparkFormat(output.format)],
      dataset: output.dataset,
      columns: output.schema ? Object.keys(output.schema) : [],
      types: sparkTypes(output.schema),
    },
    ...(stepChecks(step).length === 0
      ? {}
      : { ...sparkChecks(step), checksUri: `s3://${output.bucket}/${sparkChecksKey(step.id, "{run}")}` }),
  };
  return `${HEADER(step.id)}
STEP = json.loads(${pythonLiteral(JSON.stringify(config, null, 2))})
${DRIVER}`;
}

const HEADER = (id: string): string => `"""Glacier Spark SQL driver for step ${id.replace(/"""/g, "'''")}.

Generated by \`glacier generate\`; regenerate instead of editing.
Usage: spark-submit <this file> --run-id <id> [--params '<json>']
"""
import argparse
import datetime
import decimal
import json
import re

from pyspark.sql import SparkSession
`;

const DRIVER = `

class GlacierStepError(Exception):
    """Fails the job run; the message names the step and says what to fix."""


def check_columns(frame, columns, what):
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise GlacierStepError(
            "SCHEMA_MISMATCH: step %s: %s lacks declared columns %s (has %s)"
            % (STEP["step"], what, missing, frame.columns)
        )


def read(spark, source):
    reader = spark.read.format(source["format"])
    if source["format"] == "csv":
        # RFC 4180, as Polars reads CSV: quotes doubled inside quoted fields, which may span lines (Spark's
        # defaults are a backslash escape and one record per line).
        reader = (
            reader.option("header", "true")
            .option("inferSchema", "true")
            .option("quote", '"')
            .option("escape", '"')
            .option("multiLine", "true")
        )
    if source.get("partitioned"):
        # Every partition of a partitioned bucket: no column from its key directories (day=…/), as Glacier's
        # local executor reads it. recursiveFileLookup turns Spark's partition discovery off.
        reader = reader.option("recursiveFileLookup", "true")
    frame = reader.load(source["uri"])
    check_columns(frame, source["columns"], "input %s (%s)" % (source["table"], source["uri"]))
    return cast_declared(frame, source["types"])


def cast_declared(frame, types):
    """Declared columns in their declared types, as Glacier's local executor reads and writes them."""
    if not types:
        return frame
    return frame.select([frame[c].cast(types[c]).alias(c) if c in types else frame[c] for c in frame.columns])


MANIFEST = "_glacier_manifest.json"


def is_data_file(relative):
    """Hidden files and markers (_SUCCESS, …_$folder$) are not data, as for every Glacier reader."""
    return not (
        any(segment.startswith(".") or segment.startswith("_") for segment in relative.split("/"))
        or relative.endswith("_$folder$")
    )


def copy_over(jvm, fs, conf, source, target):
    """Copies source over target (overwrite). The new object becomes visible only once complete."""
    if not jvm.org.apache.hadoop.fs.FileUtil.copy(fs, source, fs, target, False, True, conf):
        raise GlacierStepError("STORAGE_ERROR: could not copy %s to %s" % (source.toString(), target.toString()))


def stage(frame, output, run_id):
    """Writes the result under the step's staging prefix; returns where."""
    staging = output["stagingUri"].replace("{run}", run_id + "-spark")
    # repartition(1), not coalesce(1): coalesce would run the whole query in one task.
    data = frame if output["dataset"] else frame.repartition(1)
    writer = data.write.mode("overwrite").format(output["format"])
    if output["format"] == "csv":
        writer = writer.option("header", "true").option("quote", '"').option("escape", '"')
    writer.save(staging)
    return staging


def json_cell(value):
    """A cell as JSON holds it, as Glacier's other executors record sample rows."""
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return str(value)
    if isinstance(value, dict):
        return {k: json_cell(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_cell(v) for v in value]
    return value


def message(template, values):
    """A check's message template filled in (core's checkMessage): {failing}, {detail}, {detail_s}, …"""
    def fill(match):
        key = match.group(1)
        if key == "detail_s":
            return "" if values.get("detail") == 1 else "s"
        return str(values[key]) if key in values else match.group(0)

    return re.sub(r"\\{(\\w+)\\}", fill, template)


def evaluate(spark, check):
    """One compiled check on the view glacier_checked: its result as the run record keeps it."""
    head = {"name": check["name"], "type": check["type"], "severity": check["severity"]}
    texts = check["messages"]
    try:
        row = spark.sql(check["count"]).collect()[0].asDict()
        if check["type"] == "freshness":
            latest = row["latest"]
            if latest is None:
                return dict(head, status="failed", failing=1, message=texts["empty"])
            if not isinstance(latest, datetime.date):
                return dict(head, status="error", failing=0,
                            message='"%s" is not a date or datetime column (its newest value is %s)'
                            % (check["column"], json.dumps(json_cell(latest))))
            if not isinstance(latest, datetime.datetime):
                latest = datetime.datetime.combine(latest, datetime.time())
            age = int(round((datetime.datetime.now() - latest).total_seconds()))
            values = {"latest": latest.isoformat(), "age": age}
            if age > check["maxAgeSeconds"]:
                return dict(head, status="failed", failing=1, message=message(texts["one"], values))
            return dict(head, status="passed", failing=0, message=message(texts["passed"], values))
        failing = int(row.get("failing") or 0)
        values = {"failing": failing, "detail": int(row.get("detail") or 0)}
        if failing == 0:
            return dict(head, status="passed", failing=0, message=message(texts["passed"], values))
        result = dict(head, status="failed", failing=failing,
                      message=message(texts["one"] if failing == 1 else texts["many"], values))
        if check.get("sample"):
            result["sample"] = [json_cell(r.asDict(recursive=True)) for r in spark.sql(check["sample"]).collect()]
        return result
    except Exception as error:  # AnalysisException: a missing column, a wrong type
        return dict(head, status="error", failing=0,
                    message="could not be evaluated: %s" % str(error).strip().split("\\n")[0])


def describe(result):
    """A check result in one line (core's describeCheckResult)."""
    sample = result.get("sample") or []
    shown = (", e.g. " + json.dumps(sample[0], separators=(",", ":"))) if sample else ""
    return "%s: %s%s" % (result["name"], result["message"], shown)


def run_checks(spark, output, staging, run_id):
    """
    The step's checks on its staged result (read back as written), before the commit. Their results go to
    checksUri for the cloud executor; a failing blocking check deletes the staged result and fails the job
    with CHECK_FAILED, so nothing is committed and the previous output is intact.
    """
    staged = dict(output, table="glacier_checked", uri=staging, columns=[])
    read(spark, staged).createOrReplaceTempView("glacier_checked")
    for source in STEP["related"]:
        read(spark, source).createOrReplaceTempView(source["table"])
    results = [evaluate(spark, check) for check in STEP["checks"]]
    jvm = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    Path = jvm.org.apache.hadoop.fs.Path
    target = Path(STEP["checksUri"].replace("{run}", run_id + "-spark"))
    fs = target.getFileSystem(conf)
    stream = fs.create(target, True)
    try:
        stream.write(bytearray(json.dumps({"glacier": 1, "step": STEP["step"], "results": results}).encode("utf-8")))
    finally:
        stream.close()
    blocking = [r for r in results if r["severity"] == "blocking" and r["status"] != "passed"]
    if blocking:
        fs.delete(Path(staging), True)
        what = (
            "check " + describe(blocking[0])
            if len(blocking) == 1
            else "%d blocking checks failed: %s" % (len(blocking), "; ".join(describe(r) for r in blocking))
        )
        raise GlacierStepError(
            "CHECK_FAILED: step %s: %s. The output was not committed: the previous one is intact."
            % (STEP["step"], what)
        )


def dataset_files(jvm, fs, uri):
    """The files under a dataset's directory (relative names, recursively) and its manifest, if Glacier's."""
    try:
        listing = fs.listFiles(jvm.org.apache.hadoop.fs.Path(uri), True)
    except Exception as error:  # py4j's Py4JJavaError: a directory not written yet has nothing to list
        if "FileNotFoundException" in str(error):
            return [], None
        raise
    present, manifest = [], None
    while listing.hasNext():
        path = listing.next().getPath()
        relative = path.toString()[len(uri):]
        if relative == MANIFEST:
            stream = fs.open(path)
            try:
                text = bytes(jvm.org.apache.hadoop.io.IOUtils.readFullyToByteArray(stream)).decode("utf-8")
            finally:
                stream.close()
            try:
                parsed = json.loads(text)
            except ValueError:
                parsed = None
            # Like Glacier's other executors: a manifest that is not Glacier's is not trusted.
            if isinstance(parsed, dict) and parsed.get("glacier") == 1 and isinstance(parsed.get("files"), list):
                manifest = parsed
        elif is_data_file(relative):
            present.append(relative)
    return sorted(present), manifest


def write_manifest(jvm, fs, output, run_id, files):
    """Replaces _glacier_manifest.json: the files of the directory this step wrote (see output-manifest.ts)."""
    text = json.dumps(
        {"glacier": 1, "output": output["id"], "step": STEP["name"], "runId": run_id, "files": sorted(files)},
        indent=2,
    )
    stream = fs.create(jvm.org.apache.hadoop.fs.Path(output["uri"] + MANIFEST), True)
    try:
        stream.write(bytearray((text + "\\n").encode("utf-8")))
    finally:
        stream.close()


def commit(spark, output, staging, run_id):
    """Copy before replace: copy the staged parts over the target, delete what they replace, then staging."""
    jvm = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    Path = jvm.org.apache.hadoop.fs.Path
    fs = Path(staging).getFileSystem(conf)
    parts = sorted(
        (s.getPath() for s in fs.listStatus(Path(staging)) if s.getPath().getName().startswith("part-")),
        key=lambda path: path.getName(),
    )
    if output["dataset"]:
        commit_dataset(jvm, fs, conf, output, staging, parts, run_id)
    else:
        if len(parts) != 1:
            raise GlacierStepError("STORAGE_ERROR: expected one part in %s, found %d" % (staging, len(parts)))
        copy_over(jvm, fs, conf, parts[0], Path(output["uri"]))
    fs.delete(Path(staging), True)


def owned_files(jvm, fs, output):
    """The files of a dataset's directory its step wrote, and its manifest; OUTPUT_NOT_OWNED if others are there."""
    present, manifest = dataset_files(jvm, fs, output["uri"])
    owned = manifest["files"] if manifest else []
    foreign = [name for name in present if name not in owned]
    if foreign:
        shown = ", ".join(foreign[:5]) + (" and %d more" % (len(foreign) - 5) if len(foreign) > 5 else "")
        raise GlacierStepError(
            "OUTPUT_NOT_OWNED: step %s writes the directory dataset %s, which holds %d file(s) Glacier did not "
            "write there: %s. Nothing was written or deleted: a step replaces only files it wrote. Move those "
            "files out of %s, or point the bucket at a directory of its own."
            % (STEP["step"], output["uri"], len(foreign), shown, output["uri"])
        )
    return owned, manifest


def check_output(spark, output):
    """Fails the job before its query runs when the output's directory holds files the step did not write."""
    if not output["dataset"]:
        return
    jvm = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    owned_files(jvm, jvm.org.apache.hadoop.fs.Path(output["uri"]).getFileSystem(conf), output)


def commit_dataset(jvm, fs, conf, output, staging, parts, run_id):
    """
    A directory dataset is its step's alone: its _glacier_manifest.json lists the files the step wrote, and
    only those are ever replaced or deleted. A directory holding other data files is refused (OUTPUT_NOT_OWNED)
    before anything in it changes: every reader of the bucket would read them as part of this output. Checked
    before the query runs (check_output) and again here, as files may have arrived meanwhile.
    """
    Path = jvm.org.apache.hadoop.fs.Path
    try:
        owned, manifest = owned_files(jvm, fs, output)
    except GlacierStepError:
        fs.delete(Path(staging), True)
        raise
    written = ["part-%05d.%s" % (i, output["extension"]) for i in range(len(parts))]
    # Recorded as the step's before they appear: a job killed while copying still owns them next time.
    if not set(written) <= set(owned) or manifest is None:
        write_manifest(jvm, fs, output, run_id, sorted(set(owned) | set(written)))
    for part, name in zip(parts, written):
        copy_over(jvm, fs, conf, part, Path(output["uri"] + name))
    # The step's earlier files go only now that the new generation is complete; nothing else is touched.
    stale = [name for name in owned if name not in written]
    for name in stale:
        fs.delete(Path(output["uri"] + name), False)
    if stale:
        write_manifest(jvm, fs, output, run_id, written)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--run-id", required=True)
    parser.add_argument("--params", default="{}")
    args = parser.parse_args()
    given = json.loads(args.params)

    spark = SparkSession.builder.appName(STEP["step"]).getOrCreate()
    check_output(spark, STEP["output"])
    for source in STEP["inputs"]:
        read(spark, source).createOrReplaceTempView(source["table"])
    if STEP["params"]:
        values = {}
        for name, spec in STEP["params"].items():
            value = given.get(name, spec["default"])
            if value is None:
                raise GlacierStepError("PARAM_MISSING: step %s needs the run parameter %s" % (STEP["step"], name))
            values[name] = value
        frame = spark.sql(STEP["sql"], args=values)
    else:
        frame = spark.sql(STEP["sql"])
    check_columns(frame, STEP["output"]["columns"], "the result")
    # Spark and Polars type some results differently (COUNT: BIGINT vs UInt32, SUM of an int: BIGINT vs the
    # int's own width): the output's declared types, cast in both executors, make them agree.
    frame = cast_declared(frame, STEP["output"]["types"])
    staging = stage(frame, STEP["output"], args.run_id)
    if STEP.get("checks"):
        run_checks(spark, STEP["output"], staging, args.run_id)
    commit(spark, STEP["output"], staging, args.run_id)
    spark.stop()


if __name__ == "__main__":
    main()
`;
