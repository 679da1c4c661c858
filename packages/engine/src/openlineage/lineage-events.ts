import { createHash } from "node:crypto";
import { currentProcess } from "../process-identity.js";
import type { BucketNode, CheckResult, StepNode } from "@glacier/core";
import { stepInputs } from "@glacier/core/internal";
import type { StepRecord } from "../run-record.js";
import { sqlColumnLineage } from "./sql-column-lineage.js";

/**
 * OpenLineage run events (spec 2-0-2) for Glacier's runs and steps, as plain JSON. A run is the parent job
 * (`<pipeline or "glacier">`), each step a child job named by its id; datasets are named by storage: namespace
 * `s3://<bucket>` and name `<path>` for S3, namespace `file://<host>` and name the absolute path for local files.
 */

/** Who wrote the events (a URI, as the spec wants). */
export const PRODUCER = "https://github.com/glacier-pipelines/glacier/tree/main/packages/engine";
export const RUN_EVENT_SCHEMA = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent";

/** The published facet schemas the events use. */
export const FACET_SCHEMAS = Object.freeze({
  parent: "https://openlineage.io/spec/facets/1-1-0/ParentRunFacet.json#/$defs/ParentRunFacet",
  errorMessage:
    "https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet",
  jobType: "https://openlineage.io/spec/facets/2-0-3/JobTypeJobFacet.json#/$defs/JobTypeJobFacet",
  sql: "https://openlineage.io/spec/facets/1-1-0/SQLJobFacet.json#/$defs/SQLJobFacet",
  schema: "https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet",
  dataQualityAssertions:
    "https://openlineage.io/spec/facets/1-0-1/DataQualityAssertionsDatasetFacet.json#/$defs/DataQualityAssertionsDatasetFacet",
  outputStatistics:
    "https://openlineage.io/spec/facets/1-0-2/OutputStatisticsOutputDatasetFacet.json#/$defs/OutputStatisticsOutputDatasetFacet",
  columnLineage:
    "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet",
});

export type EventType = "START" | "COMPLETE" | "FAIL" | "ABORT";

/** A facet: its fields plus the two the spec requires. */
type Facet = Readonly<Record<string, unknown>> & { readonly _producer: string; readonly _schemaURL: string };

export interface LineageDataset {
  readonly namespace: string;
  readonly name: string;
  readonly facets?: Readonly<Record<string, Facet>>;
  readonly outputFacets?: Readonly<Record<string, Facet>>;
}

/** One OpenLineage RunEvent. */
export interface RunEvent {
  readonly eventType: EventType;
  readonly eventTime: string;
  readonly producer: string;
  readonly schemaURL: string;
  readonly run: { readonly runId: string; readonly facets?: Readonly<Record<string, Facet>> };
  readonly job: {
    readonly namespace: string;
    readonly name: string;
    readonly facets?: Readonly<Record<string, Facet>>;
  };
  readonly inputs: readonly LineageDataset[];
  readonly outputs: readonly LineageDataset[];
}

function facet(kind: keyof typeof FACET_SCHEMAS, fields: Readonly<Record<string, unknown>>): Facet {
  return { _producer: PRODUCER, _schemaURL: FACET_SCHEMAS[kind], ...fields };
}

