import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

// Tests import each package's sources (the "source" export condition), so `npm test` needs no rebuild to see
// a change; CLI tests spawn the real built binary.
export default defineConfig({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"] } },
  test: {
    include: ["packages/*/test/**/*.test.ts", "generators/*/test/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Vitest's default is one worker fewer than the cores: a single worker on a 2-core machine, so the suite ran
    // one file at a time. Most of its time is spent waiting on child processes (the CLI binary, npm installs,
    // s3rver, terraform), so more files at once than cores pays: on 2 cores, 3 workers took the suite from
    // ~370 s to ~170 s (4 workers: no better). Files stay isolated (one process each): several stub the
    // environment or share a process-wide worker pool.
    maxWorkers: Math.max(3, availableParallelism()),
    typecheck: {
      include: ["packages/*/test/**/*.test-d.ts", "test/**/*.test-d.ts"],
      tsconfig: "./tsconfig.typecheck.json",
    },
  },
});
