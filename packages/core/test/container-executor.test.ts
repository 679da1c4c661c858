import { describe, expect, it } from "vitest";
import type { LazyDataFrame } from "nodejs-polars";
import {
  FARGATE_SIZES,
  fargateCpuUnits,
  fargateMemoryChoices,
  fargateMemoryMib,
  LineageGraph,
  Provider,
  toMermaid,
  type ContainerOptions,
} from "@glacier/core";
import { failure } from "./support.js";

const provider = new Provider({ cloud: "aws", region: "eu-west-1" });
const container = (options: ContainerOptions): string => failure(() => provider.container(options));
/** Options only JavaScript callers (or a cast) can write. */
const untyped = <T>(options: unknown): T => options as T;

describe("container executor (ECS on Fargate)", () => {
  it("has documented defaults and a stable id", () => {
    const big = provider.container({ cpu: 4, memory: 16 });
    expect(big.kind).toBe("container");
    expect(big.node).toEqual({
      kind: "container",
      id: expect.stringMatching(/^container-[0-9a-f]{8}$/),
      cpu: 4,
      memory: 16,
      ephemeralStorage: 20,
      architecture: "x86_64",
      timeout: 3600,
    });
    expect(Object.isFrozen(big.node)).toBe(true);
    expect(provider.container({ cpu: 4, memory: 16 }).node.id).toBe(big.node.id);
    expect(provider.container({ cpu: 4, memory: 17 }).node.id).not.toBe(big.node.id);
  });

  it("accepts every Fargate CPU/memory pair and nothing between them", () => {
    // Fargate's table, written out: 0.25 vCPU 0.5/1/2 GB; 0.5 1–4; 1 2–8; 2 4–16; 4 8–30; 8 16–60 by 4; 16 32–120 by 8.
    const table: Record<number, number[]> = {
      0.25: [0.5, 1, 2],
      0.5: [1, 2, 3, 4],
      1: [2, 3, 4, 5, 6, 7, 8],
      2: Array.from({ length: 13 }, (_, i) => 4 + i),
      4: Array.from({ length: 23 }, (_, i) => 8 + i),
      8: Array.from({ length: 12 }, (_, i) => 16 + 4 * i),
      16: Array.from({ length: 12 }, (_, i) => 32 + 8 * i),
    };
    expect(FARGATE_SIZES.map((s) => s.cpu)).toEqual([0.25, 0.5, 1, 2, 4, 8, 16]);
    for (const [cpu, memories] of Object.entries(table)) {
      expect(fargateMemoryChoices(Number(cpu))).toEqual(memories);
      for (const memory of memories) {
        expect(provider.container({ cpu: Number(cpu), memory }).node.memory).toBe(memory);
      }
    }
    expect(fargateMemoryChoices(16).at(-1)).toBe(120);
    expect(fargateMemoryChoices(3)).toEqual([]);
    expect([
      fargateCpuUnits(0.25),
      fargateMemoryMib(0.5),
      fargateCpuUnits(16),
      fargateMemoryMib(120),
    ]).toEqual(["256", "512", "16384", "122880"]);
  });

  it("names the option and Fargate's allowed values for a size it refuses", () => {
    expect(container({ cpu: 3, memory: 8 })).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "container.cpu": 3 vCPU is not a Fargate task size. Use 0.25, 0.5, 1, 2, 4, 8 or 16 vCPU."`,
    );
    expect(container({ cpu: 4, memory: 64 })).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "container.memory": 64 GB does not fit a Fargate task of 4 vCPU. Fargate allows 0.25 vCPU: 0.5, 1 or 2 GB; 0.5 vCPU: 1–4 GB; 1 vCPU: 2–8 GB; 2 vCPU: 4–16 GB; 4 vCPU: 8–30 GB; 8 vCPU: 16–60 GB in steps of 4; 16 vCPU: 32–120 GB in steps of 8 (64 GB fits 16 vCPU)."`,
    );
    expect(container({ cpu: 8, memory: 18 })).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "container.memory": 18 GB does not fit a Fargate task of 8 vCPU. Fargate allows 0.25 vCPU: 0.5, 1 or 2 GB; 0.5 vCPU: 1–4 GB; 1 vCPU: 2–8 GB; 2 vCPU: 4–16 GB; 4 vCPU: 8–30 GB; 8 vCPU: 16–60 GB in steps of 4; 16 vCPU: 32–120 GB in steps of 8 (18 GB fits 4 vCPU)."`,
    );
    expect(container({ cpu: 0.25, memory: 0.75 })).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "container.memory": 0.75 GB does not fit a Fargate task of 0.25 vCPU. Fargate allows 0.25 vCPU: 0.5, 1 or 2 GB; 0.5 vCPU: 1–4 GB; 1 vCPU: 2–8 GB; 2 vCPU: 4–16 GB; 4 vCPU: 8–30 GB; 8 vCPU: 16–60 GB in steps of 4; 16 vCPU: 32–120 GB in steps of 8."`,
    );
    expect(container(untyped({ cpu: "4", memory: 16 }))).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "container.cpu": "4" vCPU is not a Fargate task size. Use 0.25, 0.5, 1, 2, 4, 8 or 16 vCPU."`,
    );
    expect(container(untyped(undefined))).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "container": provider.container() needs its size. Write provider.container({ cpu: 4, memory: 16 }) (vCPU and GB)."`,
    );
  });

  it("checks storage, architecture and timeout", () => {
    expect(provider.container({ cpu: 1, memory: 2, ephemeralStorage: 200 }).node.ephemeralStorage).toBe(200);
    expect(container({ cpu: 1, memory: 2, ephemeralStorage: 201 })).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "container.ephemeralStorage": 201 GiB is outside 20–200 GiB. Set ephemeralStorage to a whole number between 20 and 200."`,
    );
    expect(container({ cpu: 1, memory: 2, ephemeralStorage: 10 })).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "container.ephemeralStorage": 10 GiB is outside 20–200 GiB. Set ephemeralStorage to a whole number between 20 and 200."`,
    );
    expect(container(untyped({ cpu: 1, memory: 2, architecture: "X86_64" }))).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "container.architecture": "X86_64" is not a Fargate architecture. Use "x86_64" (Fargate's X86_64) or "arm64" (ARM64)."`,
    );
    expect(provider.container({ cpu: 1, memory: 2, architecture: "arm64" }).node.architecture).toBe("arm64");
    expect(container({ cpu: 1, memory: 2, timeout: 0 })).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "container.timeout": 0 s is outside 1–86400 s. Set timeout to a whole number between 1 and 86400."`,
    );
    expect(container({ cpu: 1, memory: 2, timeout: 86_401 })).toMatchInlineSnapshot(
      `"[INVALID_OPTION] option "container.timeout": 86401 s is outside 1–86400 s. Set timeout to a whole number between 1 and 86400."`,
    );
  });

  it("takes the same Polars task functions as serverless, and a task timeout within its own", () => {
    const big = provider.container({ cpu: 2, memory: 8, timeout: 7200 });
    const clean = big.task(function clean(df: LazyDataFrame) {
      return df.head(10);
    });
    expect(clean.executor).toBe(big.node);
    expect(clean.language).toBe("polars");
    expect(
      failure(() => big.task((df: LazyDataFrame) => df, { name: "slow", timeout: 7201 })),
    ).toMatchInlineSnapshot(
      `"[INVALID_OPTION] task "slow": timeout 7201 s exceeds its container's timeout of 7200 s. Raise provider.container({ timeout }) or lower the task's timeout."`,
    );
    const raw = provider.bucket({ bucket: "acme", path: "raw/sales.csv" });
    const out = provider.bucket({ bucket: "acme", path: "clean/sales.parquet" });
    const graph = LineageGraph.from({ sales: raw.transform(clean).to(out).withName("sales") });
    expect(toMermaid(graph)).toContain("clean<br/><small>container · Fargate 2 vCPU 8 GB</small>");
    expect(toMermaid(graph)).toContain("classDef container");
  });
});
