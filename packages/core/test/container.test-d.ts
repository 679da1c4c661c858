import type { LazyDataFrame } from "nodejs-polars";
import { describe, expectTypeOf, it } from "vitest";
import { Provider, type ContainerExecutorNode, type Task } from "@glacier/core";

const provider = new Provider({ cloud: "aws", region: "eu-west-1" });

describe("provider.container()", () => {
  it("needs a size: cpu and memory", () => {
    // @ts-expect-error memory is required: Fargate has no default size
    provider.container({ cpu: 4 });
    // @ts-expect-error a container needs its size
    provider.container();
  });
  it("takes Fargate's architectures in Glacier's spelling", () => {
    provider.container({ cpu: 1, memory: 2, architecture: "arm64" });
    // @ts-expect-error Glacier writes x86_64 / arm64 (Fargate's X86_64 / ARM64)
    provider.container({ cpu: 1, memory: 2, architecture: "X86_64" });
  });
  it("binds the same task functions as serverless(), typed by kind", () => {
    const big = provider.container({ cpu: 16, memory: 120 });
    expectTypeOf(big.node).toEqualTypeOf<ContainerExecutorNode>();
    expectTypeOf(big.node.kind).toEqualTypeOf<"container">();
    const fn = function clean(df: LazyDataFrame) {
      return df;
    };
    expectTypeOf(big.task(fn)).toEqualTypeOf(provider.serverless().task(fn));
    expectTypeOf(big.task(fn)).toExtend<Task<LazyDataFrame>>();
  });
});
