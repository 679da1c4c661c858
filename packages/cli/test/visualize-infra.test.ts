import { LineageGraph } from "@glacier/core";
import { planInfrastructure } from "@glacier/aws-model";
import { beforeAll, describe, expect, it } from "vitest";
import * as simple from "../../../examples/simple/pipeline.js";
import { ensureBuilt, example, glacier, tempProject } from "./helpers/cli.js";

beforeAll(ensureBuilt);

// The names the generator would deploy, from the same planner the overlay uses.
const plan = planInfrastructure(LineageGraph.from(simple));
const lambdaName = plan.functions[0]?.functionName ?? "(none)";
const machineName = plan.stateMachines[0]?.name ?? "(none)";

describe("glacier visualize --infra", () => {
  it("names the Lambda function and state machine that run each step, in every text format", async () => {
    expect(lambdaName).toMatch(/^glacier-clean-sales-[0-9a-f]{6}$/);
    for (const format of ["text", "mermaid", "dot", "json"]) {
      const { code, stdout, stderr } = await glacier([
        "visualize",
        example("simple"),
        "--infra",
        "-f",
        format,
      ]);
      expect(stderr).toBe("");
      expect(code).toBe(0);
      expect(stdout).toContain(`Lambda ${lambdaName}`);
      expect(stdout).toContain(`state machine ${machineName}`);
      expect(stdout).toContain("in-process (glacier run --mode cloud)");
    }
  });

  it("shows the deployment in the HTML page's step details", async () => {
    const { code, stdout } = await glacier(["visualize", example("simple"), "--infra", "-f", "html"]);
    expect(code).toBe(0);
    expect(stdout).toContain("deployed as");
    expect(stdout).toContain(lambdaName);
  });

  it("leaves plain diagrams without the overlay", async () => {
    const { stdout } = await glacier(["visualize", example("simple"), "-f", "text"]);
    expect(stdout).not.toContain(lambdaName);
  });

  it("refuses a pipeline on a local provider with one clear line", async () => {
    const project = tempProject({
      "p.ts": `import { Provider } from "@glacier/core";
const provider = new Provider({ cloud: "local", basePath: "./data" });
const raw = provider.bucket({ bucket: "acme", path: "raw/orders.csv" });
const out = provider.bucket({ bucket: "acme", path: "out/orders.parquet" });
export const orders = raw.transform(provider.local().task(function tidy(df: unknown) { return df; })).to(out);
`,
    });
    try {
      const { code, stdout, stderr } = await glacier(["visualize", "p.ts", "--infra"], { cwd: project.dir });
      expect(code).toBe(2);
      expect(stdout).toBe("");
      expect(stderr).toMatchInlineSnapshot(`
        "error [INVALID_PROVIDER] provider "local": AWS infrastructure (what glacier generate creates, glacier run --mode cloud runs on and visualize --infra draws) needs buckets on an aws provider, but bucket "acme/out/orders.parquet" is on a local provider (data). Declare the buckets with new Provider({ cloud: "aws", region: "eu-west-1" }), or run the pipeline on this machine with glacier run --mode local.
        "
      `);
    } finally {
      project.remove();
    }
  });
});