/** A stable UUID (version 5 layout, from SHA-256) for a Glacier run or step run: START and its end share it. */
export function lineageRunId(...parts: readonly string[]): string {
  const bytes = createHash("sha256").update(parts.join("\u0000")).digest().subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A bucket as an OpenLineage dataset: `s3://bucket` + path, or `file://host` + absolute path. */
export function datasetName(bucket: BucketNode): { readonly namespace: string; readonly name: string } {
  const path = bucket.path.replace(/\/$/, "");
  if (bucket.provider.cloud === "aws") return { namespace: `s3://${bucket.bucket}`, name: path };
  // The host as this process saw it at its start (a `uname` per call, several per step, otherwise).
  return { namespace: `file://${currentProcess().host}`, name: bucket.location.replace(/\/$/, "") };
}

function schemaFacet(schema: Readonly<Record<string, string>> | undefined): Record<string, Facet> {
  if (schema === undefined) return {};
  return {
    schema: facet("schema", { fields: Object.entries(schema).map(([name, type]) => ({ name, type })) }),
  };
}

function checksFacet(
  checks: readonly CheckResult[] | undefined,
  columns: Map<string, string>,
): Record<string, Facet> {
  if (checks === undefined || checks.length === 0) return {};
  return {
    dataQualityAssertions: facet("dataQualityAssertions", {
      assertions: checks.map((c) => {
        const column = columns.get(c.name);
        return {
          assertion: c.name,
          success: c.status === "passed",
          ...(column === undefined ? {} : { column }),
        };
      }),
    }),
  };
}

/**
 * The column lineage of a step, when it names exactly the columns the step wrote (the written schema, when
 * known, is the check): for a SQL step derived from its query, for a Polars step as its driver derived it from
 * the returned plan (`record.columnLineage`). Otherwise nothing, never a guess.
 */
function columnLineageFacet(step: StepNode, record: StepRecord | undefined) {
  const lineage =
    step.task.sql === undefined
      ? record?.columnLineage
      : sqlColumnLineage(
          step.task.sql,
          stepInputs(step).map(([table, bucket]) => ({
            table,
            ...datasetName(bucket),
            ...(bucket.schema === undefined ? {} : { columns: Object.keys(bucket.schema) }),
          })),
        );
  if (lineage === undefined) return {};
  const derived = Object.keys(lineage.fields);
  const written = record?.outputSchema;
  if (written !== undefined) {
    const columns = Object.keys(written);
    if (columns.length !== derived.length || columns.some((c) => !derived.includes(c))) return {};
  }
  return { columnLineage: facet("columnLineage", { ...lineage }) };
}

/** What the events of one run share. */
export interface LineageRun {
  readonly runId: string;
  readonly namespace: string;
  /** The parent job's name: the pipeline, or `glacier` for a whole project. */
  readonly job: string;
}

function base(
  type: EventType,
  at: string,
): Pick<RunEvent, "eventType" | "eventTime" | "producer" | "schemaURL"> {
  return { eventType: type, eventTime: at, producer: PRODUCER, schemaURL: RUN_EVENT_SCHEMA };
}

/** The run's own event: START when it opens, COMPLETE or FAIL when it ends. */
export function runEvent(run: LineageRun, type: EventType, at: string, error?: string): RunEvent {
  return {
    ...base(type, at),
    run: {
      runId: lineageRunId(run.runId),
      ...(error === undefined
        ? {}
        : {
            facets: {
              errorMessage: facet("errorMessage", { message: error, programmingLanguage: "JavaScript" }),
            },
          }),
    },
    job: {
      namespace: run.namespace,
      name: run.job,
      facets: {
        jobType: facet("jobType", { processingType: "BATCH", integration: "GLACIER", jobType: "DAG" }),
      },
    },
    inputs: [],
    outputs: [],
  };
}

/**
 * A step's event. START carries its datasets and their declared schemas; COMPLETE the written output's schema,
 * row count and size, the check results and, where it could be derived, its column lineage; FAIL the error (and the checks,
 * when they failed it); ABORT a step that was cancelled or did not run because an upstream step failed.
 */
export function stepEvent(
  run: LineageRun,
  step: StepNode,
  type: EventType,
  at: string,
  record?: StepRecord,
): RunEvent {
  const columns = new Map<string, string>();
  for (const check of [...(step.checks ?? []), ...(step.output.checks ?? [])]) {
    const cols = "columns" in check ? check.columns : "column" in check ? [check.column] : [];
    if (cols.length === 1) columns.set(check.name, cols[0] as string);
  }
  const output = datasetName(step.output);
  const outputSchema = record?.outputSchema ?? step.output.schema;
  const statistics =
    type === "COMPLETE" && record?.rows !== undefined
      ? {
          outputFacets: {
            outputStatistics: facet("outputStatistics", {
              rowCount: record.rows,
              ...(record.bytes === undefined ? {} : { size: record.bytes }),
            }),
          },
        }
      : {};
  const outputFacets = {
    ...schemaFacet(outputSchema),
    ...checksFacet(record?.checks, columns),
    ...(type === "COMPLETE" ? columnLineageFacet(step, record) : {}),
  };
  return {
    ...base(type, at),
    run: {
      runId: lineageRunId(run.runId, step.id),
      facets: {
        parent: facet("parent", {
          run: { runId: lineageRunId(run.runId) },
          job: { namespace: run.namespace, name: run.job },
        }),
        ...(type === "FAIL" && record?.error !== undefined
          ? {
              errorMessage: facet("errorMessage", {
                message: record.error,
                programmingLanguage: "JavaScript",
              }),
            }
          : {}),
      },
    },
    job: {
      namespace: run.namespace,
      name: step.id,
      facets: {
        jobType: facet("jobType", { processingType: "BATCH", integration: "GLACIER", jobType: "TASK" }),
        ...(step.task.sql === undefined ? {} : { sql: facet("sql", { query: step.task.sql }) }),
      },
    },
    inputs: stepInputs(step).map(([, bucket]) => ({
      ...datasetName(bucket),
      ...(bucket.schema === undefined ? {} : { facets: schemaFacet(bucket.schema) }),
    })),
    outputs: [
      {
        ...output,
        ...(Object.keys(outputFacets).length === 0 ? {} : { facets: outputFacets }),
        ...statistics,
      },
    ],
  };
}
