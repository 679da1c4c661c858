import { LineageGraph, Provider } from "@glacier/core";
import { STAGING_PREFIX } from "@glacier/core/internal";
import { describe, expect, it } from "vitest";
import {
  artefactsBucketName,
  ATOMIC_TEMP_PREFIX,
  kebab,
  pipelineResourceNames,
  planInfrastructure,
  runRecordKey,
  stepResourceNames,
} from "../src/index.js";
import { exampleGraph } from "./support.js";

describe("the plan", () => {
  it("places every step: Lambda, EMR Serverless, or in-process for local steps", async () => {
    const plan = planInfrastructure(await exampleGraph("complete"));
    expect(plan.steps.map((s) => [s.name, s.runsOn, s.resourceName ?? null])).toEqual([
      ["cleanCustomers", "in-process", null],
      ["cleanOrders", "lambda", "glacier-clean-orders-396c35"],
      ["enrichOrders", "emr-serverless", "glacier-enrich-orders-1314c5"],
      ["regionalSummary", "emr-serverless", "glacier-regional-summary-4d6523"],
      ["segmentSummary", "lambda", "glacier-segment-summary-61f989"],
      ["topCustomers", "in-process", null],
    ]);
    expect(plan.pipelines.find((p) => p.name === "cleanedCustomers")).toMatchObject({
      stateMachineLogicalId: null,
      note: expect.stringContaining("in-process"),
    });
  });

  it("stops a state machine before a local step and says why", async () => {
    const plan = planInfrastructure(await exampleGraph("simple"));
    expect(plan.stateMachines[0]?.steps).toEqual(["cleanSales->glacier-example-sales/clean/sales.parquet"]);
    expect(plan.stateMachines[0]?.excluded).toEqual([
      {
        stepId: "dailyRevenue->glacier-example-sales/reports/daily_revenue.parquet",
        reason: "runs on the local executor: `glacier run --mode cloud` runs it in-process",
      },
    ]);
  });

  it("is plain data: JSON round-trips it unchanged", async () => {
    const plan = planInfrastructure(await exampleGraph("multi-source"));
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
  });

  it("builds one layer per architecture the functions use", () => {
    const aws = new Provider({ cloud: "aws", region: "eu-west-1" });
    const x86 = aws.serverless();
    const arm = aws.serverless({ architecture: "arm64" });
    const b = (path: string) => aws.bucket({ bucket: "acme-lake", path });
    const graph = LineageGraph.from({
      a: b("in.parquet")
        .transform(
          x86.task(function a(df) {
            return df;
          }),
        )
        .to(b("a.parquet")),
      b: b("in.parquet")
        .transform(
          arm.task(function b(df) {
            return df;
          }),
        )
        .to(b("b.parquet")),
      c: b("in.parquet")
        .transform(
          arm.task(function c(df) {
            return df;
          }),
        )
        .to(b("c.parquet")),
    });
    const plan = planInfrastructure(graph);
    expect(plan.layers.map((l) => [l.name, l.binaryPackage])).toEqual([
      ["glacier-nodejs-polars-arm64", "nodejs-polars-linux-arm64-gnu"],
      ["glacier-nodejs-polars-x86-64", "nodejs-polars-linux-x64-gnu"],
    ]);
    expect(plan.functions.map((f) => f.layerLogicalId)).toEqual([
      "nodejs_polars_x86_64",
      "nodejs_polars_arm64",
      "nodejs_polars_arm64",
    ]);
  });

  it("applies a name prefix to every name, and reports the longest prefix the names allow", async () => {
    const plan = planInfrastructure(await exampleGraph("simple"), { namePrefix: "acme-prod" });
    expect(plan.functions[0]?.functionName).toBe("acme-prod-clean-sales-f7e1d6");
    expect(plan.stateMachines[0]?.name).toBe("acme-prod-sales");
    expect(plan.maxNamePrefixLength).toBe(30);
  });
});

describe("stable names", () => {
  it("derives names from names, never from order", async () => {
    const graph = await exampleGraph("multi-source");
    const reversed = LineageGraph.from(
      Object.fromEntries(
        Object.entries(await import("../../../examples/multi-source/pipeline.js")).reverse(),
      ) as never,
    );
    expect(planInfrastructure(reversed)).toEqual(planInfrastructure(graph));
  });
});

describe("the naming module", () => {
  it("names a step's resources from its task name and id", () => {
    const names = stepResourceNames({
      id: "cleanSales->glacier-example-sales/clean/sales.parquet",
      name: "cleanSales",
    });
    expect(names).toEqual({
      suffix: "clean-sales-f7e1d6",
      logicalId: "clean_sales_f7e1d6",
      functionName: "glacier-clean-sales-f7e1d6",
      functionRoleName: "glacier-clean-sales-f7e1d6-lambda",
      logGroupName: "/aws/lambda/glacier-clean-sales-f7e1d6",
      applicationName: "glacier-clean-sales-f7e1d6",
      jobRoleName: "glacier-clean-sales-f7e1d6-emr",
      sparkScriptKey: "glacier/spark/clean-sales-f7e1d6.py",
      sparkLogPrefix: "glacier/logs/spark/clean-sales-f7e1d6/",
      bundlePath: "assets/functions/clean-sales-f7e1d6.zip",
    });
  });

  it("names a pipeline's orchestration", () => {
    expect(pipelineResourceNames("topSpenders", "acme")).toEqual({
      logicalId: "pipeline_top_spenders",
      stateMachineName: "acme-top-spenders",
      stateMachineRoleName: "acme-top-spenders-sfn",
      scheduleName: "acme-top-spenders",
      schedulerRoleName: "acme-top-spenders-scheduler",
    });
  });

  it("writes kebab case the way AWS names read", () => {
    expect(["dailyRevenue", "ETLJob", "by_region", "v2Clean", "JSONToCSV"].map(kebab)).toEqual([
      "daily-revenue",
      "etl-job",
      "by-region",
      "v2-clean",
      "json-to-csv",
    ]);
  });

  it("names the artefacts bucket, run records and staged writes", () => {
    expect(artefactsBucketName("123456789012", "eu-west-1")).toBe("glacier-artefacts-123456789012-eu-west-1");
    expect(runRecordKey("20240131T120000Z-3f2a")).toBe("_glacier/runs/20240131T120000Z-3f2a.json");
    // One definition in core: every executor's S3 staging and the lifecycle rule's prefix agree.
    expect(ATOMIC_TEMP_PREFIX).toBe(STAGING_PREFIX);
  });
});
