/**
 * AWS Fargate's task sizes, which `provider.container()` checks when the executor is defined so a size Fargate
 * refuses fails in the pipeline code instead of at `terraform apply` or `RunTask`. Data only: the Amazon ECS
 * Developer Guide's "Task CPU and memory" table for Linux containers on Fargate (platform 1.4.0), and its
 * ephemeral storage limits (20 GiB by default, 21–200 GiB when set), checked 2026-12.
 */

/** One CPU size of a Fargate task: vCPU, and the memory (GB) it allows as `[min, max, step]`. */
export interface FargateSize {
  readonly cpu: number;
  /** Allowed memory in GB: `min`, `min + step`, … `max`. */
  readonly memory: readonly [min: number, max: number, step: number];
  /** The allowed memory sizes when they are not an even range (0.25 vCPU: 0.5, 1 or 2 GB). */
  readonly only?: readonly number[];
}

/**
 * Fargate's CPU sizes and their memory ranges (GB). 0.25 vCPU takes 0.5, 1 or 2 GB; 8 and 16 vCPU need Linux
 * platform 1.4.0, which Fargate uses by default.
 */
export const FARGATE_SIZES: readonly FargateSize[] = Object.freeze([
  { cpu: 0.25, memory: [0.5, 2, 0.5] as const, only: [0.5, 1, 2] },
  { cpu: 0.5, memory: [1, 4, 1] as const },
  { cpu: 1, memory: [2, 8, 1] as const },
  { cpu: 2, memory: [4, 16, 1] as const },
  { cpu: 4, memory: [8, 30, 1] as const },
  { cpu: 8, memory: [16, 60, 4] as const },
  { cpu: 16, memory: [32, 120, 8] as const },
]);

/** Task storage Fargate gives without being asked, GiB (and the smallest `ephemeralStorage`). */
export const FARGATE_DEFAULT_STORAGE_GIB = 20;
/** The largest task storage Fargate allows, GiB. */
export const FARGATE_MAX_STORAGE_GIB = 200;

/** The memory sizes (GB) Fargate allows for a CPU size; empty for a CPU size it does not have. */
export function fargateMemoryChoices(cpu: number): readonly number[] {
  const size = FARGATE_SIZES.find((s) => s.cpu === cpu);
  if (!size) return [];
  if (size.only) return size.only;
  const [min, max, step] = size.memory;
  const choices: number[] = [];
  for (let gb = min; gb <= max; gb += step) choices.push(gb);
  return choices;
}

/** `cpu` vCPU as ECS's task-level `cpu` string: CPU units, 1024 per vCPU (`0.25` → `"256"`). */
export function fargateCpuUnits(cpu: number): string {
  return String(Math.round(cpu * 1024));
}

/** `memory` GB as ECS's task-level `memory` string: MiB (`0.5` → `"512"`). */
export function fargateMemoryMib(memory: number): string {
  return String(Math.round(memory * 1024));
}
